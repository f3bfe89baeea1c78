"""Shared pages as evidence: strengths measured from the catalog, the weak-neighbour cut in
`similar` and `next`, and the reasons the answers show."""

import numpy as np
import pytest

from bot import answers as a
from bot.render_discord import render as render_discord
from bot.render_text import render as render_text
from engine.serve.evidence import Evidence, field_labels, measured_strength, page_strength
from tests.conftest import requires_shared_data


def catalog():
    """12 books by 4 authors in 2 genres. Page 0: every book (a country). Page 1: a publisher
    shared by authors 0 and 1 (two genres). Page 2: a narrow genre of authors 0 and 2. Pages 3-6:
    each author's own page."""
    authors = np.repeat([0, 1, 2, 3], 3)
    genres = np.array([0, 0, 0, 1, 1, 1, 0, 0, 0, 1, 1, 1])
    pairs = [(b, 0) for b in range(12)]
    pairs += [(b, 1) for b in (0, 1, 3, 4)]
    pairs += [(b, 2) for b in (1, 2, 6, 7)]
    pairs += [(b, 3 + int(authors[b])) for b in range(12)]
    return np.array(sorted(pairs)), authors, genres


def test_strength_is_measured_not_listed():
    pairs, authors, genres = catalog()
    by_author = page_strength(pairs, authors, 7, prior_pairs=0)
    by_genre = page_strength(pairs, genres, 7, prior_pairs=0)
    assert by_author[0] == 0 and by_genre[0] == 0  # the country says nothing
    assert np.allclose(by_author[3:], 1) and np.allclose(by_genre[3:], 1)  # sure matches
    assert by_author[1] > 0 and by_genre[1] == 0  # the publisher: authors, not kinds of book
    assert by_genre[2] == 1 and by_author[2] > 0  # the narrow genre: both
    strength = measured_strength(pairs, 7, authors, genres)
    assert strength[0] < strength[1] < strength[2] < strength[3]
    assert np.all((strength >= 0) & (strength <= 2))


def test_unknown_labels_and_empty_input_are_harmless():
    pairs, authors, _ = catalog()
    assert not page_strength(pairs, np.full(12, -1), 7).any()
    assert not page_strength(np.zeros((0, 2), dtype=np.int32), authors, 7).any()
    assert list(field_labels([{"author": "A  b"}, {"author": "a b"}, {}, {"author": None}],
                             "author")) == [0, 0, -1, -1]


def test_rows_sum_the_shared_strengths_and_reasons_hide_weak_pages():
    pairs, authors, genres = catalog()
    pages = ["united states", "harper", "southern gothic", "a0", "a1", "a2", "a3"]
    strength = measured_strength(pairs, 7, authors, genres)
    evidence = Evidence(pairs, 12, pages, strength, close=1.0)
    mine = {int(p) for p in evidence.pages_of(1)}
    for other in range(12):
        shared = mine & {int(p) for p in evidence.pages_of(other)}
        assert evidence.row(1)[other] == pytest.approx(sum(strength[p] for p in shared), abs=1e-5)
    assert [s.page for s in evidence.shared(1, 2)] == ["a0", "southern gothic"]
    assert [s.page for s in evidence.shared(1, 4)] == ["harper"]  # the strongest, weak or not
    kept = evidence.close_hits(1, [(4, 0.99), (2, 0.5), (9, 0.4)])
    assert [i for i, _, _ in kept] == [2]  # a publisher and a country are not enough


def test_the_tiny_model_shows_only_close_books_and_says_why(tiny):
    hits = tiny.similar("The Hobbit", 20)
    assert 0 < len(hits) < 20 and hits.reason.startswith("Only")
    tolkien_books = {"The Fellowship of the Ring", "The Two Towers", "The Return of the King",
                     "The Silmarillion", "Unfinished Tales", "The Children of Húrin",
                     "Beren and Lúthien"}
    assert {h.title for h in hits} <= tolkien_books
    assert all(h.shared and h.evidence >= tiny.evidence.close for h in hits)
    ranked = [h.similarity + tiny.rank_blend * h.evidence + (tiny.kin_bonus if h.kin else 0)
              + (tiny.known_kin_bonus if h.kin and tiny.well_read[tiny.title_to_id[h.title]] else 0)
              for h in hits]
    assert all(a >= b - 1e-3 for a, b in zip(ranked, ranked[1:], strict=False))  # rounded fields
    picks = tiny.recommend([a_read("The Hobbit")], 5)
    assert picks and all(p.shared for p in picks)
    few = tiny.recommend([a_read("The Hobbit")], 20)
    assert 0 < len(few) < 20 and few.reason.startswith(f"Only {len(few)} close picks")


def a_read(title):
    from engine.serve.picks import HistoryItem

    return HistoryItem(title, 5)


async def test_answers_carry_the_evidence_and_renderers_escape_it(service):
    answer = await service.similar("the hobbit", 3)
    assert len(answer.shared) == len(answer.items) and all(answer.shared)
    text = render_text(answer)
    assert text.count("\n    both: ") == len(answer.items)
    assert "J. R. R. Tolkien" in text or "middle-earth" in text
    hostile = a.SimilarBooks(answer.book, answer.items[:1], "", [("@everyone", "**x**" * 200)])
    reply = render_discord(hostile)
    description = reply.embed.description
    assert "@everyone" not in description and "@\u200beveryone" in description
    assert "\\*\\*x" in description and len(description) < 1000
    await service.read("u", "The Hobbit 5")
    picks = await service.next("u", 3)
    assert isinstance(picks, a.Picks) and all(p.shared for p in picks.items)
    assert "; both: " in render_text(picks)


@requires_shared_data
def test_the_embarrassing_neighbours_of_the_issue_are_gone(real):
    """Goodnight Moon -> Patterns of Sexual Behavior shared only "united states" and
    "harper & brothers"; Eragon links only "united states". Neither is a reason."""
    moon = real.similar("Goodnight Moon", 10)
    assert "Patterns of Sexual Behavior" not in {n.title for n in moon}
    assert "Patterns of Sexual Behavior" in {n.title for n in real.nearest("Goodnight Moon", 200)}
    assert all(n.evidence >= real.evidence.close for n in moon)
    eragon = real.similar("Eragon", 5)  # only its author's other book, for its author
    assert [n.title for n in eragon] == ["Eldest"] and eragon[0].kin == "author"
    assert not any(n.weaker for n in moon + eragon)
    weak = [real.evidence.strength[real.page_to_id[p]] for p in ("united states", "harper & brothers")]
    strong = [real.evidence.strength[real.page_to_id[p]] for p in ("high fantasy", "j. k. rowling")]
    assert max(weak) < real.evidence.close <= min(strong)
