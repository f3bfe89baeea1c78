"""Readers, one per input format. Each yields BookRecord(title, links, info) and never raises on a
bad line: it counts it in `stats` instead."""

from __future__ import annotations

import csv
import json
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from engine.text import clean_infobox_value, clean_title, namespace_of

# book_info.tsv columns whose values are wikilinks in the real articles.
INFOBOX_LINK_FIELDS = ("author", "genre", "country", "publisher", "language")
# Infobox fields kept for display and for picks (`series` keeps one author's cycle together).
ARTICLE_INFO_FIELDS = ("author", "genre", "country", "series")
_YEAR = re.compile(r"\b(1[0-9]{3}|20[0-9]{2})\b")


@dataclass
class BookRecord:
    title: str
    links: list[str]
    info: dict[str, str] = field(default_factory=dict)


def _not_an_article(title: str, stats: Counter) -> bool:
    """A draft, user page, template doc or project page: counted (per namespace), not a book."""
    namespace = namespace_of(title.strip())
    if namespace:
        stats["non_article_titles"] += 1
        stats[f"non_article_titles:{namespace}"] += 1
    return bool(namespace)


def _year_from(infobox: dict) -> str:
    for key in ("pub_date", "release_date", "published", "english_release_date"):
        match = _YEAR.search(str(infobox.get(key, "")))
        if match:
            return match.group(1)
    return ""


def read_article_ndjson(path: Path, stats: Counter | None = None) -> Iterator[BookRecord]:
    """The article's format: one JSON array per line,
    [title, infobox, wikilinks, external_links, last_edit, n_characters]."""
    stats = stats if stats is not None else Counter()
    with open(path, encoding="utf-8", errors="replace") as fh:
        for line in fh:
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                title, infobox, wikilinks = row[0], row[1], row[2]
                if not isinstance(title, str) or not isinstance(wikilinks, list):
                    raise TypeError("unexpected shape")
                infobox = infobox if isinstance(infobox, dict) else {}
            except (ValueError, TypeError, IndexError, KeyError):
                stats["malformed_lines"] += 1
                continue
            if _not_an_article(title, stats):
                continue
            links = [w for w in wikilinks if isinstance(w, str) and not w.startswith("Wikipedia:")]
            stats["wikipedia_links_dropped"] += sum(
                1 for w in wikilinks if isinstance(w, str) and w.startswith("Wikipedia:"))
            info = {k: clean_infobox_value(str(infobox[k])) for k in ARTICLE_INFO_FIELDS
                    if infobox.get(k)}
            year = _year_from(infobox)
            if year:
                info["year"] = year
            stats["ndjson_books"] += 1
            yield BookRecord(clean_title(title), links, info)


def _split_values(field_name: str, value: str) -> list[str]:
    value = clean_infobox_value(value)
    if not value:
        return []
    if field_name == "genre":  # several comma-separated genres
        return [g.strip() for g in value.split(",") if g.strip()]
    return [value]


def read_book_info(path: Path, stats: Counter | None = None) -> Iterator[BookRecord]:
    """The infobox table: title, author, genre, pages, language, country, publisher (lowercased
    values). Each book links to its author, each genre, country, publisher and language."""
    stats = stats if stats is not None else Counter()
    with open(path, encoding="utf-8", errors="replace", newline="") as fh:
        reader = csv.reader(fh, delimiter="\t")
        header = next(reader, None)
        if not header or header[0] != "title":
            raise ValueError(f"{path} does not start with the book_info header")
        width = len(header)
        for row in reader:
            if not row or not row[0].strip():
                stats["malformed_lines"] += 1
                continue
            if _not_an_article(row[0], stats):
                continue
            if len(row) != width:
                # Stray tabs inside a field: the first three columns and the last three still align.
                stats["realigned_rows"] += 1
                row = row[:3] + [""] + row[-3:] if len(row) > width else row + [""] * (width - len(row))
            fields = dict(zip(header, row, strict=True))
            links = [v for name in INFOBOX_LINK_FIELDS for v in _split_values(name, fields[name])]
            info = {k: clean_infobox_value(fields[k]) for k in ("author", "genre", "country")
                    if clean_infobox_value(fields[k])}
            stats["book_info_books"] += 1
            yield BookRecord(clean_title(fields["title"]), links, info)


def read_aliases(path: Path, stats: Counter | None = None) -> dict[str, str]:
    """A fetched folder's aliases.tsv: alias<TAB>title a line."""
    stats = stats if stats is not None else Counter()
    aliases = {}
    with open(path, encoding="utf-8", errors="replace") as fh:
        for line in fh:
            alias, tab, title = line.rstrip("\n").partition("\t")
            if not tab or not alias.strip() or not title.strip():
                stats["malformed_lines"] += 1
                continue
            aliases[clean_title(alias)] = clean_title(title)
    return aliases
