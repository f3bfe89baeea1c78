"""A Goodreads library export, written here in the real export format, imported for real."""

import csv
import io

import pytest

from bot import answers as a
from bot.goodreads import ExportFormatError, decode, parse_export

# The header of goodreads_library_export.csv, exactly as Goodreads writes it.
HEADER = ["Book Id", "Title", "Author", "Author l-f", "Additional Authors", "ISBN", "ISBN13",
          "My Rating", "Average Rating", "Publisher", "Binding", "Number of Pages",
          "Year Published", "Original Publication Year", "Date Read", "Date Added",
          "Bookshelves", "Bookshelves with positions", "Exclusive Shelf", "My Review",
          "Spoiler", "Private Notes", "Read Count", "Owned Copies"]


def row(book_id, title, author, rating, date_read, shelf, isbn="0618260307"):
    last = author.split()[-1]
    first = " ".join(author.split()[:-1])
    return [book_id, title, author, f"{last}, {first}", "", f'="{isbn}"', f'="978{isbn}"',
            str(rating), "4.28", "Houghton Mifflin", "Paperback", "366", "2002", "1937",
            date_read, "2020/01/02", "" if shelf == "read" else shelf,
            "" if shelf == "read" else f"{shelf} (#3)", shelf, "", "", "",
            "1" if shelf == "read" else "0", "0"]


def export_text(rows) -> str:
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows(rows)
    return out.getvalue()


ROWS = [
    row(5907, "The Hobbit", "J.R.R. Tolkien", 5, "2019/03/14", "read"),
    row(34, "The Fellowship of the Ring (The Lord of the Rings, #1)", "J.R.R. Tolkien", 4,
        "2019/04/01", "read"),
    row(77, "Bully for Brontosaurus: Reflections in Natural History", "Stephen Jay Gould", 0,
        "", "read"),
    row(656, "War and Peace", "Leo Tolstoy", 2, "2018/12/24", "read"),
    row(54493401, "Project Hail Mary", "Andy Weir", 5, "2021/07/01", "read"),
    row(2, "The Idiot", "Elif Batuman", 3, "2017/05/05", "read"),  # same title, another book
    row(7624, "Anna Karenina", "Leo Tolstoy", 0, "", "to-read"),
    row(11, "The Two Towers (The Lord of the Rings, #2)", "J.R.R. Tolkien", 0, "",
        "currently-reading"),
]


async def test_read_rows_import_and_unmatched_are_reported(service):
    data = export_text(ROWS).encode("utf-8-sig")  # Goodreads files may start with a BOM
    summary = await service.import_goodreads("u", data)
    assert isinstance(summary, a.ImportSummary)
    assert dict(summary.matched) == {
        "The Hobbit": "The Hobbit",
        "The Fellowship of the Ring (The Lord of the Rings, #1)": "The Fellowship of the Ring",
        "Bully for Brontosaurus: Reflections in Natural History": "Bully for Brontosaurus",
        "War and Peace": "War and Peace",
    }
    assert sorted(summary.unmatched) == ["Project Hail Mary", "The Idiot"]
    assert summary.not_read == 2 and (summary.added, summary.updated) == (4, 0)
    shelf = {r.title: r for r in await service.store.shelf("u")}
    assert shelf["The Hobbit"].rating == 5 and shelf["Bully for Brontosaurus"].rating is None
    assert shelf["The Hobbit"].read_at.date().isoformat() == "2019-03-14"
    assert shelf["War and Peace"].source == "goodreads"
    assert "Anna Karenina" not in shelf and "The Two Towers" not in shelf

    again = await service.import_goodreads("u", data)  # importing twice updates, never duplicates
    assert (again.added, again.updated) == (0, 4) and await service.store.count("u") == 4


async def test_export_imports_back_unchanged(service):
    await service.read("u", "The Hobbit 5")
    await service.read("u", "Crime and Punishment")
    export = await service.export("u")
    assert export.count == 2 and export.csv_text.startswith("Title,Author,My Rating")
    summary = await service.import_goodreads("v", export.csv_text.encode())
    assert not summary.unmatched and len(summary.matched) == 2
    ratings = {r.title: r.rating for r in await service.store.shelf("v")}
    assert ratings == {"The Hobbit": 5, "Crime and Punishment": None}


@pytest.mark.parametrize("data, message", [
    (b"", "missing column"),
    (b"Name,Stars\nThe Hobbit,5\n", "missing columns: Title, Exclusive Shelf"),
    (b"\x00\x01\x02\x03" * 100, "binary"),
    (b"Title,Exclusive Shelf\n\"unclosed,read\n" + b"x" * 200_000, "not valid CSV"),
])
async def test_files_that_are_not_exports_are_refused(service, data, message):
    answer = await service.import_goodreads("u", data)
    assert isinstance(answer, a.Problem) and message in answer.message
    assert await service.store.count("u") == 0


def test_oversized_file_is_refused_before_parsing():
    with pytest.raises(ExportFormatError, match="larger than"):
        decode(b"x" * 6_000_000)


def test_parse_keeps_only_what_it_needs():
    rows, cut = parse_export(export_text(ROWS))
    assert not cut and len(rows) == len(ROWS)
    fellowship = rows[1]
    assert fellowship.title_without_series == "The Fellowship of the Ring"
    assert rows[2].rating is None and rows[2].date_read is not None  # falls back on Date Added
    assert [r.is_read for r in rows].count(True) == 6
