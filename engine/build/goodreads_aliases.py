"""Other names of catalog books from Goodreads' own book list (goodbooks-10k, fetched with the
public data): a row's display title and its original title are two names of one book
("Harry Potter and the Sorcerer's Stone" / "... Philosopher's Stone"), its series note names a
series ("(Discworld, #8)"), and a row that matches no catalog book names another work, which
the resolver must never swap for a look-alike ("Frankenstein" is not "Frankenstein's Aunt").

A row names a catalog book only when one of its names folds to that book's title (its
disambiguator left off) and the authors agree, so a wrong alias is never made.
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from engine.serve.readings import TRAILING_PARENS, split_subtitle
from engine.text import normalise, strip_article

# A Goodreads series note: "(Harry Potter, #1)", "(Discworld, #1; Rincewind #1)".
_SERIES_PART = re.compile(r"^(?P<name>.*?)[,\s]*#\s*(?P<number>\d+(?:\.\d+)?)?[\d.\-]*\s*$")
_MIN_SERIES_BOOKS = 2  # a "series" of one catalog book lists nothing to choose from


@dataclass
class GoodreadsNames:
    aliases: dict[str, str] = field(default_factory=dict)  # other name -> catalog title
    series: dict[str, list[str]] = field(default_factory=dict)  # series name -> catalog titles
    other_works: list[str] = field(default_factory=list)  # titles of books the catalog lacks
    well_read: list[str] = field(default_factory=list)  # catalog titles among Goodreads' most-read


@dataclass(frozen=True)
class _Row:
    title: str  # without the series note
    original: str
    authors: tuple[str, ...]
    series: tuple[tuple[str, float], ...]  # (series name, the book's number in it)


def read_rows(path: Path) -> list[_Row]:
    rows = []
    with Path(path).open(encoding="utf-8", newline="") as f:
        for raw in csv.DictReader(f):
            title, series = _split_series_note(" ".join((raw.get("title") or "").split()))
            original = " ".join((raw.get("original_title") or "").split())
            authors = tuple(a.strip() for a in (raw.get("authors") or "").split(",") if a.strip())
            if title:
                rows.append(_Row(title, original, authors, series))
    return rows


def _split_series_note(title: str) -> tuple[str, tuple[tuple[str, float], ...]]:
    match = TRAILING_PARENS.search(title)
    if not match or "#" not in match.group(1) or not match.start():
        return title, ()
    names = []
    for part in match.group(1).split(";"):
        found = _SERIES_PART.match(part.strip())
        if found and found.group("name").strip():
            names.append((found.group("name").strip(), float(found.group("number") or 999)))
    return title[:match.start()].strip(), tuple(names)


def _title_key(title: str) -> str:
    """A catalog title folded without its disambiguator: "Emma (novel)" -> "emma"."""
    match = TRAILING_PARENS.search(title)
    if match and match.start():
        title = title[:match.start()]
    return normalise(title)


def _surnames(authors: str) -> set[str]:
    """The last words of the names in an author field ("Jack Thorne (script) J. K. Rowling,
    ..." holds several); Goodreads lists one name per comma."""
    out = set()
    for name in re.split(r",|&|\band\b|\(.*?\)", authors):
        words = [w for w in normalise(name).split() if len(w) > 1]
        if words:
            out.add(words[-1])
    return out


def _authors_agree(row: _Row, catalog_author: str, whole_name: bool = False) -> bool:
    """The row's first author (the writer; later ones are often translators, illustrators)
    is among the catalog book's authors: by surname, or by every word of the name."""
    if not row.authors or not catalog_author:
        return False
    if whole_name:
        first = {w for w in normalise(row.authors[0]).split() if len(w) > 1}
    else:
        first = _surnames(row.authors[0])
    return bool(first) and first <= set(normalise(catalog_author).split())


def _parts(title: str) -> tuple[str, str]:
    """The main title and the subtitle of a catalog title, folded ("" and "" when it has no
    subtitle): "Bambi, a Life in the Woods" -> ("bambi", "a life in the woods")."""
    match = TRAILING_PARENS.search(title)
    if match and match.start():
        title = title[:match.start()]
    head, tail = split_subtitle(title)
    if not tail and ", " in title:
        head, _, tail = title.partition(", ")
        if normalise(tail).split()[:1] not in (["a"], ["an"], ["the"], ["or"]):
            return "", ""
    head, tail = normalise(head), normalise(tail)
    return (head, tail) if head and tail else ("", "")


def _in_series(row: _Row, head: str) -> bool:
    """A subtitle names its book only under the series' own name: "The Drawing of the Three"
    is "The Dark Tower II: The Drawing of the Three", but "Dune" is not "Chapterhouse: Dune"."""
    words = set(head.split()) - {"the", "a", "an", "of", "and"}
    return any(words & set(normalise(name).split()) for name, _ in row.series)


def goodreads_names(csv_path: Path, titles: list[str], meta: list[dict]) -> GoodreadsNames:
    by_key: dict[str, list[int]] = defaultdict(list)
    by_core: dict[str, list[int]] = defaultdict(list)  # the same without a leading article
    by_head: dict[str, list[int]] = defaultdict(list)
    by_tail: dict[str, list[tuple[int, str]]] = defaultdict(list)  # subtitle -> (book, main title)
    for i, title in enumerate(titles):
        by_key[_title_key(title)].append(i)
        by_core[strip_article(_title_key(title))].append(i)
        head, tail = _parts(title)
        if head:
            by_head[head].append(i)
            by_tail[tail].append((i, head))
    matched: dict[str, set[str]] = defaultdict(set)  # alias -> the catalog titles it names
    series: dict[str, dict[str, float]] = defaultdict(dict)  # name -> {title: number}
    others: set[str] = set()
    well_read: set[str] = set()
    for row in read_rows(csv_path):
        names = [n for n in dict.fromkeys((row.original, row.title)) if n]
        book = _match(row, names, by_key, meta)
        if book is None:  # a whole "Dune: House Atreides" names its book, authors or not
            book = _match(row, [n for n in names if split_subtitle(n)[1] and len(n.split()) >= 3],
                          by_key, meta, authorless=True)
        if book is None:  # "The Adventures of Huckleberry Finn" is "Adventures of Huckleberry Finn"
            book = _match(row, names, by_core, meta, fold=lambda n: strip_article(normalise(n)))
        if book is None:  # a main title, and the same writer
            book = _match(row, names, by_head, meta, whole_name=True)
        if book is None:  # a subtitle under the series' name ("The Dark Tower II: ...")
            tails = {normalise(name): [b for b, head in by_tail.get(normalise(name), ())
                                       if _in_series(row, head)] for name in names}
            book = _match(row, names, tails, meta, whole_name=True, authorless=True)
        if book is None:
            others.update(n for n in _with_main_titles(names) if normalise(n) not in by_key)
            continue
        title = titles[book]
        well_read.add(title)
        own_series = {normalise(name) for name, _ in row.series}
        for name in names:
            # A name that is also the row's series ("The Borrowers", "The Dark Tower") names
            # the series as much as the book.
            if normalise(name) not in (_title_key(title), *own_series) \
                    and not _joins_another(name, title, by_key):
                matched[name].add(title)
        for name, number in row.series:
            series[name][title] = min(number, series[name].get(title, number))
    # A name that another row's book also bears is no sure name of either.
    other_keys = {normalise(n) for n in others}
    aliases = {alias: next(iter(ts)) for alias, ts in matched.items()
               if len(ts) == 1 and alias not in titles and normalise(alias) not in other_keys}
    taken = {normalise(a) for a in aliases} | set(by_key)
    return GoodreadsNames(
        aliases,
        {name: sorted(books, key=lambda t: (books[t], t)) for name, books in series.items()
         if len(books) >= _MIN_SERIES_BOOKS},
        sorted(n for n in others if normalise(n) not in taken), sorted(well_read))


def _match(row: _Row, names: list[str], index: dict[str, list[int]], meta: list[dict],
           whole_name: bool = False, authorless: bool = False, fold=normalise) -> int | None:
    """The one catalog book a row names (a name and the author agree, or, where `authorless`,
    the catalog has no author to disagree), else None."""
    found = {b for name in names for b in index.get(fold(name), ())
             if _authors_agree(row, meta[b].get("author", ""), whole_name)
             or (authorless and not meta[b].get("author"))}
    return next(iter(found)) if len(found) == 1 else None


def _joins_another(name: str, title: str, by_key: dict[str, list[int]]) -> bool:
    """"Alice's Adventures in Wonderland & Through the Looking-Glass" is a volume of two books,
    no other name of the first."""
    key, folded = _title_key(title), normalise(name)
    rest = folded[len(key):].split() if folded.startswith(key + " ") else []
    if rest[:1] == ["and"]:
        rest = rest[1:]
    return bool(rest) and " ".join(rest) in by_key


def _with_main_titles(names: list[str]) -> list[str]:
    """Names and their main titles: "Persepolis: The Story of a Childhood" is also "Persepolis"."""
    out = list(names)
    for name in names:
        head, tail = split_subtitle(name)
        if tail:
            out.append(head.strip())
    return out


def for_data_dir(data_dir: Path, titles: list[str], meta: list[dict]) -> GoodreadsNames | None:
    """The names from the data folder's goodbooks-10k file; None where the folder lacks it."""
    from engine.build.datafiles import GOODBOOKS_FILE

    path = Path(data_dir) / GOODBOOKS_FILE.name
    return goodreads_names(path, titles, meta) if path.is_file() else None
