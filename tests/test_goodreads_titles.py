"""Real Goodreads titles ("The Hunger Games (The Hunger Games, #1)") resolve to the catalog book.

Which catalog book a Goodreads row means is decided here without the resolver: the row's
`original_title` equals the catalog title with its disambiguator dropped (both folded plainly,
a leading article ignored), and the surname of the row's first author is a word of the catalog
book's author. The resolver then gets the Goodreads `title` column, alone and as "title by author".
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections import defaultdict
from functools import lru_cache

import pytest

from engine import settings
from engine.quality.title_sets import real_catalog, real_resolver
from tests.conftest import requires_shared_data

pytestmark = [
    requires_shared_data,
    pytest.mark.skipif(not settings.SHARED_GOODBOOKS_CSV.is_file(),
                       reason=f"needs {settings.SHARED_GOODBOOKS_CSV} (present in CI)"),
]


def plain_fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower().replace("&", "and")
    text = re.sub(r"[^a-z0-9]+", " ", re.sub(r"['’]", "", text)).strip()
    return re.sub(r"^(the|a|an) ", "", text)


@lru_cache(maxsize=1)
def identified_rows() -> list[tuple[str, str, set[str]]]:
    """(Goodreads title, first author, catalog titles it identifies) for every row whose
    original title and author identify a catalog book."""
    catalog = real_catalog()
    by_base = defaultdict(list)
    for title, meta in zip(catalog.books, catalog.meta, strict=True):
        by_base[plain_fold(re.sub(r"\s*\([^()]*\)$", "", title))].append((title, meta))
    rows = []
    with settings.SHARED_GOODBOOKS_CSV.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            first_author = row["authors"].split(",")[0].strip()
            surname = plain_fold(first_author).split()[-1:]
            if not row["original_title"].strip() or not surname:
                continue
            books = {title for title, meta in by_base.get(plain_fold(row["original_title"]), [])
                     if surname[0] in plain_fold(meta.get("author", "")).split()}
            if books:
                rows.append((row["title"], first_author, books))
    return rows


def accuracy(queries: list[tuple[str, set[str]]]) -> float:
    resolver = real_resolver()
    right = 0
    for query, books in queries:
        resolution = resolver.resolve(query)
        right += resolution.found and resolution.title in books
    return right / len(queries)


def test_enough_goodreads_rows_identify_a_catalog_book():
    assert len(identified_rows()) >= 1000


def test_goodreads_titles_alone():
    score = accuracy([(title, books) for title, _, books in identified_rows()])
    assert score >= 0.90, score


def test_goodreads_titles_with_their_author():
    score = accuracy([(f"{title} by {author}", books)
                      for title, author, books in identified_rows()])
    assert score >= 0.95, score
