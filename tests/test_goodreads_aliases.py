"""Goodreads' own names of catalog books (engine/build/goodreads_aliases.py): written here in the
goodbooks-10k books.csv format, and read from the shared copy where it is present."""

from __future__ import annotations

import csv

import pytest

from engine import settings
from engine.build.goodreads_aliases import goodreads_names

CATALOG = [
    ("Harry Potter and the Philosopher's Stone", "J. K. Rowling"),
    ("Harry Potter and the Chamber of Secrets", "J. K. Rowling"),
    ("Northern Lights (novel)", "Philip Pullman"),
    ("The Subtle Knife", "Philip Pullman"),
    ("Dune Messiah", "Frank Herbert"),
    ("Chapterhouse: Dune", "Frank Herbert"),
    ("Frankenstein's Aunt", "Allan Rune Pettersson"),
    ("The Dark Tower II: The Drawing of the Three", "Stephen King"),
    ("The Dark Tower VII: The Dark Tower", "Stephen King"),
    ("Adventures of Huckleberry Finn", "Mark Twain"),
    ("The Idiot", "Fyodor Dostoyevsky"),
]

# (title, original_title, authors) as goodbooks-10k has them.
ROWS = [
    ("Harry Potter and the Sorcerer's Stone (Harry Potter, #1)",
     "Harry Potter and the Philosopher's Stone", "J.K. Rowling, Mary GrandPré"),
    ("Harry Potter and the Chamber of Secrets (Harry Potter, #2)",
     "Harry Potter and the Chamber of Secrets", "J.K. Rowling, Mary GrandPré"),
    ("The Golden Compass (His Dark Materials, #1)", "Northern Lights", "Philip Pullman"),
    ("The Subtle Knife (His Dark Materials, #2)", "The Subtle Knife", "Philip Pullman"),
    ("Dune (Dune Chronicles #1)", "Dune", "Frank Herbert"),
    ("Frankenstein", "Frankenstein; or, The Modern Prometheus", "Mary Wollstonecraft Shelley"),
    ("The Drawing of the Three (The Dark Tower, #2)", "The Drawing of the Three", "Stephen King"),
    ("The Dark Tower (The Dark Tower, #7)", "The Dark Tower", "Stephen King"),
    ("The Adventures of Huckleberry Finn", "The Adventures of Huckleberry Finn", "Mark Twain"),
    ("The Idiot", "The Idiot", "Elif Batuman"),  # same title, another writer
]


@pytest.fixture(scope="module")
def names(tmp_path_factory):
    path = tmp_path_factory.mktemp("goodbooks") / "books.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["book_id", "authors", "original_title", "title"])
        for i, (title, original, authors) in enumerate(ROWS, 1):
            writer.writerow([i, authors, original, title])
    return goodreads_names(path, [t for t, _ in CATALOG], [{"author": a} for _, a in CATALOG])


def test_a_rows_other_titles_name_its_catalog_book(names):
    assert names.aliases["Harry Potter and the Sorcerer's Stone"] == \
        "Harry Potter and the Philosopher's Stone"
    assert names.aliases["The Golden Compass"] == "Northern Lights (novel)"
    # A subtitle under the series' own name names its book.
    assert names.aliases["The Drawing of the Three"] == "The Dark Tower II: The Drawing of the Three"


def test_no_alias_where_the_book_or_the_writer_differs(names):
    assert "Dune" not in names.aliases  # not "Chapterhouse: Dune" nor "Dune Messiah"
    assert "The Idiot" not in names.aliases
    assert "The Dark Tower" not in names.aliases  # the series' name as much as book 7's
    assert not any(t.startswith("Frankenstein") for t in names.aliases.values())


def test_series_notes_list_the_series_books_in_order(names):
    assert names.series["Harry Potter"] == ["Harry Potter and the Philosopher's Stone",
                                            "Harry Potter and the Chamber of Secrets"]
    assert names.series["His Dark Materials"] == ["Northern Lights (novel)", "The Subtle Knife"]
    assert "Dune Chronicles" not in names.series  # one book is no choice


def test_unmatched_rows_are_other_works_and_matched_ones_well_read(names):
    assert {"Dune", "Frankenstein"} <= set(names.other_works)
    assert "The Adventures of Huckleberry Finn" not in names.other_works  # the article differs
    assert "Adventures of Huckleberry Finn" in names.well_read
    assert "The Idiot" not in names.well_read


@pytest.mark.shared_data
@pytest.mark.skipif(not settings.SHARED_GOODBOOKS_CSV.is_file(),
                    reason=f"needs {settings.SHARED_GOODBOOKS_CSV} (present in CI)")
def test_the_shared_list_names_the_famous_cases_right():
    from engine.quality.title_sets import real_names

    names = real_names()
    assert names.aliases["Harry Potter and the Sorcerer's Stone"] == \
        "Harry Potter and the Philosopher's Stone"
    assert names.aliases["1984"] == "Nineteen Eighty-Four"
    assert names.aliases["The Hobbit or There and Back Again"] == "The Hobbit"
    for missing in ("Frankenstein", "Dune", "The Handmaid's Tale", "Hamlet"):
        assert missing not in names.aliases and missing in names.other_works, missing
    assert "The Borrowers" not in names.aliases  # the series' name, not "The Borrowers Afield"
    assert len(names.series["Harry Potter"]) == 7 and len(names.series["Discworld"]) > 20
    assert len(names.aliases) > 500


@pytest.mark.parametrize("names, message", [
    ({"series": {"S": ["A Book Not Here"]}, "other_works": [], "well_read": []}, "stale"),
    ({"series": {}, "other_works": [], "well_read": ["A Book Not Here"]}, "stale"),
    ({"series": [], "other_works": {}}, "not a series table"),
    ("[", "unreadable"),
])
def test_a_stale_or_broken_title_names_file_is_refused(tiny_model_dir, tmp_path, names, message):
    import json
    import shutil

    from engine.errors import ModelDirError
    from engine.model_dir import TITLE_NAMES, open_model, rewrite_manifest

    copy = tmp_path / "model"
    shutil.copytree(tiny_model_dir, copy)
    text = names if isinstance(names, str) else json.dumps(names)
    (copy / TITLE_NAMES).write_text(text, encoding="utf-8")
    rewrite_manifest(copy, open_model(tiny_model_dir).manifest)
    with pytest.raises(ModelDirError, match=message):
        open_model(copy)
