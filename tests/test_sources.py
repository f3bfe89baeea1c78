"""Each source on small files in the article's formats: bad lines are counted, never fatal."""

import json
from collections import Counter

import pytest

from engine.build.sources import read_article_ndjson, read_book_info
from tests.fixtures import write_book_info, write_ndjson


def test_article_ndjson_reads_books_and_counts_malformed_lines(tmp_path):
    rows = [["Dune (novel)", {"author": "Frank Herbert", "release_date": "August 1965"},
             ["Frank Herbert", "Arrakis", "Wikipedia:Citation needed"], [], "2018", 100],
            ["Wikipedia:Featured articles", {}, ["Dune (novel)"], [], "2018", 10]]
    path = write_ndjson(tmp_path / "books.ndjson", rows, extra_lines=[
        "{not json", '["only a title"]', '[42, {}, [], [], "", 0]', "", '["T", {}, "x", [], "", 0]'])
    stats = Counter()
    books = list(read_article_ndjson(path, stats))
    assert [b.title for b in books] == ["Dune (novel)"]
    assert books[0].links == ["Frank Herbert", "Arrakis"]
    assert books[0].info == {"author": "Frank Herbert", "year": "1965"}
    assert stats["malformed_lines"] == 4
    assert stats["non_article_titles"] == 1 and stats["wikipedia_links_dropped"] == 1


def test_article_ndjson_survives_bad_bytes_and_odd_infobox(tmp_path):
    path = tmp_path / "b.ndjson"
    good = json.dumps(["Emma  (novel)", "not a dict", ["Jane Austen"], [], "", 1])
    path.write_bytes(b"\xff\xfe garbage\n" + good.encode() + b"\n")
    stats = Counter()
    books = list(read_article_ndjson(path, stats))
    assert [(b.title, b.links, b.info) for b in books] == [("Emma (novel)", ["Jane Austen"], {})]
    assert stats["malformed_lines"] == 1


def test_book_info_links_each_infobox_value_and_cleans_titles(tmp_path):
    path = write_book_info(tmp_path / "info.tsv")
    stats = Counter()
    books = {b.title: b for b in read_book_info(path, stats)}
    assert set(books) == {"Nightmares & Dreamscapes", "It (novel)", "The Hobbit"}
    nightmares = books["Nightmares & Dreamscapes"]
    assert nightmares.links == ["stephen king", "horror", "science fiction", "united states", "viking"]
    assert nightmares.info["author"] == "stephen king"
    assert "english" in books["It (novel)"].links  # language is a link too
    assert stats["book_info_books"] == 3


def test_book_info_realigns_rows_with_stray_tabs_and_skips_blank_titles(tmp_path):
    path = write_book_info(tmp_path / "info.tsv", rows=[
        ("Odd", "someone", "drama", "1", "extra", "english", "france", "gallimard"),
        ("Short", "author only"),
        ("", "nobody", "", "", "", "", ""),
    ])
    stats = Counter()
    books = {b.title: b for b in read_book_info(path, stats)}
    assert books["Odd"].links == ["someone", "drama", "france", "gallimard", "english"]
    assert books["Short"].links == ["author only"]
    assert stats["realigned_rows"] == 2 and stats["malformed_lines"] == 1


def test_book_info_without_its_header_is_refused(tmp_path):
    path = tmp_path / "info.tsv"
    path.write_text("Dune\tfrank herbert\n", encoding="utf-8")
    with pytest.raises(ValueError, match="header"):
        list(read_book_info(path))


def test_the_infobox_series_is_kept_clean_from_the_source_to_the_catalog(tmp_path):
    """One series field from the article onward: picks, `info` and the evaluation's series
    groups all read `meta["series"]`."""
    from engine.build.catalog import build_catalog

    rows = [["Alex Cross's Trial", {"author": "James Patterson", "series": "Alex Cross < br / >"},
             ["James Patterson"], [], "2018", 100],
            ["Kiss the Girls", {"author": "James Patterson", "series": "Alex Cross"},
             ["James Patterson"], [], "2018", 100]]
    books = list(read_article_ndjson(write_ndjson(tmp_path / "b.ndjson", rows)))
    assert [b.info["series"] for b in books] == ["Alex Cross", "Alex Cross"]
    catalog = build_catalog(books, min_link_count=1)
    assert [m["series"] for m in catalog.meta] == ["Alex Cross", "Alex Cross"]
