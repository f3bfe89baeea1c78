"""A fetched Wikipedia folder: what both fetch paths write and the catalog reads.

    books.ndjson    one book a line, the article's format (engine.build.wikitext.BookPage.row)
    aliases.tsv     alias<TAB>title: redirect titles that name a book
    manifest.json   source, dump date or fetch time, counts

Every file is written beside its final name and renamed into place, the manifest last, so a
folder never holds half a fetch: a reader sees the old files or the new ones.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from engine.build.wikitext import BookPage, title_key

BOOKS_FILE = "books.ndjson"
ALIASES_FILE = "aliases.tsv"
MANIFEST_FILE = "manifest.json"


def is_fetched_dir(directory: Path) -> bool:
    """A folder scripts/fetch_wikipedia.py wrote (the manifest comes last, so it is complete)."""
    return (Path(directory) / BOOKS_FILE).is_file() and (Path(directory) / MANIFEST_FILE).is_file()


@contextmanager
def atomic_text(path: Path) -> Iterator:
    """A text file opened beside `path` and renamed onto it only when the block succeeds."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            yield fh
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)


def book_aliases(redirects: Iterable[tuple[str, str]], books: Iterable[str]) -> dict[str, str]:
    """alias -> book title for the redirects (title, target) that point at a book."""
    by_key = {title_key(t): t for t in books}
    aliases = {}
    for alias, target in redirects:
        book = by_key.get(title_key(target))
        if book is not None and alias != book:
            aliases[alias] = book
    return aliases


def write_fetched(out: Path, books: Iterable[BookPage], aliases: Mapping[str, str],
                  manifest: dict) -> dict:
    """Write the three files (books sorted by title, aliases by alias); returns the manifest."""
    out = Path(out)
    n_books = 0
    with atomic_text(out / BOOKS_FILE) as fh:
        for book in sorted(books, key=lambda b: b.title):
            fh.write(json.dumps(book.row(), ensure_ascii=False) + "\n")
            n_books += 1
    with atomic_text(out / ALIASES_FILE) as fh:
        for alias in sorted(aliases):
            fh.write(f"{alias}\t{aliases[alias]}\n")
    manifest = {**manifest, "counts": {**manifest.get("counts", {}), "books": n_books,
                                       "aliases": len(aliases)}}
    with atomic_text(out / MANIFEST_FILE) as fh:
        fh.write(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    return manifest
