"""Vectorised negative sampling: whole batches drawn with numpy, never a true pair as a negative."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator

import numpy as np

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing: spreads consecutive keys apart


class PairSampler:
    """Draws batches of (book, page, label): every positive pair once per epoch, in random order,
    each with `negative_ratio` random pairs that are not in the graph.

    Negatives pick the book uniformly and the page uniformly (the article's choice) or by page
    frequency ** `page_power` (word2vec's smoothing), which makes popular pages harder negatives.
    """

    def __init__(self, pairs: np.ndarray, n_books: int, n_pages: int, negative_ratio: int = 5,
                 classification: bool = True, page_power: float = 0.0, seed: int = 0,
                 positive_power: float = 0.0, same_book_negatives: bool = False):
        self.pairs = np.ascontiguousarray(pairs, dtype=np.int64).reshape(-1, 2)
        if not len(self.pairs):
            raise ValueError("no (book, page) pairs to sample from")
        self.n_books, self.n_pages = n_books, n_pages
        self.negative_ratio = negative_ratio
        self.same_book_negatives = same_book_negatives
        self.negative_label = 0.0 if classification else -1.0
        self.rng = np.random.default_rng(seed)
        # Sorted pair keys: the exact membership test is one searchsorted.
        self.true_keys = np.unique(self.pairs[:, 0] * n_pages + self.pairs[:, 1])
        if len(self.true_keys) >= n_books * n_pages:
            raise ValueError("every (book, page) pair is linked: there is no negative to sample")
        self.filter = _KeyFilter(self.true_keys)
        self.page_alias = None
        if page_power:
            counts = np.bincount(self.pairs[:, 1], minlength=n_pages).astype(np.float64)
            self.page_alias = _AliasTable(counts ** page_power)
        self.positive_odds = None
        if positive_power:
            # Positives drawn by idf(page) ** positive_power: a rare, telling page weighs more
            # than a hub page (a country, "novel") that thousands of books link to.
            df = np.bincount(self.pairs[:, 1], minlength=n_pages).astype(np.float64)
            idf = np.log(np.maximum(n_books / np.maximum(df, 1), 1.0 + 1e-3))
            odds = idf[self.pairs[:, 1]] ** positive_power
            self.positive_odds = odds / odds.sum()

    def is_true_pair(self, books: np.ndarray, pages: np.ndarray) -> np.ndarray:
        keys = books.astype(np.int64) * self.n_pages + pages
        hit = self.filter.may_contain(keys)
        candidates = keys[hit]  # the few keys the filter cannot clear get the exact test
        pos = np.minimum(np.searchsorted(self.true_keys, candidates), len(self.true_keys) - 1)
        hit[hit] = self.true_keys[pos] == candidates
        return hit

    def _draw_pages(self, n: int) -> np.ndarray:
        if self.page_alias is None:
            return self.rng.integers(0, self.n_pages, n)
        return self.page_alias.draw(self.rng, n)

    def negatives(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        # Sorted books: the trainer then reads and writes the book table in order. The pages are
        # drawn independently of the books, so the pairs are as random as unsorted ones.
        books = np.sort(self.rng.integers(0, self.n_books, n))
        pages = self._draw_pages(n)
        bad = np.flatnonzero(self.is_true_pair(books, pages))
        while len(bad):  # redraw and retest only the collisions; they are rare in a sparse graph
            books[bad] = self.rng.integers(0, self.n_books, len(bad))
            pages[bad] = self._draw_pages(len(bad))
            bad = bad[self.is_true_pair(books[bad], pages[bad])]
        return books, pages

    def negatives_for(self, books: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Negatives that keep the positive's book and draw only the page (word2vec's way): each
        book learns which pages it does not link to, in proportion to how often it is seen."""
        books = books.astype(np.int64)
        pages = self._draw_pages(len(books))
        bad = np.flatnonzero(self.is_true_pair(books, pages))
        for _ in range(100):  # a book linking to most likely pages would otherwise loop long
            if not len(bad):
                break
            pages[bad] = self._draw_pages(len(bad))
            bad = bad[self.is_true_pair(books[bad], pages[bad])]
        if len(bad):  # give up on that book for these few draws: any true negative will do
            books[bad], pages[bad] = self.negatives(len(bad))
        return books, pages

    def batch(self, positives: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(books, pages, labels) int32/int32/float32: these positives, then their negatives."""
        positives = positives[np.argsort(positives[:, 0], kind="stable")]  # by book, as above
        n_neg = len(positives) * self.negative_ratio
        if self.same_book_negatives:
            neg_books, neg_pages = self.negatives_for(np.repeat(positives[:, 0],
                                                                self.negative_ratio))
        else:
            neg_books, neg_pages = self.negatives(n_neg)
        books = np.concatenate([positives[:, 0], neg_books]).astype(np.int32)
        pages = np.concatenate([positives[:, 1], neg_pages]).astype(np.int32)
        labels = np.concatenate([np.ones(len(positives), np.float32),
                                 np.full(n_neg, self.negative_label, np.float32)])
        return books, pages, labels

    def epoch(self, batch_positives: int) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """One pass over the positives in batches of exactly the same size (a compiled step is
        traced once): the last batch is topped up with the first positives of this epoch."""
        size = min(batch_positives, len(self.pairs))
        order = (self.rng.permutation(len(self.pairs)) if self.positive_odds is None
                 else self.rng.choice(len(self.pairs), len(self.pairs), p=self.positive_odds))
        n_batches = -(-len(order) // size)
        order = np.resize(order, n_batches * size)  # wraps around: tops up even a short epoch
        for start in range(0, len(order), size):
            yield self.batch(self.pairs[order[start:start + size]])

    def evaluation_batch(self, n_positive: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """A fixed batch to compare models on: distinct random positives and their negatives."""
        picked = self.rng.choice(len(self.pairs), min(n_positive, len(self.pairs)), replace=False)
        return self.batch(self.pairs[np.sort(picked)])


def prefetched(batches: Iterable, depth: int = 2) -> Iterator:
    """Iterate `batches` in a background thread, `depth` items ahead: numpy draws the next batch
    while TensorFlow (which releases the GIL) runs the current step on the other core."""
    slots: queue.Queue = queue.Queue(maxsize=depth)
    done = object()
    stop = threading.Event()

    def produce():
        try:
            for item in batches:
                if stop.is_set():
                    return
                slots.put(item)
            slots.put(done)
        except BaseException as exc:  # hand the error to the consumer instead of losing it
            slots.put(exc)

    worker = threading.Thread(target=produce, name="pair-sampler", daemon=True)
    worker.start()
    try:
        while (item := slots.get()) is not done:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        while worker.is_alive():  # unblock a producer waiting on a full queue
            try:
                slots.get_nowait()
            except queue.Empty:
                worker.join(0.01)


class _AliasTable:
    """Walker's alias method: draws index i with probability weights[i] / sum(weights) in
    constant time a draw (an inverse-CDF searchsorted costs a binary search each)."""

    def __init__(self, weights: np.ndarray):
        n = len(weights)
        scaled = weights * (n / weights.sum())
        self.keep = np.ones(n)  # probability of keeping the drawn column instead of its alias
        self.alias = np.arange(n)
        small = [i for i in range(n) if scaled[i] < 1.0]
        large = [i for i in range(n) if scaled[i] >= 1.0]
        while small and large:
            s, g = small.pop(), large[-1]
            self.keep[s], self.alias[s] = scaled[s], g
            scaled[g] -= 1.0 - scaled[s]
            if scaled[g] < 1.0:
                small.append(large.pop())
        # Columns left over are full up to rounding: always keep them.

    def draw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        column = rng.integers(0, len(self.keep), n)
        return np.where(rng.random(n) < self.keep[column], column, self.alias[column])


class _KeyFilter:
    """A one-hash bit filter over the true pair keys, sized so that about 1% of absent keys
    pass: one memory read clears almost every random pair without a binary search."""

    def __init__(self, keys: np.ndarray):
        self.shift = np.uint64(64 - max(16, min(34, int(np.ceil(np.log2(64 * len(keys)))))))
        self.bits = np.zeros(1 << (64 - int(self.shift) - 3), np.uint8)
        slots = self._slots(keys)
        np.bitwise_or.at(self.bits, slots >> 3, (1 << (slots & 7)).astype(np.uint8))

    def _slots(self, keys: np.ndarray) -> np.ndarray:
        return ((keys.astype(np.uint64) * _GOLDEN) >> self.shift).astype(np.int64)

    def may_contain(self, keys: np.ndarray) -> np.ndarray:
        slots = self._slots(keys)
        return ((self.bits[slots >> 3] >> (slots & 7).astype(np.uint8)) & 1).astype(bool)
