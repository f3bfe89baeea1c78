"""The typed-title query sets (engine/quality/data: typed_titles.tsv written by
scripts/build_typed_titles.py, reader_typed.tsv written by hand), how a resolver scores on them,
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
# What readers type for well-known books, written by hand (never from the alias sources): the
# expected column is a catalog title or an outcome.
READER_TYPED = DATA / "reader_typed.tsv"
ABSENT, SERIES, AMBIGUOUS = "absent", "series", "ambiguous"
# Rows whose kind starts so end in a number that the command keeps: (low, high) of its range.
NUMBER_KINDS = {"rating after": (1, 5), "count after": (1, 25)}
FIRST_TRY_TARGET = 0.97


def typed_titles() -> list[tuple[str, str, str]]:
    """(query, expected catalog title, kind of damage) rows of typed_titles.tsv."""
    with TYPED_TITLES.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    return [(q, e, k) for q, e, k in rows[1:]]


def reader_typed() -> list[tuple[str, str, str]]:
    """(query, expected title or outcome, kind) rows of reader_typed.tsv."""
    with READER_TYPED.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    return [(q, e, k) for q, e, k in rows[1:]]


def _number_range(kind: str) -> tuple[int, int] | None:
    return next((span for prefix, span in NUMBER_KINDS.items() if kind.startswith(prefix)), None)


def _outcome_ok(resolution, expected: str) -> bool:
    if expected == ABSENT:
        return not resolution.found
    if expected in (SERIES, AMBIGUOUS):
        return resolution.status == expected
    return resolution.found and resolution.title == expected


def first_try(resolver, rows: list[tuple[str, str, str]] | None = None) -> dict:
    """How `resolver` answers the reader-typed set on the first try: the share of rows naming a
    catalog book, series or ambiguous title that get the expected answer (a trailing rating or
    count split off and kept), and every absent title wrongly found."""
    rows = reader_typed() if rows is None else rows
    misses, false_accepts, graded = [], [], 0
    for query, expected, kind in rows:
        span = _number_range(kind)
        if span:
            resolution, number, _ = resolver.resolve_with_number(query, *span)
            ok = _outcome_ok(resolution, expected) and (
                expected == ABSENT or number == int(query.split()[-1]))
        else:
            resolution = resolver.resolve(query)
            ok = _outcome_ok(resolution, expected)
        if expected == ABSENT:
            if resolution.found:
                false_accepts.append((query, resolution.title))
            continue
        graded += 1
        if not ok:
            misses.append((query, expected, resolution.status, resolution.title
                           or "; ".join(resolution.candidates[:3])))
    return {"n": graded, "first_try": round(1 - len(misses) / max(graded, 1), 4),
            "absent": sum(e == ABSENT for _, e, _ in rows), "false_accepts": false_accepts,
            "misses": misses}


def not_in_catalog() -> list[str]:
    lines = NOT_IN_CATALOG.read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line.strip() and not line.startswith("#")]


@lru_cache(maxsize=1)
def real_catalog():
    """The 37,020-book catalog as the default build makes it (titles and display authors)."""
    from engine.build.catalog import catalog_from_data_dir

    return catalog_from_data_dir(settings.SHARED_WIKIPEDIA_DIR)


@lru_cache(maxsize=1)
def real_names():
    """Goodreads' names for the real catalog, as the default build writes them."""
    from engine.build.goodreads_aliases import goodreads_names

    catalog = real_catalog()
    return goodreads_names(settings.SHARED_GOODBOOKS_CSV, catalog.books, catalog.meta)


@lru_cache(maxsize=2)
def real_resolver(with_aliases: bool = True):
    """The real catalog's resolver with the Goodreads names the build adds (or without)."""
    from engine.serve.titles import TitleResolver

    catalog = real_catalog()
    if not with_aliases:
        return TitleResolver.for_catalog(catalog.books, catalog.meta, catalog.book_degrees())
    names = real_names()
    return TitleResolver.for_catalog(catalog.books, catalog.meta, catalog.book_degrees(),
                                     {**names.aliases, **catalog.aliases}, names.series,
                                     names.other_works, names.well_read)
