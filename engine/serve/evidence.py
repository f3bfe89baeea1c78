"""Why two books are alike: the Wikipedia pages both link, ranked by how much sharing each page
says, and the rule that keeps a neighbour off a "like this" list when all it shares is weak.

A page's strength is measured on the catalog itself, not listed by hand. Two lifts are counted
over the pairs of books that both link the page: how much more often they share an author than
two random books, and how much more often they share an infobox genre. Each is a log-lift in
units of the most it could be (0: sharing the page says nothing; 1: it means a match for sure),
and the strength is their sum (0 to 2). Either lift alone misleads: a publisher predicts a shared
author (authors stay with publishers) but not the kind of book; a catch-all genre ("novel",
"fantasy") predicts the genre field but hardly the author; a country predicts neither. An
author's page, a series or a narrow genre ("southern gothic", "high fantasy") predict both.
On the shared catalog: "united states" 0.21, "united kingdom" 0.24, Harper & Brothers 0.70,
"novel" 1.10, "high fantasy" 1.53, "j. k. rowling" 1.67.
Pages with few linkers have few pairs to count, so their rates are pulled towards the pooled rate
of pages of about the same size (a Bayesian average with PRIOR_PAIRS pseudo-pairs).

Two books' evidence is the summed strength of the pages they share (naive-Bayes style: a
publisher and a genre together can say as much as one specific page). A neighbour is "like this"
when that sum reaches CLOSE_EVIDENCE. EVALUATION.md ("Evidence and the weak-neighbour cut") has
the measurements behind the numbers.

Memory: the pairs as two CSRs of int32 (pages per book, books per page) and one float32 per page:
about 1 MB for the shared catalog, ~10 MB for a 1.2 M-pair fresh catalog; built from the model
directory's pairs and metadata on first use, in well under a second.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from engine.text import clean_link

PRIOR_PAIRS = 10.0  # pseudo-pairs of the size-class rate added to every page's own count
# A neighbour is shown as "like this" when its shared pages' strengths sum to at least this: more
# than a catch-all genre with a country, or a big publisher with one; chosen in EVALUATION.md.
CLOSE_EVIDENCE = 1.4
# `similar` and `next` choose among this many nearest books by cosine: the ones sharing enough
# evidence, in cosine order. EVALUATION.md measures the rule with the same pool.
CANDIDATE_POOL = 200
# The kept neighbours are ranked by cosine + RANK_BLEND x evidence: a book sharing an author's
# page and a narrow genre goes above one sharing only the genre, at nearly the same cosine.
RANK_BLEND = 0.05
# Pages below this strength are never offered as the reason (they are still counted in the sum).
SHOWN_MIN_STRENGTH = 0.5
# Books of the same author or series (engine.serve.kinship) are kept whatever their evidence and
# ranked by cosine + blend x evidence + KIN_BONUS: chosen in EVALUATION.md ("Same author and
# series first").
KIN_BONUS = 0.4
# Among those, the ones readers know best (the catalog's well-read titles) go first: the judges of
# round 1 missed The Silmarillion after The Hobbit, behind volumes of The History of Middle-earth
# with higher cosines. Chosen in EVALUATION.md by the lists it changes (held-out sets cannot say
# which books readers know).
KNOWN_KIN_BONUS = 0.1
# With no close match and no kin, `similar` may still name the nearest books that share one page
# that says what kind of book it is, labelled as weaker: strength at least WEAKER_PAGE_MIN (above
# every country, <= 0.24, and big publisher, Knopf 0.58, Harper & Brothers 0.70) and genre lift at
# least WEAKER_KIND_MIN, which no publisher reaches on the shared catalog (Putnam Adult: strength
# 1.03 but genre lift 0.28) while forms and genres do (autobiography 0.88, memoir 0.83).
WEAKER_PAGE_MIN = 1.0
# The version of the rules that measure page strengths (page_strength, field_labels, the prior):
# bump it when they change, and a model's stored strengths (Evidence.tables) are measured again.
STORED_EVIDENCE = 1
WEAKER_KIND_MIN = 0.7


def field_labels(meta: Sequence[Mapping], key: str) -> np.ndarray:
    """A small integer per distinct value of a metadata field (case and spacing folded),
    -1 for none."""
    ids: dict[str, int] = {}
    out = np.full(len(meta), -1, dtype=np.int64)
    for book, m in enumerate(meta):
        value = clean_link(str(m.get(key) or ""))
        if value:
            out[book] = ids.setdefault(value, len(ids))
    return out


def lifts(pairs: np.ndarray, n_pages: int, authors: np.ndarray,
          genres: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The author lift and the genre lift of every page (see the module's docstring)."""
    return page_strength(pairs, authors, n_pages), page_strength(pairs, genres, n_pages)


def measured_strength(pairs: np.ndarray, n_pages: int, authors: np.ndarray,
                      genres: np.ndarray) -> np.ndarray:
    """The author lift plus the genre lift of every page."""
    author, genre = lifts(pairs, n_pages, authors, genres)
    return author + genre


def _pairs_within(counts: np.ndarray) -> np.ndarray:
    counts = counts.astype(np.float64)
    return counts * (counts - 1) / 2


def page_strength(pairs: np.ndarray, labels: np.ndarray, n_pages: int,
                  prior_pairs: float = PRIOR_PAIRS) -> np.ndarray:
    """Per page, log(P(same label | both books link it) / P(same label)) / log(1 / P(same label)):
    0 when sharing the page says nothing, 1 when it means the same label for sure; each page's
    rate shrunk towards the pooled rate of pages within a factor 2 of its size.
    `labels` holds one id per book (-1: unknown; such books count as sharing with no one)."""
    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    labels = np.asarray(labels, dtype=np.int64)
    degree = np.bincount(pairs[:, 1], minlength=n_pages)
    known = labels >= 0
    label_sizes = np.bincount(labels[known]) if known.any() else np.zeros(1)
    base = _pairs_within(label_sizes).sum() / max(_pairs_within(np.array([known.sum()]))[0], 1.0)
    if base <= 0 or len(pairs) == 0:
        return np.zeros(n_pages, dtype=np.float32)
    # Same-label pairs per page among its labelled linkers: count each (page, label) once.
    linked = pairs[known[pairs[:, 0]]]
    width = int(labels.max()) + 1
    keys, counts = np.unique(linked[:, 1] * width + labels[linked[:, 0]], return_counts=True)
    same = np.bincount(keys // width, weights=_pairs_within(counts), minlength=n_pages)
    total = _pairs_within(np.bincount(linked[:, 1], minlength=n_pages))
    # Size classes by all linkers: a page's specificity is how many books link it.
    size_class = np.floor(np.log2(np.maximum(degree, 1))).astype(np.int64)
    pooled = (np.bincount(size_class, weights=same) / np.maximum(np.bincount(size_class, weights=total), 1))
    prior = pooled[size_class]
    rate = (same + prior_pairs * prior) / (total + prior_pairs)
    # In units of the most a page could say (a sure match: rate 1), so that one threshold means
    # the same on a 100-book test catalog as on a 50,000-book one.
    lift = np.log(np.maximum(rate, 1e-12) / base) / max(np.log(1 / base), 1e-6)
    return np.clip(lift, 0.0, 1.0).astype(np.float32)


def _sorted_by_book_then_page(pairs: np.ndarray) -> bool:
    """Whether the pairs are sorted by book, then page, without repeats (in int32 steps: an
    int64 composite key cost ~60 MB of temporaries at 2 M pairs)."""
    if len(pairs) < 2:
        return True
    books, pages = pairs[:, 0], pairs[:, 1]
    step = books[1:] > books[:-1]
    return bool((step | ((books[1:] == books[:-1]) & (pages[1:] > pages[:-1]))).all())


@dataclass(frozen=True)
class SharedPage:
    page: str
    strength: float


class Evidence:
    """The pages of every book and the books of every page (two CSRs of int32), and the
    strength of every page."""

    def __init__(self, pairs: np.ndarray, n_books: int, pages: Sequence[str], strength: np.ndarray,
                 close: float = CLOSE_EVIDENCE, kind: np.ndarray | None = None,
                 by_page: tuple[np.ndarray, np.ndarray] | None = None):
        pairs = np.asarray(pairs).reshape(-1, 2)  # int32 from a model: no int64 copy at 100 k
        self.n_books = n_books
        self.pages = pages
        self.strength = np.asarray(strength, dtype=np.float32)
        self.close = close
        # The genre lift alone (how much a page says about the kind of book); None: unknown,
        # and then no page is strong enough for the weaker fallback.
        self.kind = None if kind is None else np.asarray(kind, dtype=np.float32)
        self.telling = None if kind is None else (
            (self.strength >= WEAKER_PAGE_MIN) & (self.kind >= WEAKER_KIND_MIN))
        if not _sorted_by_book_then_page(pairs):
            pairs = pairs[np.lexsort((pairs[:, 1], pairs[:, 0]))]  # builds write them sorted
        self.book_pages = pairs[:, 1].astype(np.int32)
        self.book_starts = np.searchsorted(pairs[:, 0], np.arange(n_books + 1, dtype=pairs.dtype))
        if by_page is None:
            # Sorted by book already, so a stable sort by page alone keeps books in order
            # within a page (half the time of a second lexsort at 2.4 M pairs).
            order = np.argsort(pairs[:, 1], kind="stable")
            by_page = (pairs[order, 0].astype(np.int32),
                       np.searchsorted(pairs[order, 1], np.arange(len(self.strength) + 1)))
        self.page_books, self.page_starts = by_page
        # Per book, which of its nearest-book pool (book_pools.npy) share enough evidence to
        # vote for it (`e >= close`, as close_hits keeps them), as packed bits read by
        # picks.neighbour_lists; None: not stored, counted per ask.
        self.close_mask: np.ndarray | None = None

    @classmethod
    def measured(cls, pairs: np.ndarray, meta: Sequence[Mapping], pages: Sequence[str],
                 close: float = CLOSE_EVIDENCE) -> Evidence:
        """Strengths measured on this catalog's authors and genres."""
        author, genre = lifts(pairs, len(pages), field_labels(meta, "author"),
                              field_labels(meta, "genre"))
        return cls(pairs, len(meta), pages, author + genre, close, genre)

    def tables(self, pools: np.ndarray | None = None) -> dict[str, np.ndarray]:
        """What `stored` needs besides the pairs: the strengths and the books of every page
        (engine.model_dir's serving tables, group "evidence"), and with the model's `pools`
        which pool members are close to each book (what a club pick would count 400 times)."""
        tables = {"strength": self.strength, "kind": self.kind, "page_books": self.page_books,
                  "page_starts": self.page_starts}
        if pools is not None:
            close = np.zeros(pools.shape, dtype=bool)
            for book in range(len(pools)):
                close[book] = self.between(book, pools[book]) >= self.close
            tables["close_mask"] = np.packbits(close, axis=1)
        return tables

    @classmethod
    def stored(cls, pairs: np.ndarray, n_books: int, pages: Sequence[str],
               arrays: Mapping[str, np.ndarray], close: float = CLOSE_EVIDENCE) -> Evidence:
        """The evidence `tables` stored; ValueError when the arrays do not fit the catalog."""
        strength, kind = arrays.get("strength"), arrays.get("kind")
        books, starts = arrays.get("page_books"), arrays.get("page_starts")
        n_pages = len(pages)
        if strength is None or kind is None or books is None or starts is None \
                or strength.shape != (n_pages,) or kind.shape != (n_pages,) \
                or books.shape != (len(pairs),) or starts.shape != (n_pages + 1,) \
                or (len(starts) and (starts[0] != 0 or starts[-1] != len(pairs)
                                     or (np.diff(starts) < 0).any())) \
                or (len(books) and not 0 <= books.min() <= books.max() < n_books):
            raise ValueError("the evidence tables do not fit this catalog")
        evidence = cls(pairs, n_books, pages, strength, close, kind,
                       (books.astype(np.int32, copy=False), starts))
        mask = arrays.get("close_mask")
        if mask is not None:
            if mask.dtype != np.uint8 or mask.ndim != 2 or mask.shape[0] != n_books:
                raise ValueError("the pool closeness table does not fit this catalog")
            evidence.close_mask = mask
        return evidence

    def pages_of(self, book: int) -> np.ndarray:
        return self.book_pages[self.book_starts[book]:self.book_starts[book + 1]]

    def books_of(self, page: int) -> np.ndarray:
        return self.page_books[self.page_starts[page]:self.page_starts[page + 1]]

    def shared_ids(self, a: int, b: int) -> np.ndarray:
        """Pages both books link, strongest first (ties by page order: deterministic)."""
        common = np.intersect1d(self.pages_of(a), self.pages_of(b), assume_unique=True)
        return common[np.lexsort((common, -self.strength[common]))]

    def shared(self, a: int, b: int, limit: int = 2) -> list[SharedPage]:
        """The strongest pages both books link, at most `limit`; weak ones are left out unless
        nothing else is shared."""
        ids = self.shared_ids(a, b)
        strong = ids[self.strength[ids] >= SHOWN_MIN_STRENGTH]
        ids = (strong if len(strong) else ids[:1])[:limit]
        return [SharedPage(self.pages[i], round(float(self.strength[i]), 2)) for i in ids.tolist()]

    def row(self, book: int, only: np.ndarray | None = None) -> np.ndarray:
        """Per book of the catalog, the summed strength of the pages it shares with `book`
        (one weighted count over the linkers of `book`'s pages); with `only` (bool per page),
        of those pages alone."""
        mine = self.pages_of(book)
        mine = mine if only is None else mine[only[mine]]
        if len(mine) == 0:
            return np.zeros(self.n_books, dtype=np.float32)
        linkers = np.concatenate([self.books_of(p) for p in mine.tolist()])
        weights = np.repeat(self.strength[mine], self.page_starts[mine + 1] - self.page_starts[mine])
        return np.bincount(linkers, weights=weights, minlength=self.n_books).astype(np.float32)

    def between(self, book: int, others: np.ndarray, only: np.ndarray | None = None) -> np.ndarray:
        """`row(book, only)[others]`, counted over the pages of `others` alone: a 200-book pool
        reads ~5,000 links instead of every linker of a country's page (0.25 -> 0.03 ms at 100 k)."""
        others = np.asarray(others, dtype=np.int64)
        mine = self.pages_of(book)
        mine = mine if only is None else mine[only[mine]]
        if len(mine) == 0 or len(others) == 0:
            return np.zeros(len(others), dtype=np.float32)
        starts = self.book_starts[others]
        counts = self.book_starts[others + 1] - starts
        owner = np.repeat(np.arange(len(others)), counts)
        offsets = np.cumsum(counts) - counts
        pages = self.book_pages[np.arange(int(counts.sum())) - offsets[owner] + starts[owner]]
        at = np.minimum(np.searchsorted(mine, pages), len(mine) - 1)  # mine is sorted
        weights = np.where(mine[at] == pages, self.strength[pages], 0.0)
        return np.bincount(owner, weights=weights, minlength=len(others)).astype(np.float32)

    def close_hits(self, book: int, hits, blend: float = 0.0,
                   kin: Mapping[int, tuple[float, float]] | None = None
                   ) -> list[tuple[int, float, float]]:
        """(book, cosine, evidence) of the (book, cosine) hits that share enough evidence with
        `book`, and of every `kin` book (book -> (cosine, bonus): same author or series, kept
        whatever it shares): in their order, or by cosine + blend x evidence + the kin bonus
        (ties kept in their order)."""
        kin = kin or {}
        if not hits and not kin:
            return []
        listed = {i for i, _ in hits}
        candidates = list(hits) + [(i, c) for i, (c, _) in kin.items() if i not in listed]
        shared = self.between(book, [i for i, _ in candidates]).tolist()
        kept = [(i, c, e) for (i, c), e in zip(candidates, shared, strict=True)
                if e >= self.close or i in kin]
        if not blend and not kin:
            return kept
        return sorted(kept, key=lambda h: -(h[1] + blend * h[2] + (kin[h[0]][1] if h[0] in kin
                                                                    else 0.0)))

    def weaker_hits(self, book: int, hits) -> list[tuple[int, float, float]]:
        """(book, cosine, evidence) of the hits sharing with `book` at least one page that says
        what kind of book it is (WEAKER_PAGE_MIN, WEAKER_KIND_MIN), in their order: the honest
        fallback when nothing is close."""
        if not hits or self.telling is None:
            return []
        others = [i for i, _ in hits]
        shared = self.between(book, others).tolist()
        strong = self.between(book, others, self.telling).tolist()
        return [(i, c, e) for (i, c), e, t in zip(hits, shared, strong, strict=True) if t > 0]
