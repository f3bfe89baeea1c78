"""`fetch_wikipedia.py --dump`: books, aliases and a manifest out of dump files, in parallel.

Each dump file is one partition, read by one worker process in two passes:

1. every page, once: template redirects and main-namespace redirects are recorded; a cheap text
   test ("infobox" anywhere, any case) picks the pages worth a real parse. Pages whose only
   infobox is `Infobox book` itself are parsed at once; the others (`Infobox novel`, a film
   infobox, ...) are set aside with their stream offset, since which templates redirect to the
   book infobox is known only once every partition's Template pages have been read.
2. once all template redirects are known, only the set-aside pages that turn out to use a book
   infobox are read again, by seeking to their streams.

A partition's results land in `DIR/.dump-parts/<file>/` in one rename when it is complete, so an
interrupted fetch resumes with the partitions it has not finished.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import multiprocessing
import re
import shutil
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from contextlib import contextmanager
from pathlib import Path

from engine.build.dump_reader import DumpError, pages
from engine.build.fetched import atomic_text, book_aliases, write_fetched
from engine.build.progress import progress_bar
from engine.build.wikitext import (
    BOOK_INFOBOX,
    MAIN_NAMESPACE,
    TEMPLATE_NAMESPACE,
    BookPage,
    alias_target,
    book_templates,
    disambiguation_templates,
    is_book,
    read_page,
    redirect_link,
    template_key,
)

PARTS_DIR = ".dump-parts"
_DONE = "done.json"
_PREFILTER = re.compile(r"infobox", re.I)
# The templates a page transcludes, read cheaply: "{{Infobox novel <!-- x -->\n| ..."
_TEMPLATE_NAME = re.compile(r"\{\{\s*([^{}|\n]*(?:<!--.*?-->[^{}|\n]*)*)", re.S)
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_DUMP_DATE = re.compile(r"-(\d{8})-")


def infobox_names(text: str) -> set[str]:
    """The template keys in `text` that mention an infobox (the pre-filter's second look)."""
    names = set()
    for raw in _TEMPLATE_NAME.findall(text):
        if _PREFILTER.search(raw):
            names.add(template_key(_COMMENT.sub("", raw)))
    return names


# ---------------------------------------------------------------- one partition (a worker)
def _part_dir(out: Path, dump: Path) -> Path:
    return out / PARTS_DIR / dump.name


def _second_dir(part: Path, infoboxes: list[str]) -> Path:
    """Pass 2's results, named by the infobox set they were read with."""
    return part / ("second-" + hashlib.sha1("\n".join(sorted(infoboxes)).encode()).hexdigest()[:12])


def _stamp(dump: Path) -> dict:
    stat = dump.stat()
    return {"file": dump.name, "size": stat.st_size, "mtime": int(stat.st_mtime)}


def _finished(directory: Path, stamp: dict) -> bool:
    try:
        return json.loads((directory / _DONE).read_text(encoding="utf-8")) == stamp
    except (OSError, ValueError):
        return False


def _write_rows(path: Path, rows: Iterable[list]) -> None:
    with atomic_text(path) as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")


def _read_rows(path: Path) -> Iterator[list]:
    if path.is_file():
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                yield json.loads(line)


def _book_row(page: BookPage) -> list:
    return [*page.row(), sorted(page.templates)]


def _book_from_row(row: list) -> BookPage:
    return BookPage(*row[:6], templates=frozenset(row[6]))


@contextmanager
def _staging(final: Path) -> Iterator[Path]:
    """A fresh folder beside `final`, removed again if the partition fails."""
    staging = final.with_name(final.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        yield staging
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _commit_part(staging: Path, final: Path, stamp: dict) -> None:
    (staging / _DONE).write_text(json.dumps(stamp), encoding="utf-8")
    shutil.rmtree(final, ignore_errors=True)
    staging.rename(final)


def scan_partition(dump: Path, out: Path, progress=None) -> dict:
    """Pass 1 over one dump file; returns its counts. Skipped when already done."""
    final, stamp = _part_dir(out, dump), _stamp(dump)
    if _finished(final, stamp):
        return {**json.loads((final / "counts.json").read_text()), "resumed": True}
    with _staging(final) as staging:
        counts = _scan(dump, staging, progress)
        _commit_part(staging, final, stamp)
    return counts


def _scan(dump: Path, staging: Path, progress) -> dict:
    books, deferred, redirects, templates = [], [], [], []
    counts = {"pages": 0, "candidates": 0}
    for page in pages(dump, progress=progress):
        counts["pages"] += 1
        if page.namespace == TEMPLATE_NAMESPACE and page.is_redirect:
            link = redirect_link(page.text)
            if link is not None:
                templates.append([template_key(page.title), template_key(link.target)])
        elif page.namespace != MAIN_NAMESPACE:
            continue
        elif page.is_redirect:
            target = alias_target(page.text)
            if target is not None:
                redirects.append([page.title, target])
        elif _PREFILTER.search(page.text):
            names = infobox_names(page.text)
            if not names:
                continue
            counts["candidates"] += 1
            if names == {BOOK_INFOBOX}:
                book = read_page(page.title, page.namespace, page.text, page.timestamp, names)
                if book is not None:
                    books.append(_book_row(book))
            else:
                deferred.append([page.stream_offset, page.title, sorted(names)])
    _write_rows(staging / "books.ndjson", books)
    _write_rows(staging / "deferred.ndjson", deferred)
    _write_rows(staging / "redirects.ndjson", redirects)
    _write_rows(staging / "templates.ndjson", templates)
    counts.update(parsed=len(books), deferred=len(deferred), redirects=len(redirects),
                  template_redirects=len(templates))
    (staging / "counts.json").write_text(json.dumps(counts), encoding="utf-8")
    return counts


def reread_partition(dump: Path, out: Path, infoboxes: list[str], progress=None) -> int:
    """Pass 2 over one dump file: parse the set-aside pages that use one of `infoboxes`."""
    part = _part_dir(out, dump)
    infobox_set = frozenset(infoboxes)
    wanted: dict[int, set[str]] = {}
    for offset, title, names in _read_rows(part / "deferred.ndjson"):
        if infobox_set.intersection(names):
            wanted.setdefault(offset, set()).add(title)
    final = _second_dir(part, infoboxes)
    stamp = {**_stamp(dump), "infoboxes": final.name}
    if _finished(final, stamp):
        return sum(1 for _ in _read_rows(final / "books.ndjson"))
    books = []
    for offset in sorted(wanted):
        titles = wanted[offset]
        # One stream of a multistream dump; the whole file when it is a single stream.
        for page in pages(dump, start=offset, max_streams=1, progress=progress):
            if page.title in titles:
                book = read_page(page.title, page.namespace, page.text, page.timestamp,
                                 infobox_set)
                if book is not None:
                    books.append(_book_row(book))
    with _staging(final) as staging:
        _write_rows(staging / "books.ndjson", books)
        _commit_part(staging, final, stamp)
    return len(books)


# ---------------------------------------------------------------- all partitions
def _progress_sink(queue):
    return (lambda n: queue.put(n)) if queue is not None else None


def _scan_job(dump: str, out: str, queue) -> dict:
    return scan_partition(Path(dump), Path(out), _progress_sink(queue))


def _reread_job(dump: str, out: str, infoboxes: list[str], queue) -> int:
    return reread_partition(Path(dump), Path(out), infoboxes, _progress_sink(queue))


def _run_parallel(jobs: list[tuple], workers: int, bar, label: str) -> list:
    """Run (function, *args) jobs in worker processes, feeding the bar from their queue."""
    with multiprocessing.Manager() as manager:
        queue = None if bar.disable else manager.Queue()  # workers report bytes read
        with ProcessPoolExecutor(max_workers=max(1, workers)) as pool:
            futures = [pool.submit(fn, *args, queue) for fn, *args in jobs]
            pending = set(futures)
            while pending:
                _, pending = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
                while queue is not None and not queue.empty():
                    bar.update(queue.get())
            results = []
            for future, (_, dump, *_rest) in zip(futures, jobs, strict=True):
                try:
                    results.append(future.result())
                except DumpError:
                    raise
                except Exception as exc:  # noqa: BLE001 - one clear line per failed partition
                    raise DumpError(f"{label} of {Path(dump).name} failed: "
                                    f"{exc.__class__.__name__}: {exc}") from exc
            return results


def fetch_from_dumps(dumps: list[Path], out: Path, workers: int = 1, progress: bool = True,
                     log: Callable[[str], None] = print) -> dict:
    """Read the dump files into `out` (books.ndjson, aliases.tsv, manifest.json)."""
    dumps = [Path(d) for d in dumps]
    for dump in dumps:
        if not dump.is_file():
            raise DumpError(f"{dump}: no such dump file")
    out = Path(out)
    with _bytes_bar(sum(d.stat().st_size for d in dumps), "reading dump", progress) as bar:
        counts = _run_parallel([(_scan_job, str(d), str(out)) for d in dumps], workers, bar,
                               "reading")
    redirects = {}
    for dump in dumps:
        redirects.update(dict(_read_rows(_part_dir(out, dump) / "templates.ndjson")))
    infoboxes = sorted(book_templates(redirects))
    log(f"book infobox templates: {', '.join(infoboxes)}")
    rereads = [(_reread_job, str(d), str(out), infoboxes) for d in dumps]
    with _bytes_bar(None, "second look", progress) as bar:
        second = _run_parallel(rereads, workers, bar, "second look")
    dabs = disambiguation_templates(redirects)
    books = [b for b in _books(dumps, out, infoboxes) if is_book(b, dabs)]
    aliases = book_aliases(((a, t) for d in dumps
                            for a, t in _read_rows(_part_dir(out, d) / "redirects.ndjson")),
                           (b.title for b in books))
    dates = sorted({m.group(1) for d in dumps if (m := _DUMP_DATE.search(d.name))})
    manifest = {"source": "dump", "files": [d.name for d in dumps],
                "dump_date": dates[0] if len(dates) == 1 else dates,
                "fetched": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                "book_infoboxes": infoboxes,
                "counts": {"pages_read": sum(c["pages"] for c in counts),
                           "candidates": sum(c["candidates"] for c in counts),
                           "second_look_books": sum(second),
                           "partitions_resumed": sum(bool(c.get("resumed")) for c in counts)}}
    return write_fetched(out, books, aliases, manifest)


def _books(dumps: list[Path], out: Path, infoboxes: list[str]) -> Iterator[BookPage]:
    for dump in dumps:
        part = _part_dir(out, dump)
        for path in (part / "books.ndjson", _second_dir(part, infoboxes) / "books.ndjson"):
            for row in _read_rows(path):
                yield _book_from_row(row)


def _bytes_bar(total, desc: str, enabled: bool):
    return progress_bar(total, desc, "B", enabled, unit_scale=True, unit_divisor=1024)
