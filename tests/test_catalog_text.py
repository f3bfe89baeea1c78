"""The catalog's text as a reader sees it: the sweep that finds residues, the 2018 files built into
a catalog with none, and author names cased from the data's own cased text."""

from __future__ import annotations

import pytest

from engine import settings
from engine.build.catalog import build_catalog, catalog_from_data_dir
from engine.build.sources import read_article_ndjson, read_book_info
from engine.quality.catalog_text import compare, main, sweep
from tests.conftest import requires_shared_data
from tests.fixtures import write_book_info, write_ndjson


@pytest.mark.parametrize("field, value, kind", [
    ("author", "C. & Nbsp;s. Lewis", "nbsp"), ("genre", "poetry & amp; essay", "entity"),
    ("country", "Germany -- >", "comment"), ("genre", "science fiction [", "markup"),
    ("author", "Diane Duane http://x.org", "address"), ("genre", "fantasy, p. 9.", "citation"),
    ("country", "Germany, per the template docs", "template_doc"),
    ("title", "Draft:Blood on Snow", "non_article"), ("page", "image:speaker icon.svg", "non_article"),
])
def test_the_sweep_finds_each_kind_of_residue(field, value, kind):
    titles, meta, pages = ["A Book"], [{"author": "Ann Author"}], ["category:novels", "worldcat"]
    assert sweep(titles, meta, pages).total == 0
    if field == "title":
        titles = [value]
    elif field == "page":
        pages = [*pages, value]
    else:
        meta = [{**meta[0], field: value}]
    found = sweep(titles, meta, pages)
    assert (kind, field) in found.counts


def test_compare_counts_dropped_books_and_recased_authors():
    before = (["Draft:X", "Atonement", "Dune"], [{"author": "A"}, {"author": "Ian Mcewan"},
                                                  {"author": "Frank Herbert Http://x"}])
    after = (["Atonement", "Dune"], [{"author": "Ian McEwan"}, {"author": "Frank Herbert"}])
    change = compare(before, after)
    assert change.books_dropped == ["Draft:X"]
    assert change.authors_recased == [("Ian Mcewan", "Ian McEwan")]
    assert change.authors_changed == [("Frank Herbert Http://x", "Frank Herbert")]


def test_lowercased_names_take_the_case_the_article_file_gives_them(tmp_path):
    """The article file's links hold 'Ian McEwan' and 'Honoré de Balzac' as they are cased; the
    infobox table's lowercased authors take those forms, and the rules do the rest."""
    ndjson = write_ndjson(tmp_path / "p.ndjson", [
        ["On Chesil Beach", {"author": "Ian McEwan"}, ["Ian McEwan", "Honoré de Balzac"], [], "", 1]])
    info = write_book_info(tmp_path / "info.tsv", [
        ("Atonement (novel)", "ian mcewan", "novel", "", "", "united kingdom", ""),
        ("Père Goriot", "honoré de balzac", "novel", "", "", "france", ""),
        ("Blood Meridian", "cormac mccarthy", "western", "", "", "usa", ""),
        ("Draft:Blood on Snow", "jo nesbø", "crime", "", "", "norway", ""),
        ("The Screwtape Letters", "c. & nbsp;s. lewis", "satire & amp; theology", "", "", "", "")])
    records = [*read_article_ndjson(ndjson), *read_book_info(info)]
    catalog = build_catalog(records, min_link_count=1)
    authors = {t: m.get("author") for t, m in zip(catalog.books, catalog.meta, strict=True)}
    assert authors == {"Atonement (novel)": "Ian McEwan", "Père Goriot": "Honoré de Balzac",
                       "Blood Meridian": "Cormac McCarthy", "On Chesil Beach": "Ian McEwan",
                       "The Screwtape Letters": "C. S. Lewis"}
    assert "satire & theology" in catalog.pages and "c. s. lewis" in catalog.pages
    assert sweep(catalog.books, catalog.meta, catalog.pages).total == 0


@requires_shared_data
def test_the_real_catalog_has_no_residue_in_any_field(capsys):
    catalog = catalog_from_data_dir(settings.SHARED_WIKIPEDIA_DIR)
    found = sweep(catalog.books, catalog.meta, catalog.pages)
    assert found.total == 0, {k: found.examples[k] for k in found.counts}
    assert catalog.stats["non_article_titles:draft"] > 0  # the 2018 table holds drafts
    shown = {t: m for t, m in zip(catalog.books, catalog.meta, strict=True)}
    assert shown["Atonement (novel)"]["author"] == "Ian McEwan"
    assert shown["The Screwtape Letters"]["author"] == "C. S. Lewis"
    assert shown["Père Goriot"]["author"] == "Honoré de Balzac"
    # The command prints the same figures.
    assert main(["--data", str(settings.SHARED_WIKIPEDIA_DIR)]) == 0
    assert "0 values with residue" in capsys.readouterr().out
