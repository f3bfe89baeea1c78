"""A compact read-only map from strings to book rows, for tables too big to hold as Python dicts.

A 300,000-entry dict of str -> int costs ~50 MB and a second or more to build at start-up; the
same table as two sorted arrays (64-bit key hashes, int32 rows) is 3.6 MB, written once at build
time and read as it is. A lookup hashes the key and bisects. Two keys share a hash with odds of
about n / 2**64 per lookup (1 in 6e13 at 300,000 keys), so a hit is taken as the key's own.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Mapping

import numpy as np

__all__ = ["KeyTable", "key_hash"]


def key_hash(key: str) -> int:
    """A 64-bit hash that is the same in every process (Python's own `hash` is salted)."""
    return int.from_bytes(hashlib.blake2b(key.encode("utf-8", "surrogatepass"),
                                          digest_size=8).digest(), "little")


def _locate(hashes: np.ndarray, key: str) -> int:
    """The position of `key`'s hash in the sorted `hashes`, or -1."""
    h = np.uint64(key_hash(key))
    at = int(np.searchsorted(hashes, h))
    return at if at < len(hashes) and hashes[at] == h else -1


def _strictly_rising(hashes: np.ndarray) -> bool:
    return bool((hashes[1:] > hashes[:-1]).all())  # not np.diff: it wraps on uint64


def _rows_within(rows: np.ndarray, n_rows: int) -> bool:
    return len(rows) == 0 or 0 <= rows.min() <= rows.max() < n_rows


class KeyTable:
    def __init__(self, hashes: np.ndarray, rows: np.ndarray):
        if hashes.shape != rows.shape or hashes.ndim != 1:
            raise ValueError("hashes and rows must be one row each per key")
        self.hashes = hashes
        self.rows = rows

    @classmethod
    def of(cls, mapping: Mapping[str, int]) -> KeyTable:
        hashes = np.fromiter((key_hash(k) for k in mapping), dtype=np.uint64, count=len(mapping))
        rows = np.fromiter(mapping.values(), dtype=np.int32, count=len(mapping))
        order = np.argsort(hashes, kind="stable")
        return cls(hashes[order], rows[order])

    def arrays(self, name: str) -> dict[str, np.ndarray]:
        """The table as named arrays, to store (engine.model_dir's serving tables)."""
        return {f"{name}.hashes": self.hashes, f"{name}.rows": self.rows}

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, np.ndarray], name: str, n_rows: int) -> KeyTable:
        """The table `arrays` stores under `name`; ValueError if it is missing or malformed."""
        hashes, rows = arrays.get(f"{name}.hashes"), arrays.get(f"{name}.rows")
        if hashes is None or rows is None or hashes.dtype != np.uint64 or rows.dtype != np.int32 \
                or hashes.shape != rows.shape or hashes.ndim != 1:
            raise ValueError(f"no key table {name!r}")
        table = cls(hashes, rows)
        if not table.is_valid(n_rows):
            raise ValueError(f"key table {name!r} is unsorted or names rows beyond {n_rows}")
        return table

    def is_valid(self, n_rows: int) -> bool:
        """Sorted, without a repeated hash, every row in range: what `get` relies on."""
        return _strictly_rising(self.hashes) and _rows_within(self.rows, n_rows)

    def get(self, key: str, default: int | None = None) -> int | None:
        at = _locate(self.hashes, key)
        return default if at < 0 else int(self.rows[at])

    def __contains__(self, key: str) -> bool:
        return self.get(key) is not None

    def __len__(self) -> int:
        return len(self.hashes)


class Lists(dict):
    """A dict of str -> list of rows, with KeyLists' `count` (the resolver holds either)."""

    def count(self, key: str) -> int:
        return len(self.get(key, ()))


class KeyLists:
    """A compact read-only map from strings to lists of rows: sorted key hashes, and each key's
    rows in one int32 array (CSR)."""

    def __init__(self, hashes: np.ndarray, starts: np.ndarray, rows: np.ndarray):
        self.hashes, self.starts, self.rows = hashes, starts, rows
        # One resolve asks about the same few words 4-5 times (known? how common? its idf?):
        # remembered, a repeat costs ~0.1 us instead of ~3 us of hashing and bisecting.
        self._at = functools.lru_cache(maxsize=16_384)(functools.partial(_locate, hashes))

    @classmethod
    def of(cls, mapping: Mapping[str, list[int]]) -> KeyLists:
        hashes = np.fromiter((key_hash(k) for k in mapping), dtype=np.uint64, count=len(mapping))
        order = np.argsort(hashes, kind="stable")
        lists = list(mapping.values())
        sizes = np.fromiter((len(lists[i]) for i in order), dtype=np.int64, count=len(order))
        rows = np.fromiter((r for i in order for r in lists[i]), dtype=np.int32,
                           count=int(sizes.sum()))
        return cls(hashes[order], np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64), rows)

    def arrays(self, name: str) -> dict[str, np.ndarray]:
        return {f"{name}.hashes": self.hashes, f"{name}.starts": self.starts,
                f"{name}.rows": self.rows}

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, np.ndarray], name: str, n_rows: int) -> KeyLists:
        """The lists `arrays` stores under `name`; ValueError if missing or malformed."""
        hashes, starts, rows = (arrays.get(f"{name}.{part}") for part in ("hashes", "starts", "rows"))
        if hashes is None or starts is None or rows is None or hashes.dtype != np.uint64 \
                or rows.dtype != np.int32 or starts.shape != (len(hashes) + 1,) \
                or starts[0] != 0 or starts[-1] != len(rows) or (np.diff(starts) < 0).any() \
                or not _strictly_rising(hashes) or not _rows_within(rows, n_rows):
            raise ValueError(f"key lists {name!r} are missing, unsorted or beyond {n_rows} rows")
        return cls(hashes, starts, rows)

    def get(self, key: str, default=()) -> list[int]:
        at = self._at(key)
        return default if at < 0 else self.rows[self.starts[at]:self.starts[at + 1]].tolist()

    def __getitem__(self, key: str) -> list[int]:
        found = self.get(key, None)
        if found is None:
            raise KeyError(key)
        return found

    def count(self, key: str) -> int:
        at = self._at(key)
        return 0 if at < 0 else int(self.starts[at + 1] - self.starts[at])

    def __contains__(self, key: str) -> bool:
        return self._at(key) >= 0

    def __len__(self) -> int:
        return len(self.hashes)


def string_array(strings: list[str]) -> np.ndarray:
    """A list of strings without newlines as one array of UTF-8 bytes, to store."""
    return np.frombuffer("\n".join(strings).encode("utf-8", "surrogatepass"), dtype=np.uint8)


def strings_of(array: np.ndarray, count: int) -> list[str]:
    """The list string_array stored; ValueError unless it holds `count` strings (any number
    when `count` is -1: then an empty array is no strings)."""
    text = array.tobytes().decode("utf-8", "surrogatepass")
    strings = text.split("\n") if count > 0 or (count < 0 and text) else []
    if count >= 0 and len(strings) != count:
        raise ValueError(f"{len(strings)} strings stored where {count} were expected")
    return strings
