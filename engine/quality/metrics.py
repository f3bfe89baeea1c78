"""Splits and metrics for judging the picks: held-out links, same-author neighbours and
leave-one-out reading histories. Every method is scored by the same code on the same splits.

Scores tie often (popularity, TF-IDF rows of books with identical links), so every metric is
tie-aware: the expected value when ties are broken at random, never whatever order argsort gives.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from engine.text import clean_link

HOLDOUT_FRACTION = 0.2
MIN_LINKS_TO_HOLD_OUT = 4
MIN_AUTHOR_BOOKS = 3  # same-author precision
MIN_GROUP_BOOKS = 4  # leave-one-out over authors and series
SPLIT_SEED = 20_260_101  # the splits stay fixed whatever seed trains the models
AUC_NEGATIVES = 100
BATCH = 512


# ---------------------------------------------------------------- splits
@dataclass
class LinkSplit:
    train_pairs: np.ndarray  # (n, 2) int32, sorted
    test_books: np.ndarray  # books with hidden links, ascending
    test_rows: np.ndarray  # per hidden link: its position in test_books
    test_pages: np.ndarray  # per hidden link: the page


def hold_out_links(pairs: np.ndarray, n_books: int, fraction: float = HOLDOUT_FRACTION,
                   min_links: int = MIN_LINKS_TO_HOLD_OUT, seed: int = SPLIT_SEED) -> LinkSplit:
    """Hide round(fraction * degree) links (at least one) of every book with >= min_links links."""
    rng = np.random.default_rng(seed)
    pairs = np.asarray(pairs)
    degrees = np.bincount(pairs[:, 0], minlength=n_books)
    starts = np.concatenate([[0], np.cumsum(degrees)])
    hidden = np.zeros(len(pairs), dtype=bool)
    for book in np.flatnonzero(degrees >= min_links):
        n_hide = max(1, int(round(fraction * degrees[book])))
        hidden[starts[book] + rng.choice(degrees[book], n_hide, replace=False)] = True
    test = pairs[hidden]
    books, rows = np.unique(test[:, 0], return_inverse=True)
    return LinkSplit(pairs[~hidden].astype(np.int32), books, rows, test[:, 1].astype(np.int64))


def author_page_of(meta: list[dict], pages: list[str]) -> np.ndarray:
    """Per book, the page index of its author's article, or -1."""
    index = {p: i for i, p in enumerate(pages)}
    return np.array([index.get(clean_link(m.get("author", "")), -1) for m in meta], dtype=np.int64)


def without_author_links(pairs: np.ndarray, author_page: np.ndarray) -> np.ndarray:
    """The pairs minus each book's link to its own author: the author must be found, not read."""
    keep = author_page[pairs[:, 0]] != pairs[:, 1]
    return np.ascontiguousarray(pairs[keep])


def author_ids(meta: list[dict]) -> np.ndarray:
    """A small integer per distinct author (case-insensitive), -1 for none."""
    ids: dict[str, int] = {}
    out = np.full(len(meta), -1, dtype=np.int64)
    for book, m in enumerate(meta):
        name = clean_link(m.get("author", ""))
        if name:
            out[book] = ids.setdefault(name, len(ids))
    return out


def groups_of(labels: np.ndarray, eligible: np.ndarray, min_size: int) -> list[np.ndarray]:
    """Books sharing a label (author, series), among the eligible ones, in groups >= min_size."""
    members: dict[int, list[int]] = defaultdict(list)
    for book in np.flatnonzero(eligible & (labels >= 0)):
        members[int(labels[book])].append(int(book))
    return [np.array(v) for v in members.values() if len(v) >= min_size]


# ---------------------------------------------------------------- tie-aware ranking
def _harmonic(n: int) -> np.ndarray:
    return np.concatenate([[0.0], np.cumsum(1.0 / np.arange(1, n + 1))])


def expected_hits(greater: np.ndarray, equal: np.ndarray, k: int) -> np.ndarray:
    """Probability that an item with `greater` items above it and `equal` tied with it (itself
    included) lands in the top k when ties are broken at random."""
    return np.clip((k - greater) / np.maximum(equal, 1), 0.0, 1.0)


def expected_reciprocal_rank(greater: np.ndarray, equal: np.ndarray,
                             harmonic: np.ndarray) -> np.ndarray:
    equal = np.maximum(equal, 1)
    return (harmonic[greater + equal] - harmonic[greater]) / equal


@dataclass
class LinkMetrics:
    recall: dict[int, float]
    mrr: float
    auc: float

    def as_dict(self) -> dict:
        return {**{f"recall@{k}": v for k, v in self.recall.items()}, "mrr": self.mrr,
                "auc": self.auc}


PageScores = Callable[[np.ndarray], np.ndarray]  # books -> (len(books), n_pages) scores


def link_prediction(split: LinkSplit, n_pages: int, page_scores: PageScores, ks=(10, 50),
                    books_limit: int | None = None, seed: int = SPLIT_SEED) -> LinkMetrics:
    """Rank every page for each test book (its training links excluded) with `page_scores(books)
    -> (len(books), n_pages)`; recall@k and MRR averaged per book, AUC against random pages
    the book does not link to."""
    rng = np.random.default_rng(seed)
    train = split.train_pairs.astype(np.int64)
    hidden_keys = split.test_books[split.test_rows] * n_pages + split.test_pages
    all_keys = np.union1d(train[:, 0] * n_pages + train[:, 1], hidden_keys)
    rows_used = np.arange(len(split.test_books))
    if books_limit and books_limit < len(rows_used):
        rows_used = np.sort(rng.choice(rows_used, books_limit, replace=False))
    harmonic = _harmonic(n_pages + 1)
    per_target: dict[str, list[np.ndarray]] = defaultdict(list)
    target_rows: list[np.ndarray] = []
    order = np.argsort(split.test_rows, kind="stable")
    row_starts = np.searchsorted(split.test_rows[order], np.arange(len(split.test_books) + 1))
    for lo in range(0, len(rows_used), BATCH):
        rows = rows_used[lo:lo + BATCH]
        books = split.test_books[rows]
        scores = np.array(page_scores(books), dtype=np.float64)
        _mask_known(scores, books, split.train_pairs)
        picks = np.concatenate([order[row_starts[r]:row_starts[r + 1]] for r in rows])
        local = np.searchsorted(rows, split.test_rows[picks])
        pages = split.test_pages[picks]
        per_link = scores[local]
        values = per_link[np.arange(len(pages)), pages]
        greater = (per_link > values[:, None]).sum(1)
        equal = (per_link == values[:, None]).sum(1)
        del per_link
        for k in ks:
            per_target[f"recall@{k}"].append(expected_hits(greater, equal, k))
        per_target["mrr"].append(expected_reciprocal_rank(greater, equal, harmonic))
        negatives = _sample_negatives(rng, books[local], all_keys, n_pages, AUC_NEGATIVES)
        negative_scores = scores[local[:, None], negatives]
        per_target["auc"].append(((values[:, None] > negative_scores)
                                  + 0.5 * (values[:, None] == negative_scores)).mean(1))
        target_rows.append(split.test_rows[picks])
    rows_all = np.concatenate(target_rows)
    _, rows_all = np.unique(rows_all, return_inverse=True)
    counts = np.bincount(rows_all)

    def per_book_mean(name: str) -> float:
        values = np.concatenate(per_target[name])
        return float((np.bincount(rows_all, weights=values) / counts).mean())

    return LinkMetrics({k: per_book_mean(f"recall@{k}") for k in ks}, per_book_mean("mrr"),
                       per_book_mean("auc"))


def _mask_known(scores: np.ndarray, books: np.ndarray, train_pairs: np.ndarray) -> None:
    lo = np.searchsorted(train_pairs[:, 0], books)
    hi = np.searchsorted(train_pairs[:, 0], books, side="right")
    for i, (a, b) in enumerate(zip(lo, hi, strict=True)):
        scores[i, train_pairs[a:b, 1]] = -np.inf


def _sample_negatives(rng, books: np.ndarray, known_keys: np.ndarray, n_pages: int,
                      n: int) -> np.ndarray:
    negatives = rng.integers(0, n_pages, (len(books), n))
    for _ in range(20):  # redraw the few that are real links
        keys = books[:, None] * n_pages + negatives
        pos = np.minimum(np.searchsorted(known_keys, keys), len(known_keys) - 1)
        bad = known_keys[pos] == keys
        if not bad.any():
            break
        negatives[bad] = rng.integers(0, n_pages, int(bad.sum()))
    return negatives


# ---------------------------------------------------------------- neighbours
SimilarityRows = Callable[[np.ndarray], np.ndarray]  # books -> (len(books), n_books) similarities


def similarity_batches(similarity: SimilarityRows, books: np.ndarray,
                       candidates: np.ndarray) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """(books, similarity rows) in batches; non-candidates and the book itself at -inf.
    Rounded to 6 decimals so that mathematically equal scores tie exactly."""
    for lo in range(0, len(books), BATCH):
        batch = books[lo:lo + BATCH]
        sims = np.array(similarity(batch), dtype=np.float64)
        np.round(sims, 6, out=sims)
        sims[:, ~candidates] = -np.inf
        sims[np.arange(len(batch)), batch] = -np.inf
        yield batch, sims


def same_author_precision(similarity: SimilarityRows, authors: np.ndarray, candidates: np.ndarray,
                          k: int = 10, min_books: int = MIN_AUTHOR_BOOKS,
                          books_limit: int | None = None, seed: int = SPLIT_SEED) -> float:
    """Mean share of each book's k nearest books that share its author, over books whose
    author wrote >= min_books of the candidate books (tie-aware)."""
    counts = np.bincount(authors[candidates & (authors >= 0)], minlength=authors.max() + 1)
    books = np.flatnonzero(candidates & (authors >= 0))
    books = books[counts[authors[books]] >= min_books]
    if books_limit and books_limit < len(books):
        books = np.sort(np.random.default_rng(seed).choice(books, books_limit, replace=False))
    members = groups_of(authors, candidates, min_books)
    colleagues = {int(authors[g[0]]): g for g in members}
    shares = []
    k = min(k, len(candidates) - 1)
    for batch, sims in similarity_batches(similarity, books, candidates):
        n = sims.shape[1]
        kth = np.partition(sims, n - k, axis=1)[:, n - k]
        n_above = (sims > kth[:, None]).sum(1)
        n_at = (sims == kth[:, None]).sum(1)
        hits = np.empty(len(batch))
        for i, book in enumerate(batch):  # only the author's own books can be hits
            mates = colleagues[int(authors[book])]
            mine = sims[i, mates[mates != book]]
            mine = mine[np.isfinite(mine)]
            hits[i] = ((mine > kth[i]).sum()
                       + (k - n_above[i]) * (mine == kth[i]).sum() / max(n_at[i], 1))
        shares.append(hits / k)
    return float(np.concatenate(shares).mean()) if shares else float("nan")


class NeighbourTable:
    """Exact nearest books, precomputed for the books a test asks about; answers `by_items` like
    engine.serve.index.VectorIndex, so the recommender's own code runs on any method's similarity.
    A tiny seeded jitter breaks ties at random rather than by alphabetical index."""

    def __init__(self, similarity: SimilarityRows, books: np.ndarray, candidates: np.ndarray,
                 k: int, seed: int = SPLIT_SEED):
        # A fresh random order per row breaks ties (below the 1e-6 rounding of the scores); one
        # order shared by all rows would favour the same books everywhere (TF-IDF ties a lot).
        rng = np.random.default_rng(seed)
        self.rows: dict[int, list[tuple[int, float]]] = {}
        k = min(k, len(candidates) - 1)
        for batch, sims in similarity_batches(similarity, np.unique(books), candidates):
            jittered = sims + rng.uniform(0, 1e-7, sims.shape)
            top = np.argpartition(-jittered, k - 1, axis=1)[:, :k]
            for book, idx, row, jrow in zip(batch, top, sims, jittered, strict=True):
                idx = idx[np.argsort(-jrow[idx])]
                idx = idx[np.isfinite(row[idx])]
                self.rows[int(book)] = [(int(i), float(row[i])) for i in idx]

    def by_items(self, items, k: int) -> list[list[tuple[int, float]]]:
        return [self.rows.get(int(item), [])[:k] for item in items]


@dataclass
class EvalCatalog:
    """A engine.serve.picks.PickCatalog built in memory from any method's neighbours, so the
    product's own picks run on every method."""
    titles: list[str]
    meta: list[dict]
    series: list[str | None]
    has_links: np.ndarray
    book_index: NeighbourTable
    evidence: object | None = None  # an engine.serve.evidence.Evidence: picks apply its cut

    def __post_init__(self):
        self.title_to_id = {t: i for i, t in enumerate(self.titles)}

    def find_book(self, title: str) -> int | None:
        return self.title_to_id.get(title)


def leave_one_out_cases(groups: list[np.ndarray], max_history: int = 20,
                        max_cases: int | None = None,
                        seed: int = SPLIT_SEED) -> list[tuple[np.ndarray, int]]:
    """(history, held-out book) for every member of every group; long histories are sampled down
    to max_history so prolific authors do not dominate the run time."""
    rng = np.random.default_rng(seed)
    cases = []
    for group in groups:
        for held in group:
            others = group[group != held]
            if len(others) > max_history:
                others = rng.choice(others, max_history, replace=False)
            cases.append((np.sort(others), int(held)))
    if max_cases and max_cases < len(cases):
        keep = rng.choice(len(cases), max_cases, replace=False)
        cases = [cases[i] for i in sorted(keep)]
    return cases


def leave_one_out(catalog: EvalCatalog, cases: list[tuple[np.ndarray, int]], k: int = 10) -> dict:
    """hit@k and MRR of the held-out book among `recommend`'s picks for the rest of its group."""
    from engine.serve.picks import HistoryItem, recommend_from_history

    hits, reciprocal = [], []
    for history, held in cases:
        items = [HistoryItem(catalog.titles[b]) for b in history]
        picks = [p.title for p in recommend_from_history(catalog, items, k)]
        target = catalog.titles[held]
        rank = picks.index(target) + 1 if target in picks else 0
        hits.append(rank > 0)
        reciprocal.append(1.0 / rank if rank else 0.0)
    return {f"hit@{k}": float(np.mean(hits)) if hits else float("nan"),
            "mrr": float(np.mean(reciprocal)) if hits else float("nan"),
            "hits": np.array(hits, dtype=bool)}  # per case, for loo_agreement


def loo_agreement(hits: dict[str, list[np.ndarray]], ours: str = "wikishelf") -> dict:
    """Which leave-one-out cases separate the methods (`hits`: per method, one boolean array a
    seed): cases every run missed, and per rival the cases one side hit in every seed while the
    other missed in every seed. With a few hundred cases, a margin smaller than these counts is
    a handful of books, not a better method."""
    every = {name: np.logical_and.reduce(runs) for name, runs in hits.items()}
    never = {name: ~np.logical_or.reduce(runs) for name, runs in hits.items()}
    out = {"cases": int(len(next(iter(every.values())))),
           "missed_by_every_run": int(np.logical_and.reduce(list(never.values())).sum())}
    if ours in hits:
        out["against"] = {name: {"only_ours": int((every[ours] & never[name]).sum()),
                                 "only_theirs": int((every[name] & never[ours]).sum())}
                          for name in hits if name != ours}
    return out


def neighbours_needed(cases: list[tuple[np.ndarray, int]]) -> np.ndarray:
    return np.unique(np.concatenate([h for h, _ in cases])) if cases else np.zeros(0, np.int64)
