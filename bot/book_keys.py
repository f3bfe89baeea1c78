"""Short stable keys for books, for Discord's 100-character custom ids and option values.

A key is a hash of the Wikipedia title, so it means the same book after a restart or a retrain,
never a row number (which a rebuilt model reshuffles) and never the title itself (which may be
longer than Discord allows). Keys are read back only through the catalog: a key that names no
catalog book, or two, names nothing.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable

KEY_LENGTH = 12  # hex digits: 48 bits, so 50,000 titles collide with odds of about 1 in 200,000
KEY_PATTERN = re.compile(rf"[0-9a-f]{{{KEY_LENGTH}}}")


def book_key(title: str) -> str:
    return hashlib.blake2b(title.encode("utf-8"), digest_size=KEY_LENGTH // 2).hexdigest()


class BookKeys:
    """Key → title over one catalog."""

    def __init__(self, titles: Iterable[str]):
        found: dict[str, str | None] = {}
        for title in titles:
            key = book_key(title)
            found[key] = None if key in found else title  # a collision names neither book
        self._titles = {key: title for key, title in found.items() if title is not None}

    def title(self, key: object) -> str | None:
        """The catalog title a key stands for, or None (malformed, stale or forged)."""
        if not isinstance(key, str) or not KEY_PATTERN.fullmatch(key):
            return None
        return self._titles.get(key)
