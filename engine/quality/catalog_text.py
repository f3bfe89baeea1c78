"""A sweep of a catalog's text for what a reader should never see: entities, wiki comments,
markup, addresses, template documentation, and pages that are not books. Its patterns are
written apart from engine/text.py's cleaning, so a field the cleaning misses is caught.

    python -m engine.quality.catalog_text                      # the shared data, built now
    python -m engine.quality.catalog_text --before models/old  # and what changed since that model
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from engine import settings

# Each kind of residue, as a reader would spot it.
RESIDUES = {
    "nbsp": re.compile(r"&\s*nbsp\b|\u00a0", re.I),
    "entity": re.compile(r"&\s*(?:#[0-9]+|#x[0-9a-f]+|amp|quot|lt|gt|apos|[a-z]dash|[a-z]{1,2}"
                         r"(?:acute|grave|uml|circ|tilde|cedil)|hellip|rsquo|lsquo|rdquo|ldquo|"
                         r"middot|times|shy|thinsp|ensp|emsp|zwj|zwnj)\s*;", re.I),
    "comment": re.compile(r"<\s*!|!\s*--|--\s*>"),
    "markup": re.compile(r"[<>{}\[\]|]|''"),
    "address": re.compile(r"\bhttps?://|\bwww\.|&\s*\w+=", re.I),
    "citation": re.compile(r"\bretrieved\b|\bp\. [0-9]+\b|\bisbn\b|\boclc\b", re.I),
    # Words of the infobox's own documentation; a title may hold them ('Template (novel)').
    "template_doc": re.compile(r"\b(?:template|infobox|parameter|wikiproject|worldcat|isfdb)\b",
                               re.I),
}
# Titles and page names cite nothing, and may say 'Template (novel)' or 'WorldCat'.
TITLE_RESIDUES = ("nbsp", "entity", "comment", "markup", "address")
# A namespace prefix: MediaWiki writes no space after its colon.
NON_ARTICLE = re.compile(r"^(?:talk|user|wikipedia|file|image|mediawiki|template|help|category|"
                         r"portal|draft|timedtext|module|book|gadget|topic)(?: talk)?:\S", re.I)
# Catalog fields a reader sees, besides the title; 'url' is built from the title.
SHOWN_FIELDS = ("author", "genre", "country", "series", "year")


@dataclass
class Sweep:
    counts: Counter = field(default_factory=Counter)  # (kind, field) -> values with it
    examples: dict = field(default_factory=dict)  # (kind, field) -> a few of them

    def add(self, kind: str, where: str, value: str) -> None:
        self.counts[kind, where] += 1
        self.examples.setdefault((kind, where), [])
        if len(self.examples[kind, where]) < 3:
            self.examples[kind, where].append(value)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def _fields(titles: list[str], meta: list[dict], pages: list[str]) -> Iterator[tuple[str, str]]:
    for title, row in zip(titles, meta, strict=True):
        yield "title", title
        for name in SHOWN_FIELDS:
            if row.get(name):
                yield name, str(row[name])
    for page in pages:
        yield "page", page


def sweep(titles: list[str], meta: list[dict], pages: list[str]) -> Sweep:
    found = Sweep()
    for where, value in _fields(titles, meta, pages):
        kinds = TITLE_RESIDUES if where in ("title", "page") else RESIDUES
        for kind in kinds:
            if RESIDUES[kind].search(value):
                found.add(kind, where, value)
        # Pages may be categories: a book's categories are some of its best evidence.
        if where in ("title", "page") and NON_ARTICLE.match(value) and not value.startswith("category:"):
            found.add("non_article", where, value)
    return found


@dataclass
class Change:
    books_dropped: list[str]
    authors_recased: list[tuple[str, str]]  # (before, after), the same letters
    authors_changed: list[tuple[str, str]]  # other edits: markup cut, names split


def compare(before: tuple[list[str], list[dict]], after: tuple[list[str], list[dict]]) -> Change:
    after_meta = dict(zip(*after, strict=True))
    dropped = [t for t in before[0] if t not in after_meta]
    recased, changed = [], []
    for title, row in zip(*before, strict=True):
        old, new = row.get("author", ""), after_meta.get(title, {}).get("author", "")
        if title in after_meta and old != new:
            (recased if old.lower() == new.lower() else changed).append((old, new))
    return Change(dropped, recased, changed)


def report(found: Sweep, label: str) -> list[str]:
    lines = [f"{label}: {found.total} values with residue"]
    for (kind, where), n in sorted(found.counts.items()):
        lines.append(f"  {kind:13} {where:8} {n:5}  e.g. {found.examples[kind, where][0]!r:.90}")
    return lines


def _from_model(directory: Path):
    from engine.model_dir import open_model

    files = open_model(directory)
    return list(files.titles), [dict(m) for m in files.meta], list(files.pages)


def _from_data(directory: Path):
    from engine.build.catalog import catalog_from_data_dir

    catalog = catalog_from_data_dir(directory)
    skipped = {k: v for k, v in sorted(catalog.stats.items()) if k.startswith("non_article")}
    print(f"built from {directory}; left out: {skipped}")
    return catalog.books, catalog.meta, catalog.pages


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=settings.SHARED_WIKIPEDIA_DIR,
                        help="the data folder whose catalog is built and swept (default: the shared one)")
    parser.add_argument("--model", type=Path, help="sweep this model's catalog instead of building one")
    parser.add_argument("--before", type=Path, help="a model built by older code, to compare with")
    args = parser.parse_args(argv)
    after = _from_model(args.model) if args.model else _from_data(args.data)
    lines = []
    if args.before:
        before = _from_model(args.before)
        lines += report(sweep(*before), f"before ({args.before})")
        change = compare(before[:2], after[:2])
        lines += [f"books dropped: {len(change.books_dropped)}"
                  f" (e.g. {', '.join(change.books_dropped[:3])})",
                  f"authors recased: {len(change.authors_recased)}"
                  f" (e.g. {'; '.join(f'{a} -> {b}' for a, b in change.authors_recased[:4])})",
                  f"authors otherwise cleaned: {len(change.authors_changed)}"
                  f" (e.g. {'; '.join(f'{a} -> {b}' for a, b in change.authors_changed[:3])})"]
    lines += report(sweep(*after), f"now ({args.model or args.data})")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
