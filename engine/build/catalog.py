"""The catalog: books, pages and (book, page) pairs as integer arrays, plus display metadata.

Built from any mix of sources, merged per title. Deterministic: the same records give the same
indices, so a seed reproduces a model exactly.
"""

from __future__ import annotations

import hashlib
import itertools
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from engine.build.fetched import ALIASES_FILE as FETCHED_ALIASES
from engine.build.fetched import BOOKS_FILE as FETCHED_BOOKS
from engine.build.sources import BookRecord, read_aliases, read_article_ndjson, read_book_info
from engine.model_dir import ModelFiles
from engine.text import NameForms, clean_link, display_name, is_article_title, name_parts, wikipedia_url

# The article drops these: they say how a book was bound, not what it is about.
DROPPED_LINKS = frozenset(
    {"hardcover", "paperback", "wikipedia:wikiproject books", "wikipedia:wikiproject novels"}
)
# A page must be linked from at least this many books to be kept. Chosen by measurement
# (see EVALUATION.md); the article used 5.
DEFAULT_MIN_LINK_COUNT = 3


@dataclass
class Catalog:
    books: list[str]
    pages: list[str]
    pairs: np.ndarray  # (n, 2) int32: book index, page index; sorted, unique
    meta: list[dict]  # per book: author, year, genre, country, series, url
    stats: dict = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)  # redirect title -> book title

    @property
    def n_books(self) -> int:
        return len(self.books)

    @property
    def n_pages(self) -> int:
        return len(self.pages)

    def fingerprint(self) -> str:
        digest = hashlib.sha256()
        digest.update("\n".join(self.books).encode())
        digest.update(b"\0")
        digest.update("\n".join(self.pages).encode())
        digest.update(b"\0")
        digest.update(np.ascontiguousarray(self.pairs).tobytes())
        return digest.hexdigest()[:16]

    def book_degrees(self) -> np.ndarray:
        return np.bincount(self.pairs[:, 0], minlength=self.n_books)

    def page_degrees(self) -> np.ndarray:
        return np.bincount(self.pairs[:, 1], minlength=self.n_pages)

    @classmethod
    def from_model(cls, files: ModelFiles) -> Catalog:
        """The catalog a model directory was built from (engine.model_dir.open_model)."""
        return cls(list(files.titles), list(files.pages), np.asarray(files.pairs),
                   [dict(m) for m in files.meta], dict(files.manifest.get("catalog_stats", {})),
                   dict(files.aliases))

    def links_of(self, book: int) -> np.ndarray:
        lo, hi = np.searchsorted(self.pairs[:, 0], [book, book + 1])
        return self.pairs[lo:hi, 1]


def _merge(records: Iterable[BookRecord]) -> dict[str, tuple[list[str], dict]]:
    merged: dict[str, tuple[list[str], dict]] = {}
    for record in records:
        links, info = merged.setdefault(record.title, ([], {}))
        links.extend(record.links)
        for key, value in record.info.items():
            info.setdefault(key, value)  # the first source wins for display fields
    return merged


# Display fields that hold names; lowercased in the 2018 table, cased from the data's own text.
NAME_FIELDS = ("author", "country")


def _name_forms(merged: dict[str, tuple[list[str], dict]]) -> NameForms:
    """The casing the catalog's own cased text (the article file's links and infobox values)
    gives the lowercased names; nothing when every source kept its case."""
    wanted = set()
    for _, info in merged.values():
        for name in NAME_FIELDS:
            value = info.get(name, "").strip()
            if value and value == value.lower():
                wanted.add(value)
                wanted.update(name_parts(value))
    if not wanted:
        return NameForms()

    def cased():
        for links, info in merged.values():
            yield from (link.strip() for link in links)
            yield from (info.get(name, "").strip() for name in NAME_FIELDS)
            for name in NAME_FIELDS:
                yield from name_parts(info.get(name, "").strip())
    return NameForms.learn(cased(), wanted)


def _display_meta(title: str, info: dict, forms: NameForms) -> dict:
    def pretty(value: str) -> str:
        return display_name(value, forms) if value == value.lower() else value

    meta = {"url": wikipedia_url(title)}
    if info.get("author"):
        meta["author"] = pretty(info["author"].strip())
    if info.get("year"):
        meta["year"] = info["year"]
    if info.get("genre"):
        meta["genre"] = info["genre"].strip().lower()
    if info.get("country"):
        meta["country"] = pretty(info["country"].strip())
    if info.get("series"):
        meta["series"] = info["series"].strip()
    return meta


def build_catalog(records: Iterable[BookRecord], min_link_count: int = DEFAULT_MIN_LINK_COUNT,
                  stats: Counter | None = None, aliases: dict[str, str] | None = None) -> Catalog:
    stats = stats if stats is not None else Counter()
    merged = _merge(records)
    books = sorted(merged)
    cleaned: list[set[str]] = []
    for title in books:
        links = {clean_link(raw) for raw in merged[title][0]}
        links -= DROPPED_LINKS
        links.discard("")
        links.discard(clean_link(title))  # a book's link to itself says nothing
        # A file, template or project page says nothing of the book; a category does.
        off = {link for link in links if not is_article_title(link) and not link.startswith("category:")}
        stats["non_article_links_dropped"] += len(off)
        cleaned.append(links - off)
    counts = Counter(link for links in cleaned for link in links)
    pages = sorted(link for link, n in counts.items() if n >= min_link_count)
    page_index = {p: i for i, p in enumerate(pages)}
    pair_list = [(b, page_index[link]) for b, links in enumerate(cleaned)
                 for link in links if link in page_index]
    pairs = np.array(sorted(pair_list), dtype=np.int32).reshape(-1, 2)
    forms = _name_forms(merged)
    meta = [_display_meta(t, merged[t][1], forms) for t in books]
    if forms.whole or forms.words:  # what the cased text taught, beyond the rules
        stats.update(names_cased_from_data=len(forms.whole), name_words_from_data=len(forms.words))
    n_linked = int(np.unique(pairs[:, 0]).size) if len(pairs) else 0
    known = set(books)
    aliases = {a: t for a, t in (aliases or {}).items() if t in known and a not in known}
    stats.update(books=len(books), pages=len(pages), pairs=len(pairs),
                 books_without_links=len(books) - n_linked, min_link_count=min_link_count)
    if aliases:
        stats["aliases"] = len(aliases)
    return Catalog(books, pages, pairs, meta, dict(stats), aliases)


def catalog_from_data_dir(data_dir: Path, min_link_count: int = DEFAULT_MIN_LINK_COUNT) -> Catalog:
    """The richest catalog the folder allows: a folder fetched from today's Wikipedia
    (scripts/fetch_wikipedia.py) where it is one, else the article's full file, else the
    infobox table of every book plus the full wikilinks of the partial file."""
    stats: Counter = Counter()
    full = data_dir / "found_books_filtered.ndjson"
    fetched = data_dir / FETCHED_BOOKS
    if fetched.is_file():
        stats["source_fetched"] = 1
        aliases = data_dir / FETCHED_ALIASES
        return build_catalog(read_article_ndjson(fetched, stats), min_link_count, stats,
                             read_aliases(aliases, stats) if aliases.is_file() else {})
    if full.is_file():
        stats["source_full"] = 1
        records: Iterable[BookRecord] = read_article_ndjson(full, stats)
    else:
        partial = data_dir / "p15_books.ndjson"
        info = data_dir / "book_info.tsv"
        if not info.is_file():
            from engine.errors import FETCH_COMMAND, DataError
            raise DataError(f"no book data in {data_dir}; run `{FETCH_COMMAND}` first")
        # The article file first: its infobox keeps original case, so its display fields win.
        records = itertools.chain(
            read_article_ndjson(partial, stats) if partial.is_file() else (),
            read_book_info(info, stats))
    return build_catalog(records, min_link_count, stats)

