"""The typed-title query sets (engine/quality/data, written by scripts/build_typed_titles.py),
and the real catalog's resolver built as the product builds it; shared by the title tests and
the resolve benchmark (scripts/benchmarks/titles.py)."""

from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

from engine import settings

DATA = Path(__file__).with_name("data")
TYPED_TITLES = DATA / "typed_titles.tsv"
NOT_IN_CATALOG = DATA / "not_in_catalog.txt"


def typed_titles() -> list[tuple[str, str, str]]:
    """(query, expected catalog title, kind of damage) rows of typed_titles.tsv."""
    with TYPED_TITLES.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    return [(q, e, k) for q, e, k in rows[1:]]


def not_in_catalog() -> list[str]:
    lines = NOT_IN_CATALOG.read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line.strip() and not line.startswith("#")]


@lru_cache(maxsize=1)
def real_catalog():
    """The 37,020-book catalog as the default build makes it (titles and display authors)."""
    from engine.build.catalog import catalog_from_data_dir

    return catalog_from_data_dir(settings.SHARED_WIKIPEDIA_DIR)


@lru_cache(maxsize=1)
def real_resolver():
    from engine.serve.titles import TitleResolver

    catalog = real_catalog()
    return TitleResolver.for_catalog(catalog.books, catalog.meta, catalog.book_degrees())
