"""Books of one author or one series: the ones a reader expects near the top of `similar`
(The Hobbit -> The Silmarillion, Northern Lights -> The Subtle Knife), whatever their cosine.

A book's keys are those the picks' diversity caps use (engine.serve.picks.kin_keys: one per
credited author, one per series name), so "same author" means the same thing in every answer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from engine.serve.picks import kin_keys

SERIES, AUTHOR = "series", "author"
# The version of the key rules (picks.kin_keys, book_series): bump it when they change, and a
# model's stored kinship (Kinship.tables) is derived again.
STORED_KINSHIP = 1


class Kinship:
    """Per book its author/series keys and per key its books, as int32 CSR arrays (at 100,000
    books a dict of per-key arrays took 0.6 s to build at every start; these are stored)."""

    def __init__(self, keys: Sequence[Sequence[str]]):
        ids: dict[str, int] = {}
        book_keys = [[ids.setdefault(key, len(ids)) for key in book] for book in keys]
        books = np.repeat(np.arange(len(book_keys), dtype=np.int32), [len(k) for k in book_keys])
        flat = np.fromiter((k for ks in book_keys for k in ks), dtype=np.int32, count=len(books))
        is_series = np.fromiter((key.startswith(SERIES) for key in ids), dtype=bool,
                                count=len(ids))
        self._set(np.searchsorted(books, np.arange(len(book_keys) + 1)).astype(np.int64), flat,
                  is_series)

    def _set(self, starts: np.ndarray, flat: np.ndarray, is_series: np.ndarray) -> None:
        self.key_starts, self.book_keys, self.is_series = starts, flat, is_series
        books = np.repeat(np.arange(len(starts) - 1, dtype=np.int32), np.diff(starts))
        order = np.argsort(flat, kind="stable")  # books stay in order within a key
        self.key_books = books[order]
        self.member_starts = np.searchsorted(flat[order], np.arange(len(is_series) + 1))

    @classmethod
    def of_catalog(cls, titles: Sequence[str], meta: Sequence[Mapping],
                   series: Sequence[str | None]) -> Kinship:
        return cls([kin_keys(t, m, s) for t, m, s in zip(titles, meta, series, strict=True)])

    def tables(self) -> dict[str, np.ndarray]:
        """What `stored` reads back (engine.model_dir's serving tables, group "kinship")."""
        return {"key_starts": self.key_starts, "book_keys": self.book_keys,
                "is_series": self.is_series}

    @classmethod
    def stored(cls, arrays: Mapping[str, np.ndarray], n_books: int) -> Kinship:
        """The kinship `tables` stored; ValueError when the arrays do not fit the catalog."""
        starts, flat = arrays.get("key_starts"), arrays.get("book_keys")
        is_series = arrays.get("is_series")
        if starts is None or flat is None or is_series is None or starts.shape != (n_books + 1,) \
                or starts[0] != 0 or starts[-1] != len(flat) or (np.diff(starts) < 0).any() \
                or is_series.dtype != bool \
                or (len(flat) and not 0 <= flat.min() <= flat.max() < len(is_series)):
            raise ValueError("the kinship tables do not fit this catalog")
        kinship = cls.__new__(cls)
        kinship._set(starts, flat.astype(np.int32, copy=False), is_series)
        return kinship

    def of(self, book: int) -> dict[int, str]:
        """The other books sharing a key with `book` -> SERIES or AUTHOR (series when both)."""
        kin: dict[int, str] = {}
        keys = self.book_keys[self.key_starts[book]:self.key_starts[book + 1]].tolist()
        for key in sorted(keys, key=lambda k: not self.is_series[k]):
            kind = SERIES if self.is_series[key] else AUTHOR
            members = self.key_books[self.member_starts[key]:self.member_starts[key + 1]]
            for other in members.tolist():
                if other != book:
                    kin.setdefault(other, kind)
        return kin
