"""Nearest neighbours by cosine over L2-normalised vectors: Annoy build/save/load and queries.

On unit vectors Annoy's angular distance d relates to cosine by cos = 1 - d**2 / 2.

Queries are exact (one matrix-vector product) while the catalog is small, and go through Annoy
above `EXACT_MAX_ITEMS`. Measured on the 37,020-book model (scripts/bench.py, serving section):
exact top-10 costs ~0.3 ms a query, while Annoy needs search_k ~16-24 k (~2 ms) to reach
tie-aware recall@10 0.98 on these embeddings, whose neighbours sit very close together.
"""

from __future__ import annotations

import numpy as np
from annoy import AnnoyIndex

# Chosen by measurement on the shared model (tie-aware recall@10 against exact cosine, 400
# queries): 50 trees/20 k -> 0.97, 100 trees/24 k -> 0.986, 200 trees/24 k -> 0.991.
DEFAULT_TREES = 100
# The 64-dim recipe of EVALUATION.md round 2: 30 k -> 0.972, 45 k -> 0.982, 60 k -> 0.985.
DEFAULT_SEARCH_K = 60_000
# Above this many rows a brute-force query costs more than Annoy at the same recall.
EXACT_MAX_ITEMS = 200_000
# Float32 cosines of tied vectors differ in the last bits; closer than this counts as equal.
TIE_TOLERANCE = 1e-5

Hits = list[tuple[int, float]]


def top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k highest scores, best first; ties broken by lower index (deterministic)."""
    k = min(k, len(scores))
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    part = np.argpartition(scores, len(scores) - k)[len(scores) - k:]
    kth = scores[part].min()
    # argpartition keeps an arbitrary few of the rows tied at the k-th score: take the lowest.
    above = np.flatnonzero(scores > kth)
    chosen = np.concatenate([above, np.flatnonzero(scores == kth)[:k - len(above)]])
    return chosen[np.lexsort((chosen, -scores[chosen]))]


def rows_top_k(scores: np.ndarray, k: int, allowed=None, stride: int = 8) -> list[np.ndarray]:
    """Exact top-k of every row of a wide matrix, best first, among the `allowed(row, cols)`
    columns; faster than a full argpartition per row. A cut-off from every `stride`-th column
    keeps ~2k survivors a row and only they are ranked; a row left with fewer than k falls back
    on all its columns (rare, still exact)."""
    n = scores.shape[1]
    k = min(k, n)
    sample = scores[:, ::stride]
    rank = min(sample.shape[1], max(1, 2 * k // stride))
    cut = np.partition(sample, sample.shape[1] - rank, axis=1)[:, sample.shape[1] - rank]
    flat = np.flatnonzero(scores >= cut[:, None])  # 1-D: ~20x faster than a 2-D nonzero
    bounds = np.searchsorted(flat, np.arange(len(scores) + 1) * n)
    out = []
    for r in range(len(scores)):
        cols = flat[bounds[r]:bounds[r + 1]] - r * n
        if allowed is not None:
            cols = cols[allowed(r, cols)]
        if len(cols) < k:  # the sample over-estimated this row's k-th score
            cols = np.arange(n) if allowed is None else np.flatnonzero(allowed(r, np.arange(n)))
        out.append(cols[top_k(scores[r, cols], k)])
    return out


class VectorIndex:
    """Cosine neighbours of L2-normalised rows, with `excluded` rows (untrained books) never
    returned. Exact below `exact_max` rows, Annoy above; both paths stay available for measuring.
    `pools` (the model's book_pools.npy: each row's nearest rows, best first, computed exactly
    at build time) answer any `by_item` they are wide enough for by one small lookup."""

    def __init__(self, vectors: np.ndarray, annoy: AnnoyIndex | None = None,
                 search_k: int = DEFAULT_SEARCH_K, excluded: np.ndarray | None = None,
                 exact_max: int = EXACT_MAX_ITEMS, pools: np.ndarray | None = None):
        self.vectors = vectors
        self.annoy = annoy
        self.search_k = search_k
        n = len(vectors)
        self.excluded = (np.zeros(n, dtype=bool) if excluded is None
                         else np.asarray(excluded, dtype=bool))
        self.pools = pools
        # A pool holding every other allowed row answers any k (a small catalog).
        self._pool_whole = pools is not None and pools.shape[1] >= n - int(self.excluded.sum()) - 1
        # Added to every score vector: -inf hides excluded rows in one pass.
        self._mask = np.where(self.excluded, -np.inf, 0.0).astype(np.float32)
        self.exact = annoy is None or n <= exact_max
        if annoy is not None and annoy.get_n_items() != n:
            raise ValueError(f"Annoy index has {annoy.get_n_items()} items, vectors {n}")

    def __len__(self) -> int:
        return len(self.vectors)

    # -- the answers callers use --
    def by_item(self, item: int, k: int) -> Hits:
        """The k nearest rows to row `item`, itself excluded."""
        if self.pooled_for(k):
            return self.pooled_by_items([item], k)[0]
        if self.exact:
            return self.exact_by_vector(self.vectors[item], k, skip=item)
        return self.annoy_by_item(item, k)

    def by_items(self, items, k: int) -> list[Hits]:
        """`by_item` for many rows at once: one matrix product, exact top-k per row."""
        items = np.asarray(items, dtype=np.int64)
        if self.pooled_for(k) and len(items):
            return self.pooled_by_items(items, k)
        if not self.exact or len(items) == 0:
            return [self.by_item(int(i), k) for i in items]
        vectors = np.asarray(self.vectors)
        scores = vectors[items] @ vectors.T
        keep = ~self.excluded

        def allowed(row: int, cols: np.ndarray) -> np.ndarray:
            return keep[cols] & (cols != items[row])

        out = []
        for row, best in zip(scores, rows_top_k(scores, k, allowed), strict=True):
            out.append(list(zip(best.tolist(), row[best].tolist(), strict=True)))
        return out

    def by_vector(self, vector: np.ndarray, k: int) -> Hits:
        vector = np.asarray(vector, dtype=np.float32)
        norm = float(np.linalg.norm(vector))
        if not np.isfinite(norm) or norm == 0:
            return []
        if self.exact:
            return self.exact_by_vector(vector / norm, k)
        return self.annoy_by_vector(vector / norm, k)

    # -- the ways of answering --
    def pooled_for(self, k: int) -> bool:
        """Whether `by_item(s)(..., k)` is answered from the pools."""
        return self.pools is not None and (k <= self.pools.shape[1] or self._pool_whole)

    def pooled_by_items(self, items, k: int, keep: np.ndarray | None = None) -> list[Hits]:
        """The first k of each item's pool, with cosines re-scored from the vectors (k x dim
        products: microseconds); with `keep` (items x k booleans), only the kept ones."""
        items = np.asarray(items, dtype=np.int64)
        ids = np.asarray(self.pools[items, :k], dtype=np.int64)
        vectors = np.asarray(self.vectors)
        cosines = np.einsum("ikd,id->ik", vectors[ids], vectors[items])
        if keep is not None:
            return [list(zip(row[m].tolist(), cos[m].tolist(), strict=True))
                    for row, cos, m in zip(ids, cosines, keep, strict=True)]
        return [list(zip(row.tolist(), cos.tolist(), strict=True))
                for row, cos in zip(ids, cosines, strict=True)]

    def exact_by_vector(self, unit: np.ndarray, k: int, skip: int | None = None) -> Hits:
        scores = self.vectors @ unit
        scores += self._mask
        if skip is not None:
            scores[skip] = -np.inf
        best = top_k(scores, k)
        best = best[np.isfinite(scores[best])]
        return list(zip(best.tolist(), scores[best].tolist(), strict=True))

    def annoy_by_item(self, item: int, k: int) -> Hits:
        return self._annoy_query(lambda n: self.annoy.get_nns_by_item(
            item, n, search_k=self.search_k, include_distances=True), k, skip=item)

    def annoy_by_vector(self, unit: np.ndarray, k: int) -> Hits:
        query = unit.tolist()
        return self._annoy_query(lambda n: self.annoy.get_nns_by_vector(
            query, n, search_k=self.search_k, include_distances=True), k)

    def _annoy_query(self, ask, k: int, skip: int | None = None) -> Hits:
        if self.annoy is None:
            raise RuntimeError("this index has no Annoy file")
        want = k + 1 + min(int(self.excluded.sum()), 16)
        while True:
            ids, dist = ask(want)
            d = np.asarray(dist, dtype=np.float64)
            cosines = 1.0 - d * d / 2.0
            hits = [(i, float(c)) for i, c in zip(ids, cosines, strict=True)
                    if i != skip and not self.excluded[i]]
            if len(hits) >= k or len(ids) < want or want >= len(self):
                return hits[:k]
            want *= 4  # many excluded rows nearby: ask for more


def tie_aware_recall(index: VectorIndex, queries, k: int = 10) -> float:
    """Annoy recall@k against exact cosine, by item. A returned row counts when its exact cosine
    reaches the exact k-th best (minus float noise): rows with tied vectors are equally right."""
    found = wanted = 0
    for item in queries:
        item = int(item)
        exact = index.exact_by_vector(index.vectors[item], k, skip=item)
        if not exact:
            continue
        kth = exact[-1][1]
        approx = [i for i, _ in index.annoy_by_item(item, k)]
        true_cos = np.asarray(index.vectors[approx], dtype=np.float32) @ index.vectors[item]
        found += int(np.sum(true_cos >= kth - TIE_TOLERANCE))
        wanted += len(exact)
    return found / wanted if wanted else 1.0
