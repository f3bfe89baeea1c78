"""Group picks (engine/serve/group_picks.py) on the tiny fixture model and hand-made shelves,
plus the simulated clubs that choose the rule (engine/quality/group_eval.py)."""

import numpy as np
import pytest

from engine.quality.group_eval import SimulatedClub, served, simulated_clubs
from engine.serve.group_picks import (
    REASON_NO_MEMBERS,
    REASON_NO_SHELVES,
    RULES,
    group_picks,
    score_members,
)
from engine.serve.picks import REASON_EMPTY, HistoryItem, recommend_from_history


def liked(*titles, rating=5):
    return [HistoryItem(t, rating) for t in titles]


@pytest.fixture
def club():
    return {"ann": liked("The Hobbit", "The Two Towers"), "bob": liked("War and Peace"),
            "cy": liked("The Selfish Gene")}


@pytest.mark.parametrize("rule", list(RULES))
def test_nothing_read_or_dismissed_by_anyone_is_picked(rec, club, rule):
    before = group_picks(rec, club, 8, rule=rule)
    dismissed = {before[0].title, before[-1].title}
    picks = group_picks(rec, club, 8, exclude=dismissed, rule=rule)
    read = {h.title for shelf in club.values() for h in shelf}
    assert picks and not (read | dismissed) & {p.title for p in picks}
    # A book one member disliked is read too: nobody is offered it.
    disliked = before[1].title
    picks = group_picks(rec, {**club, "dee": [HistoryItem(disliked, 1)]}, 8, rule=rule)
    assert disliked not in {p.title for p in picks}


def test_every_pick_names_whom_it_suits_and_from_which_reads(rec, club):
    picks = group_picks(rec, club, 8)
    assert len(picks) == 8 and picks.members == ["ann", "bob", "cy"]
    for pick in picks:
        assert pick.suits and set(pick.suits) == set(pick.because)
        for member in pick.suits:
            shelf = {h.title for h in club[member]}
            assert pick.because[member] and set(pick.because[member]) <= shelf
        assert pick.suits_line(3) == f"suits {len(pick.suits)} of 3 members"
    # With three far-apart shelves, every member is suited by some pick.
    assert {m for p in picks for m in p.suits} == {"ann", "bob", "cy"}


@pytest.mark.parametrize("rule", list(RULES))
def test_a_book_loved_by_one_and_hated_by_another_loses_to_one_liked_by_both(rule):
    # Hand-made member scores (rows: members, columns: books), as score_members makes them.
    scores = np.array([[1.0, 0.6, 0.0],
                       [-1.0, 0.6, 0.2]])
    value = RULES[rule](scores, np.zeros(2))
    assert value[1] > value[0]


@pytest.mark.parametrize("rule", list(RULES))
def test_a_dislike_pushes_every_rule_away_from_that_books_neighbours(rec, rule):
    ann = liked("The Hobbit")
    near = [h.title for h in rec.similar("The Hobbit", 3)]
    dislike = near[0]
    fond = score_members(rec, {"ann": ann, "bob": liked("War and Peace")})
    hostile = score_members(rec, {"ann": ann, "bob": [*liked("War and Peace"),
                                                        HistoryItem(dislike, 1)]})
    harmed = np.flatnonzero(hostile.scores[1] < 0)
    assert harmed.size, "the disliked book's neighbours should score below zero for bob"
    got = np.zeros(2)
    assert (RULES[rule](hostile.scores, got)[harmed] < RULES[rule](fond.scores, got)[harmed]).all()


def test_fair_share_does_not_give_every_seat_to_one_member(rec):
    # ann's two-book shelf scores many books highly; bob's one book still gets seats.
    picks = group_picks(rec, [liked("The Hobbit", "The Two Towers", "The Fellowship of the Ring"),
                              liked("The Selfish Gene")], 4, rule="fair_share")
    assert [1 in p.suits for p in picks].count(True) >= 2


def test_deal_seats_every_members_first_choice_before_anyone_gets_a_second(rec):
    shelves = [liked("The Hobbit", "The Two Towers", "The Fellowship of the Ring"),
               liked("The Selfish Gene"), liked("War and Peace")]
    group = score_members(rec, shelves)
    picks = group_picks(rec, shelves, 3, rule="deal")
    firsts = {member: rec.titles[int(np.argmax(np.where(group.blocked, -np.inf, row)))]
              for member, row in zip(group.voting, group.scores, strict=True)}
    assert {p.title for p in picks} >= set(firsts.values())  # each member's own best is seated
    assert {m for p in picks for m in p.suits} == {0, 1, 2}


def test_empty_groups_and_empty_shelves_give_reasons(rec, club):
    assert group_picks(rec, {}) == [] and group_picks(rec, {}).reason == REASON_NO_MEMBERS
    assert group_picks(rec, []).reason == REASON_NO_MEMBERS
    nobody = group_picks(rec, {"ann": [], "bob": [HistoryItem("No Such Book Anywhere")]})
    assert nobody == [] and nobody.reason == REASON_NO_SHELVES
    assert nobody.unscored["ann"] == REASON_EMPTY and set(nobody.unscored) == {"ann", "bob"}
    with_empty = group_picks(rec, {**club, "dee": []}, 6)
    assert len(with_empty) == 6 and with_empty.unscored == {"dee": REASON_EMPTY}
    assert all("dee" not in p.suits for p in with_empty)
    assert group_picks(rec, club, 0) == []
    with pytest.raises(ValueError):
        group_picks(rec, club, rule="dictatorship")


def test_one_member_gets_their_own_kind_of_picks(rec):
    shelf = liked("The Hobbit", "The Two Towers")
    picks = group_picks(rec, [shelf], 5)
    assert 0 < len(picks) <= 5 and all(p.suits == [0] for p in picks)
    solo = {p.title for p in recommend_from_history(rec, shelf, 5)}
    assert solo & {p.title for p in picks}


def test_output_is_deterministic(rec, club):
    first = group_picks(rec, club, 8)
    again = group_picks(rec, dict(reversed(list(club.items()))), 8)
    assert [(p.title, p.score) for p in first] == [(p.title, p.score) for p in group_picks(rec, club, 8)]
    # Member order changes nothing but the order members are listed in.
    assert [p.title for p in first] == [p.title for p in again]


def test_simulated_clubs_keep_members_apart_and_score_hits():
    groups = [np.arange(i * 6, i * 6 + 6) for i in range(20)]
    clubs = simulated_clubs(groups, 4, 10, np.random.default_rng(0))
    for club in clubs:
        books = [b for taste in club.tastes for g in taste for b in g.tolist()]
        assert len(books) == len(set(books)) and len(club.tastes) == 4
        shelves, held = club.split(np.random.default_rng(1))
        for shelf, rest, taste in zip(shelves, held, club.tastes, strict=True):
            assert not set(shelf.tolist()) & set(rest.tolist())
            assert sorted([*shelf.tolist(), *rest.tolist()]) == sorted(np.concatenate(taste).tolist())
    held = [np.array([1, 2]), np.array([7])]
    assert served([2, 40], held).tolist() == [True, False]
    assert served([], SimulatedClub([]).split(np.random.default_rng(0))[1]).tolist() == []


def test_the_club_section_is_rewritten_in_place_and_names_the_measured_rule(tmp_path):
    import json

    from engine.quality.group_eval import BASELINES, GROUP_SIZES
    from engine.quality.group_report import END, START, main, summarise

    def run(lead):  # one seed's figures; `lead` serves everyone, the rest serve nobody
        return {size: {m: {"member": 0.5 if m == lead else 0.1, "worst": 0.3 if m == lead else 0.0}
                       for m in (*RULES, *BASELINES)} for size in GROUP_SIZES}

    saved = tmp_path / "run.json"
    saved.write_text(json.dumps({"summary": summarise([run("average"), run("average")]),
                                 "command": "python scripts/evaluate.py --groups", "date": "today",
                                 "seconds": 1, "host": "here", "clubs": 2, "k": 10, "trials": 1,
                                 "groups": 20, "seeds": [0, 1]}))
    out = tmp_path / "EVALUATION.md"
    out.write_text("# Evaluation\n\nkept above\n")
    assert main(["--from-json", str(saved), "--out", str(out)]) == 0
    assert main(["--from-json", str(saved), "--out", str(out)]) == 0
    text = out.read_text()
    assert text.startswith("# Evaluation\n\nkept above\n")
    assert text.count(START) == 1 and text.count(END) == 1
    assert "Measured best rule on the worst-served member over all sizes: **average**" in text


def test_a_member_with_nothing_left_near_their_likes_is_told_not_divided_by_zero(tiny):
    """A shelf whose every close book is read (or disliked) casts no positive vote: the member
    is unscored with the reason, and the others' scores stay finite."""
    import numpy as np

    from engine.serve.group_picks import score_members
    from engine.serve.picks import REASON_EXHAUSTED, neighbour_lists
    from engine.serve.recommender import HistoryItem

    liked = next(b for b in range(len(tiny.titles)) if tiny.has_links[b]
                 and neighbour_lists(tiny, [b], 150)[0])
    near = [i for i, _ in neighbour_lists(tiny, [liked], 150)[0]]
    saturated = [HistoryItem(tiny.titles[liked], 5)] + [HistoryItem(tiny.titles[i], 1) for i in near]
    other = next(b for b in range(len(tiny.titles)) if tiny.has_links[b] and b != liked
                 and b not in near)
    group = score_members(tiny, {"full": saturated, "fresh": [HistoryItem(tiny.titles[other], 5)]})
    assert group.unscored.get("full") == REASON_EXHAUSTED and "full" not in group.voting
    assert np.isfinite(group.scores).all()
