"""Shelves follow a new catalog. Reads are stored by Wikipedia title; when a freshly fetched
catalog turns a title into a redirect, the read moves to the book the redirect names. A title
the catalog no longer knows at all stays on the shelf as it is, and is reported.

Uses only the store's public methods, one user at a time (the service calls it the first time it
reads a user's shelf under a model), so it works the same on every store backend.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.store import Read

_PAGE = 1000


@dataclass
class Rekeyed:
    moved: list[tuple[str, str]] = field(default_factory=list)  # (stored title, book title)
    unresolved: list[str] = field(default_factory=list)  # kept as they are


async def _all_reads(store, user: str) -> list[Read]:
    reads: list[Read] = []
    while True:
        page = await store.shelf(user, _PAGE, len(reads))
        reads += page
        if len(page) < _PAGE:
            return reads


def _merged(stored: Read, current: Read | None, title: str) -> Read:
    """One read for the book: the later reading, with a rating if either had one."""
    if current is None:
        return Read(title, stored.rating, stored.read_at, stored.source)
    newer, older = (stored, current) if stored.read_at >= current.read_at else (current, stored)
    rating = newer.rating if newer.rating is not None else older.rating
    return Read(title, rating, newer.read_at, newer.source)


async def follow_catalog(store, rec, user: str) -> Rekeyed:
    """Re-key `user`'s reads whose titles became redirects; report those that resolve to nothing."""
    report = Rekeyed()
    for read in await _all_reads(store, user):
        book = rec.canonical_title(read.title)
        if book == read.title:
            continue
        if book is None:
            report.unresolved.append(read.title)
            continue
        # Written before the old key goes, so a crash in between loses nothing.
        await store.log_many(user, [_merged(read, await store.get(user, book), book)])
        await store.remove_read(user, read.title)
        report.moved.append((read.title, book))
    return report
