"""Books of one author or one series: the ones a reader expects near the top of `similar`
(The Hobbit -> The Silmarillion, Northern Lights -> The Subtle Knife), whatever their cosine.

A book's keys are those the picks' diversity caps use (engine.serve.picks.kin_keys: one per
credited author, one per series name), so "same author" means the same thing in every answer.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence

import numpy as np

from engine.serve.picks import kin_keys

SERIES, AUTHOR = "series", "author"


class Kinship:
    """Per book its author/series keys, and per key its books (int32 arrays)."""

    def __init__(self, keys: Sequence[Sequence[str]]):
        self.keys = [tuple(k) for k in keys]
        members: dict[str, list[int]] = defaultdict(list)
        for book, book_keys in enumerate(self.keys):
            for key in book_keys:
                members[key].append(book)
        self.members = {key: np.array(books, dtype=np.int32) for key, books in members.items()}

    @classmethod
    def of_catalog(cls, titles: Sequence[str], meta: Sequence[Mapping],
                   series: Sequence[str | None]) -> Kinship:
        return cls([kin_keys(t, m, s) for t, m, s in zip(titles, meta, series, strict=True)])

    def of(self, book: int) -> dict[int, str]:
        """The other books sharing a key with `book` -> SERIES or AUTHOR (series when both)."""
        kin: dict[int, str] = {}
        for key in sorted(self.keys[book], key=lambda k: not k.startswith(SERIES)):
            kind = SERIES if key.startswith(SERIES) else AUTHOR
            for other in self.members[key].tolist():
                if other != book:
                    kin.setdefault(other, kind)
        return kin
