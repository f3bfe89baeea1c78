"""Vectorised negative sampling: whole batches drawn with numpy, never a true pair as a negative."""

from __future__ import annotations

import numpy as np


class PairSampler:
    """Draws batches of (book, page, label): every positive pair once per epoch, in random order,
    each with `negative_ratio` random pairs that are not in the graph.

    Negatives pick the page uniformly (the article's choice) or by page frequency ** `page_power`
    (word2vec's smoothing), which makes popular pages harder negatives.
    """

    def __init__(self, pairs: np.ndarray, n_books: int, n_pages: int, negative_ratio: int = 5,
                 classification: bool = True, page_power: float = 0.0, seed: int = 0):
        self.pairs = np.ascontiguousarray(pairs, dtype=np.int64)
        self.n_books, self.n_pages = n_books, n_pages
        self.negative_ratio = negative_ratio
        self.negative_label = 0.0 if classification else -1.0
        self.rng = np.random.default_rng(seed)
        # Sorted pair keys: a membership test for a whole batch is one searchsorted.
        self.true_keys = np.unique(self.pairs[:, 0] * n_pages + self.pairs[:, 1])
        self.page_cdf = None
        if page_power:
            weights = np.bincount(self.pairs[:, 1], minlength=n_pages).astype(np.float64) ** page_power
            self.page_cdf = np.cumsum(weights / weights.sum())

    def is_true_pair(self, books: np.ndarray, pages: np.ndarray) -> np.ndarray:
        keys = books.astype(np.int64) * self.n_pages + pages
        pos = np.searchsorted(self.true_keys, keys)
        pos[pos == len(self.true_keys)] = 0
        return self.true_keys[pos] == keys

    def _draw_pages(self, n: int) -> np.ndarray:
        if self.page_cdf is None:
            return self.rng.integers(0, self.n_pages, n)
        return np.minimum(np.searchsorted(self.page_cdf, self.rng.random(n)), self.n_pages - 1)

    def negatives(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        books = self.rng.integers(0, self.n_books, n)
        pages = self._draw_pages(n)
        bad = self.is_true_pair(books, pages)
        while bad.any():  # redraw only the collisions; they are rare in a sparse graph
            k = int(bad.sum())
            books[bad] = self.rng.integers(0, self.n_books, k)
            pages[bad] = self._draw_pages(k)
            bad = self.is_true_pair(books, pages)
        return books, pages

    def epoch(self, batch_positives: int):
        """Yield (books, pages, labels) int32/int32/float32 arrays for one pass over the positives."""
        order = self.rng.permutation(len(self.pairs))
        for start in range(0, len(order), batch_positives):
            pos = self.pairs[order[start:start + batch_positives]]
            n_neg = len(pos) * self.negative_ratio
            neg_books, neg_pages = self.negatives(n_neg)
            books = np.concatenate([pos[:, 0], neg_books]).astype(np.int32)
            pages = np.concatenate([pos[:, 1], neg_pages]).astype(np.int32)
            labels = np.concatenate([np.ones(len(pos), np.float32),
                                     np.full(n_neg, self.negative_label, np.float32)])
            yield books, pages, labels
