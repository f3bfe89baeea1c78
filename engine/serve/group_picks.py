"""Picks for a group (a book club): every candidate is scored for every member from their own
shelf (engine.serve.picks: weigh_shelf, neighbour_lists, cast_votes), then the members' scores
are combined by a fairness rule.

Nothing any member has read, and nothing in `exclude` (the members' dismissed books), is picked.
Each member's scores are divided by their own best, so a long or enthusiastic shelf does not
outvote a short one; a book near something a member disliked scores below zero for them.

The rules (compared on simulated clubs by `scripts/evaluate.py --groups`, EVALUATION.md):
- average: the mean of the members' scores;
- least_misery: the lowest member score (the mean breaks ties);
- rank_fusion: reciprocal rank fusion of the members' own rankings, so each
  member's first choices count alike however strongly their shelf votes; a dislike subtracts.
  A book liked by two beats one loved by one and disliked by the other;
- fair_share: seats are filled one at a time, each by the book with the highest weighted sum of
  member scores, a member's weight falling as earlier picks already suit them
  (1 / (1 + what they have got so far));
- deal (the default): seats are dealt like cards: each goes to the best open book of a member served least so
  far (the one whose best is strongest; what suits more members breaks ties; any member's
  dislike subtracts), so in a club of up to k members everyone's own first choice gets a seat
  before anyone's second.
Author and series caps are the single reader's (picks.per_key_cap).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from engine.serve.picks import (
    NEIGHBOURS_PER_READ,
    PickCatalog,
    ShelfVotes,
    cast_votes,
    diversity_keys,
    neighbour_lists,
    per_key_cap,
    weigh_shelf,
)
from engine.serve.picks import (
    REASON_EXHAUSTED as PICKS_EXHAUSTED,
)

Member = Hashable  # a name, a user id, or a position in a list of shelves

RRF_OFFSET = 60  # the usual constant of reciprocal rank fusion: rank 1 vs 10 matters, 500 vs 510 not
REASON_NO_MEMBERS = "The group has no members: name at least one member to get picks."
REASON_NO_SHELVES = ("No member of the group has a shelf that can vote yet: each needs a book "
                     "they liked that is in the model.")
REASON_EXHAUSTED = "Nothing new is near the books the members liked."


@dataclass
class GroupPick:
    title: str
    score: float  # the rule's score when the pick was chosen
    suits: list[Member]  # members whose own shelf votes for it, in the group's order
    because: dict[Member, list[str]]  # per suited member: their reads behind it
    meta: dict = field(default_factory=dict)

    def suits_line(self, group_size: int) -> str:
        return f"suits {len(self.suits)} of {group_size} member{'s' if group_size != 1 else ''}"


class GroupPickList(list):
    """A plain list of GroupPicks, plus `reason` (why it is empty or short, or None) and
    `unscored`: member -> why their shelf could not vote (empty, unknown books, ...)."""

    def __init__(self, picks=(), reason: str | None = None,
                 unscored: dict[Member, str] | None = None, members: Sequence[Member] = ()):
        super().__init__(picks)
        self.reason = reason
        self.unscored = unscored or {}
        self.members = list(members)


@dataclass
class GroupScores:
    """The members' votes, ready for any rule: `scores` is (voting members, books), each row
    divided by its member's best score; `blocked` marks books no rule may pick."""
    members: list[Member]  # every member, in order
    voting: list[Member]  # members whose shelf votes, in order
    shelves: list[ShelfVotes]  # one per voting member
    scores: np.ndarray
    blocked: np.ndarray
    unscored: dict[Member, str]

    def candidates(self) -> np.ndarray:
        """Books some member's shelf suggests and no rule is barred from, ascending."""
        if not self.voting:
            return np.zeros(0, dtype=np.int64)
        return np.flatnonzero((self.scores > 0).any(0) & ~self.blocked)


def _as_members(members) -> list[tuple[Member, Sequence]]:
    if isinstance(members, Mapping):
        return list(members.items())
    return list(enumerate(members or ()))


def score_members(rec: PickCatalog, members, exclude: Iterable[str] = (),
                  neighbours: int = NEIGHBOURS_PER_READ) -> GroupScores:
    """`members`: {member: history} or a list of histories (members are then 0, 1, ...);
    histories are lists of picks.HistoryItem. `exclude`: titles nobody should be offered."""
    pairs = _as_members(members)
    n_books = len(rec.titles)
    blocked = np.zeros(n_books, dtype=bool)
    for title in exclude or ():
        book = rec.find_book(title) if isinstance(title, str) and title.strip() else None
        if book is not None:
            blocked[book] = True
    weighed = [(member, weigh_shelf(rec, history)) for member, history in pairs]
    # One index query for every member's voters (a book on two shelves asked once).
    asked = sorted({r.book for _, shelf in weighed if shelf.reason is None for r in shelf.voters})
    near = dict(zip(asked, neighbour_lists(rec, asked, neighbours), strict=True))
    voting, shelves, rows, unscored = [], [], [], {}
    for member, shelf in weighed:
        blocked[list(shelf.reads)] = True  # read by anyone, liked or not: never offered
        if shelf.reason is not None:
            unscored[member] = shelf.reason
            continue
        shelf = cast_votes(rec, shelf, [near[r.book] for r in shelf.voters])
        best = float(shelf.votes.score.max())
        if best <= 0:  # every book near their likes is read or disliked: nothing to vote for
            unscored[member] = PICKS_EXHAUSTED
            continue
        voting.append(member)
        shelves.append(shelf)
        rows.append(shelf.votes.score / best)
    scores = np.array(rows) if rows else np.zeros((0, n_books))
    return GroupScores([m for m, _ in pairs], voting, shelves, scores, blocked, unscored)


# ---------------------------------------------------------------- rules
# A rule: (scores of the candidates, (members, candidates); seats taken so far per member) ->
# one score per candidate. Static rules ignore the seats; fair_share reads them.
Rule = Callable[[np.ndarray, np.ndarray], np.ndarray]


def average(scores: np.ndarray, got: np.ndarray) -> np.ndarray:
    return scores.mean(0)


def least_misery(scores: np.ndarray, got: np.ndarray) -> np.ndarray:
    # The mean, scaled below the smallest gap that matters, only breaks ties of the minimum.
    return scores.min(0) + 1e-6 * scores.mean(0)


def rank_fusion(scores: np.ndarray, got: np.ndarray) -> np.ndarray:
    # Each member ranks the candidates they suggest; a book they do not suggest gets nothing.
    order = np.lexsort((np.broadcast_to(np.arange(scores.shape[1]), scores.shape), -scores), axis=1)
    ranks = np.empty_like(order)
    np.put_along_axis(ranks, order, np.arange(scores.shape[1]), axis=1)
    fused = np.where(scores > 0, 1.0 / (RRF_OFFSET + 1 + ranks), 0.0)
    # Ranks carry no dislike: a book near one a member disliked takes away up to what their
    # first choice would give, in proportion to the dislike.
    fused += np.where(scores < 0, scores / (RRF_OFFSET + 1), 0.0)
    return fused.sum(0)


def fair_share(scores: np.ndarray, got: np.ndarray) -> np.ndarray:
    return (scores / (1.0 + got)[:, None]).sum(0)


def deal(scores: np.ndarray, got: np.ndarray) -> np.ndarray:
    # Only the least-served members choose, but anyone's dislike still subtracts; a pick that
    # suits others too wins the choosers' ties, scaled below any gap between their own scores.
    choosers = got <= got.min() + 1e-9
    liked = np.clip(scores, 0, None)
    disliked = scores - liked
    shared = liked.sum(0) / (scores.shape[0] + 1)
    return liked[choosers].max(0) + disliked.sum(0) + 1e-3 * shared


RULES: dict[str, Rule] = {"average": average, "least_misery": least_misery,
                          "rank_fusion": rank_fusion, "fair_share": fair_share, "deal": deal}
SEQUENTIAL = {"fair_share", "deal"}  # rules whose scores change as seats are taken
CHOSEN_RULE = "deal"  # by measurement: EVALUATION.md, "Book clubs"


def pick_for_group(rec: PickCatalog, group: GroupScores, k: int = 10,
                   rule: str = CHOSEN_RULE) -> GroupPickList:
    _rule(rule)
    if not group.members:
        return GroupPickList(reason=REASON_NO_MEMBERS)
    if not group.voting:
        return GroupPickList(reason=REASON_NO_SHELVES, unscored=group.unscored,
                             members=group.members)
    if k <= 0:
        return GroupPickList(unscored=group.unscored, members=group.members)
    chosen, values = choose_books(rec, group, k, rule)
    picks = [_describe(rec, group, book, value) for book, value in zip(chosen, values, strict=True)]
    return GroupPickList(picks, None if len(picks) == k else REASON_EXHAUSTED,
                         group.unscored, group.members)


def choose_books(rec: PickCatalog, group: GroupScores, k: int = 10,
                 rule: str = CHOSEN_RULE) -> tuple[list[int], list[float]]:
    """The rule's seats in order, as book indices and the rule's scores, without the reasons
    pick_for_group adds: the simulated clubs of engine.quality.group_eval need only the books."""
    chosen_rule = _rule(rule)
    if not group.voting or k <= 0:
        return [], []
    candidates = group.candidates()
    return _choose(rec, group.scores[:, candidates], candidates, k, chosen_rule,
                   rule in SEQUENTIAL)


def _rule(name: str) -> Rule:
    if name not in RULES:
        raise ValueError(f"unknown rule {name!r}: one of {', '.join(RULES)}")
    return RULES[name]


def group_picks(rec: PickCatalog, members, k: int = 10, exclude: Iterable[str] = (),
                rule: str = CHOSEN_RULE) -> GroupPickList:
    """Picks for `members` ({member: history} or a list of histories), none read by any of
    them nor in `exclude`; each says whom it suits and from which of their reads."""
    return pick_for_group(rec, score_members(rec, members, exclude, max(NEIGHBOURS_PER_READ, 3 * k)),
                          k, rule)


def _choose(rec, scores: np.ndarray, candidates: np.ndarray, k: int, rule: Rule,
            sequential: bool) -> tuple[list[int], list[float]]:
    """Fill k seats best first by the rule, skipping books over an author/series cap; ties go
    to the lower book index, so the same shelves always give the same list."""
    cap = per_key_cap(k)
    used: dict[str, int] = defaultdict(int)
    open_ = np.ones(len(candidates), dtype=bool)
    got = np.zeros(scores.shape[0])
    chosen: list[int] = []
    values: list[float] = []
    value = rule(scores, got)
    order = iter(np.lexsort((candidates, -value)).tolist())
    while len(chosen) < k:
        if sequential:
            masked = np.where(open_, rule(scores, got), -np.inf)
            at = int(np.argmax(masked))  # first maximum: candidates are ascending
            if not np.isfinite(masked[at]):
                break
            value = masked
        else:
            at = next(order, None)
            if at is None:
                break
        open_[at] = False
        if value[at] <= 0:  # nobody is better off with it: stop rather than pad
            break
        keys = diversity_keys(rec, int(candidates[at]))
        if any(used[key] >= cap for key in keys):
            continue
        for key in keys:
            used[key] += 1
        chosen.append(int(candidates[at]))
        values.append(round(float(value[at]), 4))
        got += np.clip(scores[:, at], 0, None)
    return chosen, values


def _describe(rec, group: GroupScores, book: int, value: float) -> GroupPick:
    suits = [m for m, row in zip(group.voting, group.scores, strict=True) if row[book] > 0]
    because = {m: shelf.votes.because(rec, book)
               for m, shelf, row in zip(group.voting, group.shelves, group.scores, strict=True)
               if row[book] > 0}
    return GroupPick(rec.titles[book], value, suits, because, rec.meta[book])
