"""Reading a Goodreads library export ("goodreads_library_export.csv") into plain rows.

Only parsing lives here; matching rows to catalog books is the service's job. The export has the
columns Book Id, Title, Author, ..., My Rating, ..., Date Read, Date Added, Bookshelves, ...,
Exclusive Shelf, ...; "My Rating" 0 means unrated and dates look like 2019/03/14.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass

from engine.errors import WikishelfError

MAX_BYTES = 5_000_000  # a 10,000-book export is about 3 MB
MAX_ROWS = 10_000
REQUIRED = ("Title", "Exclusive Shelf")
_SERIES = re.compile(r"\s*\([^()]*#\s*[\d.\-]+[^()]*\)\s*$")  # "Foundation (Foundation, #1)"
_DATE_FORMATS = ("%Y/%m/%d", "%Y-%m-%d", "%m/%d/%Y", "%Y/%m", "%Y")


class ExportFormatError(WikishelfError):
    """The file is not a Goodreads library export we can read."""


@dataclass(frozen=True)
class GoodreadsRow:
    title: str
    author: str
    rating: int | None
    date_read: dt.datetime | None
    shelf: str

    @property
    def is_read(self) -> bool:
        return self.shelf == "read"

    @property
    def title_without_series(self) -> str:
        return _SERIES.sub("", self.title).strip() or self.title


def decode(data: bytes) -> str:
    if len(data) > MAX_BYTES:
        raise ExportFormatError(f"the file is larger than {MAX_BYTES // 1_000_000} MB")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ExportFormatError("the file is not text (UTF-8)")


def parse_rating(raw: str) -> int | None:
    """'4' -> 4; '0', '' and anything odd -> None (Goodreads writes 0 for unrated)."""
    raw = (raw or "").strip()
    if not raw.isdigit() or len(raw) > 1:
        return None
    value = int(raw)
    return value if 1 <= value <= 5 else None


def parse_date(raw: str) -> dt.datetime | None:
    raw = (raw or "").strip()
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(raw, fmt).replace(tzinfo=dt.UTC)
        except ValueError:
            continue
    return None


def parse_export(text: str) -> tuple[list[GoodreadsRow], bool]:
    """The rows of an export (capped at MAX_ROWS) and whether rows were cut off."""
    if "\x00" in text:
        raise ExportFormatError("the file contains binary data, not CSV")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        header = [h.strip() for h in (reader.fieldnames or [])]
    except csv.Error as exc:
        raise ExportFormatError(f"the file is not valid CSV ({exc})") from None
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        plural = "s" if len(missing) > 1 else ""
        raise ExportFormatError("this does not look like a Goodreads library export "
                                f"(missing column{plural}: {', '.join(missing)})")
    reader.fieldnames = header
    rows: list[GoodreadsRow] = []
    try:
        for record in reader:
            if len(rows) == MAX_ROWS:
                return rows, True
            title = _unquote_cell(" ".join(str(record.get("Title") or "").split()))
            if not title:
                continue
            rows.append(GoodreadsRow(
                title=title[:300],
                author=" ".join(str(record.get("Author") or "").split())[:200],
                rating=parse_rating(str(record.get("My Rating") or "")),
                date_read=parse_date(str(record.get("Date Read") or ""))
                or parse_date(str(record.get("Date Added") or "")),
                shelf=str(record.get("Exclusive Shelf") or "").strip().lower(),
            ))
    except csv.Error as exc:
        raise ExportFormatError(f"the file is not valid CSV ({exc})") from None
    return rows, False


EXPORT_COLUMNS = ("Title", "Author", "My Rating", "Date Read", "Exclusive Shelf", "Wikipedia URL")


NOT_FOR_ME_SHELF = "not-for-me"  # books the user dismissed from their picks


def write_export(rows: list[tuple[str, str, int | None, dt.datetime, str]],
                 not_for_me: list[tuple[str, str, str]] = ()) -> str:
    """A CSV in the same columns Goodreads uses, so an export can be imported again.
    rows: (title, author, rating, read_at, url) of reads; not_for_me: (title, author, url) of
    dismissed books, on their own shelf (an import marks them "not for me" again)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(EXPORT_COLUMNS)
    for title, author, rating, read_at, url in rows:
        writer.writerow([_spreadsheet_safe(title), _spreadsheet_safe(author), rating or 0,
                         read_at.strftime("%Y/%m/%d"), "read", url])
    for title, author, url in not_for_me:
        writer.writerow([_spreadsheet_safe(title), _spreadsheet_safe(author), 0, "",
                         NOT_FOR_ME_SHELF, url])
    return out.getvalue()


def _unquote_cell(text: str) -> str:
    return text[1:] if text[:1] == "'" and text[1:2] in ("=", "+", "-", "@") else text


def _spreadsheet_safe(text: str) -> str:
    # A cell starting with = + - @ runs as a formula in spreadsheets; a leading quote disarms it.
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text
