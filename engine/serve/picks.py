"""Personalised picks from a reading history.

Item-kNN with interests kept apart: every read book votes for its own nearest books (there is no
single mean vector, so two interests stay two and the empty middle between them gets nothing).
A vote weighs rating x recency; a low rating (1-2) votes *against* its neighbours. Reads that are
near each other form one interest, and the list is dealt out interest by interest (each interest
first gets one pick, then seats go by weight), so a mixed shelf gets picks from each side. No
author and no series takes more than a few seats. Every pick names the reads it comes from.

A read votes only for neighbours it shares enough evidence with (engine.serve.evidence, the rule
`similar` shows), chosen among its CANDIDATE_POOL nearest books; a catalog whose `evidence` is
missing or None (the evaluation's plain lists) skips the cut. A list shorter than asked says why.

Works on anything with `titles`, `meta`, `has_links`, `book_index.by_item` and `book_id`
(the Recommender, or engine.quality.metrics's in-memory shelves).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from engine.serve.evidence import CANDIDATE_POOL
from engine.text import strip_accents

Hits = list[tuple[int, float]]


class NeighbourSource(Protocol):
    """Nearest books of books, best first, the book itself and untrained books left out."""

    def by_items(self, items: Sequence[int], k: int) -> list[Hits]: ...


class PickCatalog(Protocol):
    """What picks need of a catalog."""

    titles: Sequence[str]
    meta: Sequence[Mapping]  # display fields; `author` feeds the diversity caps
    series: Sequence[str | None]  # one series name per book, or None
    has_links: np.ndarray  # bool per book: trained, so it may vote and be picked
    book_index: NeighbourSource
    title_to_id: Mapping[str, int]  # exact catalog titles

    def find_book(self, title: str) -> int | None: ...


@dataclass(frozen=True)
class HistoryItem:
    title: str
    rating: int | None = None  # 1-5; None = read, no opinion
    when: dt.datetime | None = None


@dataclass
class Pick:
    title: str
    score: float
    because: list[str]
    meta: dict = field(default_factory=dict)
    shared: list = field(default_factory=list)  # SharedPages of the pick and because[0]


class PickList(list):
    """A plain list of Picks, plus `reason`: why it is empty or short, in one sentence a person
    can act on (None when there is nothing to say), and `skipped`: history titles not in the model."""

    def __init__(self, picks=(), reason: str | None = None, skipped: list[str] | None = None):
        super().__init__(picks)
        self.reason = reason
        self.skipped = skipped or []


RATING_WEIGHT = {5: 1.0, 4: 0.75, 3: 0.3, 2: -0.5, 1: -1.0}
UNRATED_WEIGHT = 0.6  # read and kept on the shelf: a mild yes
HALF_LIFE_DAYS = 365
OLDEST_WEIGHT = 0.25  # a read from long ago still counts this much
NEIGHBOURS_PER_READ = 50
MAX_READS = 20  # the heaviest reads (rating x recency) vote; all reads are still never picked
SUPPORT = 0.3  # at most this much extra for books that several reads agree on
# Two reads are one interest when one is among the other's nearest INTEREST_RADIUS books (the
# 50 nearest, or the nearest 5% of a small catalog), or they share 30% of those neighbours.
INTEREST_RADIUS = 50
SAME_INTEREST_OVERLAP = 0.3

REASON_EMPTY = "Your reading history is empty: add a few books you have read to get picks."
REASON_UNKNOWN = "None of the books in your history is in the current model."
REASON_NO_LIKES = ("Every book in your history is rated 1 or 2: rate a book you liked 3 or "
                   "higher to get picks.")
REASON_NO_LINKS = ("The books in your history have no Wikipedia links in the model, so nothing "
                   "is known to be near them yet.")
REASON_EXHAUSTED = "Nothing new is near the books you liked."
REASON_FEW = ("Only {n} close pick{s}: the books you liked share few specific Wikipedia pages "
              "with books you have not read.")


@dataclass
class Read:
    book: int
    title: str
    rating: int | None
    when: dt.datetime | None
    order: int  # position in the history: later entries are newer when dates are missing
    weight: float = 0.0


def valid_rating(value) -> int | None:
    """1-5 as an int; anything else (None, 0, 7, 'x', 4.5, True) means no opinion."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return int(value) if value == int(value) and 1 <= value <= 5 else None


def valid_when(value) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)
    return None


def rating_weight(rating: int | None) -> float:
    return UNRATED_WEIGHT if rating is None else RATING_WEIGHT[rating]


def recency_weights(reads: list[Read]) -> list[float]:
    """1.0 for the newest dated read, halving every HALF_LIFE_DAYS down to OLDEST_WEIGHT.
    Ages count from the newest read, not from today, so a shelf does not fade while unused.
    Undated reads get the median weight of the dated ones (1.0 when none is dated)."""
    dated = [r.when for r in reads if r.when is not None]
    if not dated:
        return [1.0] * len(reads)
    newest = max(dated)

    def decay(when):
        days = (newest - when).total_seconds() / 86400
        return OLDEST_WEIGHT + (1 - OLDEST_WEIGHT) * 0.5 ** (days / HALF_LIFE_DAYS)

    known = sorted(decay(w) for w in dated)
    median = known[len(known) // 2]
    return [decay(r.when) if r.when is not None else median for r in reads]


def merge_history(rec, history) -> tuple[dict[int, Read], list[str]]:
    """One Read per book: its latest date, and the latest rating given (a re-read without a
    rating keeps the earlier opinion). Titles that no longer resolve are returned as skipped."""
    reads: dict[int, Read] = {}
    skipped: list[str] = []
    for order, item in enumerate(history or ()):
        title = getattr(item, "title", None)
        book = rec.find_book(title) if isinstance(title, str) and title.strip() else None
        if book is None:
            skipped.append(str(title))
            continue
        rating, when = valid_rating(getattr(item, "rating", None)), valid_when(getattr(item, "when", None))
        new = Read(book, rec.titles[book], rating, when, order)
        old = reads.get(book)
        if old is None:
            reads[book] = new
            continue
        newer, older = (new, old) if _is_newer(new, old) else (old, new)
        reads[book] = Read(book, newer.title, newer.rating if newer.rating is not None else older.rating,
                           newer.when or older.when, newer.order)
    return reads, skipped


def _is_newer(a: Read, b: Read) -> bool:
    if a.when is not None and b.when is not None and a.when != b.when:
        return a.when > b.when
    return a.order > b.order


def interests(books: list[int], lists: list[list[tuple[int, float]]]) -> dict[int, int]:
    """Each liked read -> one representative read of its interest (union-find over the rule
    above; `lists` are each read's nearest books, best first, cut to the radius)."""
    if not books:
        return {}
    ids = np.unique(np.fromiter((c for hits in lists for c, _ in hits), dtype=np.int64))
    member = np.zeros((len(books), len(ids) + 1), dtype=np.float32)  # last column: "absent"
    for row, hits in enumerate(lists):
        member[row, np.searchsorted(ids, [c for c, _ in hits])] = 1.0
    shared = member @ member.T
    sizes = member.sum(1)
    near = shared >= SAME_INTEREST_OVERLAP * np.maximum(1, np.minimum.outer(sizes, sizes))
    pos = np.searchsorted(ids, books)
    listed = np.zeros(len(books), dtype=bool) if len(ids) == 0 else (
        ids[np.minimum(pos, len(ids) - 1)] == books)
    columns = np.where(listed, pos, len(ids))
    near |= member[:, columns] > 0  # read b is in read a's list
    near |= near.T
    # A hand-written union-find: scipy.sparse.csgraph.connected_components gives the same groups,
    # but importing scipy cost the serving process 0.36 s and 33 MB at load (measured here).
    parent = list(range(len(books)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for a, b in zip(*np.nonzero(np.triu(near, 1)), strict=True):
        parent[root(int(a))] = root(int(b))
    return {book: books[root(i)] for i, book in enumerate(books)}


_DISAMBIGUATOR = re.compile(r"\s*\([^)]*\)\s*$")
_LEADING_ARTICLE = re.compile(r"^(the|a|an)\s+")
_VOLUME = re.compile(r"(\s+(book|volume|vol\.?|part)?\s*([0-9]+|[ivx]+))+$")


def series_key(title: str) -> str | None:
    """A stem that books of one series share: 'Harry Potter and the …' -> 'harry potter',
    '1636: The Saxon Uprising' -> '1636', 'Dune 2' -> 'dune'. None when the title shows none."""
    text = _DISAMBIGUATOR.sub("", title).lower().strip()
    for sep in (":", " and the ", " – ", " - "):
        if sep in text:
            stem = _LEADING_ARTICLE.sub("", text.split(sep, 1)[0].strip())
            return stem or None
    stem = _VOLUME.sub("", text)
    return _LEADING_ARTICLE.sub("", stem) if stem != text and stem else None


_AUTHOR_SPLIT = re.compile(r",|;|&| and | with ")
_PARENS = re.compile(r"\([^)]*\)")
_NOT_ALNUM = re.compile(r"[\W_]+")


# Parts of a credit line that name no person ("A. B. Guthrie, Jr.", "Fletcher Pratt, Ed.", "and
# Others"): as keys they made 42 different "Jr." authors one author on the shared catalog.
NOT_A_PERSON = frozenset({"jr", "sr", "phd", "md", "ed", "eds", "editor", "editors", "etal",
                          "others", "various", "variousauthors", "anonymous", "unknown"})


def author_keys(author: str) -> list[str]:
    """One key per credited person, spelling folded: 'J.r.r. Tolkien' = 'J. R. R. Tolkien',
    'J. K. Rowling (credited as Newt Scamander)' = 'J. K. Rowling'."""
    return list(_author_keys(author))


@functools.lru_cache(maxsize=65536)  # prolific authors recur: folded once per name, not per book
def _author_keys(author: str) -> tuple[str, ...]:
    names = _AUTHOR_SPLIT.split(_PARENS.sub("", author.lower()))
    keys = (_NOT_ALNUM.sub("", strip_accents(n)) for n in names)
    return tuple(key for key in keys if key and key not in NOT_A_PERSON)


def kin_keys(title: str, meta: Mapping, series: str | None) -> list[str]:
    """'author:<key>' per credited person and 'series:<name>' per series a book shows: the
    diversity caps here and `similar`'s same-author/series ranking (engine.serve.kinship)."""
    keys = ["author:" + a for a in author_keys(str(meta.get("author") or ""))]
    for name in (series, series_key(title)):
        if name and "series:" + str(name).lower() not in keys:
            keys.append("series:" + str(name).lower())
    return keys


def diversity_keys(rec: PickCatalog, book: int) -> list[str]:
    return kin_keys(rec.titles[book], rec.meta[book], rec.series[book])


def book_series(meta: Sequence[Mapping], pairs: np.ndarray, pages: Sequence[str]) -> list[str | None]:
    """Per book its series: the infobox `series`, else a linked page that names a series
    ('category:alex cross (novel series)'), else None."""
    series: list[str | None] = [m.get("series") or None for m in meta]
    series_pages = [i for i, p in enumerate(pages) if "series" in p and p != "book series"]
    for book, page in pairs[np.isin(pairs[:, 1], series_pages)].tolist():
        if series[book] is None:
            series[book] = pages[page]
    return series


def per_key_cap(k: int) -> int:
    # A third of the list: a Tolkien reader still sees Tolkien, but not only Tolkien.
    return max(2, (k + 2) // 3)


@dataclass
class ShelfVotes:
    """One reader's votes over the whole catalog: `votes.score[book]` (> 0: suggested, < 0: near
    a book they disliked), `votes.because(rec, book)` the reads behind it. `votes` is None, with
    a `reason`, when the shelf cannot vote (empty, unknown, or no liked book with links)."""
    reads: dict[int, Read]
    skipped: list[str]
    voters: list[Read] = field(default_factory=list)
    lists: list[Hits] = field(default_factory=list)
    votes: _Votes | None = None
    reason: str | None = None


def weigh_shelf(rec: PickCatalog, history) -> ShelfVotes:
    """A history's reads weighed (rating x recency) and the heaviest chosen as voters (votes
    still None: cast_votes adds them); shared by one reader's picks and a group's."""
    if not history:
        return ShelfVotes({}, [], reason=REASON_EMPTY)
    reads, skipped = merge_history(rec, history)
    if not reads:
        return ShelfVotes(reads, skipped, reason=REASON_UNKNOWN)
    ordered = sorted(reads.values(), key=lambda r: r.order)
    for read, recency in zip(ordered, recency_weights(ordered), strict=True):
        read.weight = rating_weight(read.rating) * recency
    voters = [r for r in ordered if rec.has_links[r.book] and r.weight != 0]
    voters = sorted(voters, key=lambda r: (-abs(r.weight), -r.order))[:MAX_READS]
    if not any(r.weight > 0 for r in voters):
        reason = REASON_NO_LINKS if any(r.weight > 0 for r in reads.values()) else REASON_NO_LIKES
        return ShelfVotes(reads, skipped, reason=reason)
    return ShelfVotes(reads, skipped, voters)


def neighbour_lists(rec: PickCatalog, books: list[int], n: int) -> list[Hits]:
    """Each book's `n` nearest books that may vote for it: with the catalog's evidence, only
    those sharing strong pages (the cut `similar` makes), from its CANDIDATE_POOL nearest."""
    evidence = getattr(rec, "evidence", None)
    if evidence is None:
        return rec.book_index.by_items(books, n)
    k, index = max(n, CANDIDATE_POOL), rec.book_index
    # Closeness stored at build time for the model's own pools (Recommender.pool_closeness):
    # the same books close_hits keeps, without counting shared pages for 200 books a voter.
    close = getattr(rec, "pool_closeness", None)
    if close is not None and index.pooled_for(k) and close.shape[1] * 8 >= index.pools.shape[1]:
        keep = np.unpackbits(close[np.asarray(books, dtype=np.int64)], axis=1,
                             count=min(k, index.pools.shape[1])).astype(bool)
        return [hits[:n] for hits in index.pooled_by_items(books, k, keep)]
    pools = index.by_items(books, k)
    return [[(i, s) for i, s, _ in evidence.close_hits(book, hits)][:n]
            for book, hits in zip(books, pools, strict=True)]


def cast_votes(rec: PickCatalog, shelf: ShelfVotes, lists: list[Hits],
               exclude: Collection[str] = ()) -> ShelfVotes:
    """The second half: `lists` are the voters' nearest books, in the voters' order.
    `exclude`: titles never to pick (dismissed); exact titles only, so a dismissal never
    knocks out a look-alike. They still vote if read."""
    excluded = [rec.title_to_id[t] for t in exclude if t in rec.title_to_id]
    never = np.fromiter([*shelf.reads, *excluded], dtype=np.int64)
    votes = _votes(shelf.voters, lists, never, len(rec.titles))
    return ShelfVotes(shelf.reads, shelf.skipped, shelf.voters, lists, votes)


def recommend_from_history(rec: PickCatalog, history, k: int = 10,
                           exclude: Collection[str] = ()) -> PickList:
    """`exclude`: titles never to pick (the reader dismissed them)."""
    if k <= 0:
        return PickList()
    shelf = weigh_shelf(rec, history)
    if shelf.reason is None:
        lists = neighbour_lists(rec, [r.book for r in shelf.voters], max(NEIGHBOURS_PER_READ, 3 * k))
        shelf = cast_votes(rec, shelf, lists, exclude)
    if shelf.votes is None:
        return PickList(reason=shelf.reason, skipped=shelf.skipped)
    voters, lists, votes, skipped = shelf.voters, shelf.lists, shelf.votes, shelf.skipped
    evidence = getattr(rec, "evidence", None)
    likes = [r for r in voters if r.weight > 0]
    radius = max(2, min(INTEREST_RADIUS, len(rec.titles) // 20))
    likes_lists = [hits[:radius] for r, hits in zip(voters, lists, strict=True) if r.weight > 0]
    interest_of = interests([r.book for r in likes], likes_lists)
    weight_of: dict[int, float] = defaultdict(float)
    for r in likes:
        weight_of[interest_of[r.book]] += r.weight
    queues: dict[int, list[int]] = defaultdict(list)
    for cand, src in zip(votes.ranked.tolist(), votes.source[votes.ranked].tolist(), strict=True):
        queues[interest_of[src]].append(cand)

    chosen = _deal(rec, queues, weight_of, k)
    picks = []
    for c in chosen:
        because = votes.because(rec, c)
        source = rec.title_to_id.get(because[0]) if because and evidence is not None else None
        shared = [] if source is None else evidence.shared(source, c)
        picks.append(Pick(rec.titles[c], round(float(votes.score[c]), 4), because, rec.meta[c],
                          shared))
    reason = None if len(picks) == k else REASON_EXHAUSTED if not picks else REASON_FEW.format(
        n=len(picks), s="" if len(picks) == 1 else "s")
    return PickList(picks, reason, skipped)


class _Votes:
    """Every (read, neighbour) vote as flat arrays. A candidate's score is its strongest liked
    vote, plus up to SUPPORT for the other liked votes, minus its strongest disliked vote."""

    def __init__(self, cand: np.ndarray, reader: np.ndarray, vote: np.ndarray, n_books: int):
        self.cand, self.reader, self.vote = cand, reader, vote
        liked = vote > 0
        against = np.zeros(n_books)
        np.maximum.at(against, cand[~liked], -vote[~liked])
        # Sorted by candidate, strongest vote first: each candidate's first row is its best vote
        # and its source. Only the candidates are scored; every other book is 0 - against.
        order = np.lexsort((-vote[liked], cand[liked]))
        by_cand, by_vote = cand[liked][order], vote[liked][order]
        candidates, first = np.unique(by_cand, return_index=True)
        strongest = by_vote[first]
        total = np.bincount(cand[liked], weights=vote[liked], minlength=n_books)[candidates]
        self.score = 0.0 - against
        self.score[candidates] = (strongest + SUPPORT * (1 - np.exp(-(total - strongest)))
                                  - against[candidates])
        self.source = np.zeros(n_books, dtype=np.int64)
        self.source[candidates] = reader[liked][order][first]
        self.best = np.zeros(n_books)
        self.best[candidates] = strongest
        candidates = candidates[self.score[candidates] > 0]
        self.ranked = candidates[np.lexsort((candidates, -self.score[candidates]))]

    def because(self, rec, c: int, limit: int = 3) -> list[str]:
        """The reads behind a pick: the strongest, and any other within 80% of it."""
        mine = (self.cand == c) & (self.vote >= 0.8 * self.best[c]) & (self.vote > 0)
        order = np.lexsort((self.reader[mine], -self.vote[mine]))
        return [rec.titles[b] for b in self.reader[mine][order][:limit].tolist()]


def _votes(voters: list[Read], lists, never: np.ndarray, n_books: int) -> _Votes:
    cand = np.fromiter((c for hits in lists for c, _ in hits), dtype=np.int64)
    sim = np.fromiter((s for hits in lists for _, s in hits), dtype=np.float64)
    reader = np.repeat([r.book for r in voters], [len(h) for h in lists]).astype(np.int64)
    weight = np.repeat([r.weight for r in voters], [len(h) for h in lists])
    keep = ~np.isin(cand, never) & (sim > 0)
    return _Votes(cand[keep], reader[keep], (weight * sim)[keep], n_books)


def _deal(rec, queues: dict[int, list[int]], weight_of: dict[int, float], k: int) -> list[int]:
    """Seats for interests: one each first (heaviest interest first), then each next seat to the
    interest with the most weight per seat already taken (D'Hondt). Author/series caps apply."""
    cap = per_key_cap(k)
    used: dict[str, int] = defaultdict(int)
    taken: dict[int, int] = defaultdict(int)
    position = dict.fromkeys(queues, 0)

    def next_allowed(interest: int) -> int | None:
        queue = queues[interest]
        while position[interest] < len(queue):
            cand = queue[position[interest]]
            position[interest] += 1
            keys = diversity_keys(rec, cand)
            if all(used[key] < cap for key in keys):
                for key in keys:
                    used[key] += 1
                return cand
        return None

    chosen: list[int] = []
    order = sorted(queues, key=lambda i: (-weight_of[i], i))
    for interest in order:
        if len(chosen) == k:
            return chosen
        cand = next_allowed(interest)
        if cand is not None:
            chosen.append(cand)
            taken[interest] += 1
    open_ = [i for i in order if position[i] < len(queues[i])]
    while len(chosen) < k and open_:
        interest = max(open_, key=lambda i: weight_of[i] / (taken[i] + 1))
        cand = next_allowed(interest)
        if cand is None:
            open_.remove(interest)
            continue
        chosen.append(cand)
        taken[interest] += 1
    return chosen
