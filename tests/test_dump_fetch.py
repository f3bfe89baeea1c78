"""The dump path: a bz2 multistream dump in the export schema -> books.ndjson, aliases.tsv, manifest."""

import bz2
import json

import pytest

from engine.build import dump_fetch
from engine.build.cli import fetch_wikipedia_main
from engine.build.dump_reader import pages
from engine.build.fetched import ALIASES_FILE, BOOKS_FILE, MANIFEST_FILE
from tests.fixtures import CLUSTERS
from tests.wiki_pages import all_pages, write_dump, write_partitions

BOOK_TITLES = sorted(t for c in CLUSTERS.values() for t in c["books"])
ALIASES = {"Hobbit": "The Hobbit", "There and Back Again": "The Hobbit",
           "War & Peace": "War and Peace"}


def read_out(out):
    rows = [json.loads(line) for line in (out / BOOKS_FILE).read_text(encoding="utf-8").splitlines()]
    aliases = dict(line.split("\t") for line in (out / ALIASES_FILE).read_text().splitlines())
    return rows, aliases, json.loads((out / MANIFEST_FILE).read_text())


@pytest.fixture(scope="module")
def partitions(tmp_path_factory):
    return write_partitions(tmp_path_factory.mktemp("dumps"))


def test_the_reader_walks_every_stream_of_a_multistream_file(tmp_path):
    dump = write_dump(tmp_path / "d.xml.bz2", per_stream=3)
    read = list(pages(dump))
    assert [p.title for p in read] == [p.title for p in all_pages()]
    offsets = sorted({p.stream_offset for p in read})
    assert len(offsets) == -(-len(all_pages()) // 3)  # one offset a stream of three pages
    again = list(pages(dump, start=offsets[2], max_streams=1))  # seek straight to one stream
    assert [p.title for p in again] == [p.title for p in all_pages()[6:9]]


def test_partitions_in_parallel_give_the_books_aliases_and_manifest(partitions, tmp_path):
    manifest = dump_fetch.fetch_from_dumps(partitions, tmp_path, workers=2, progress=False,
                                           log=lambda *a: None)
    rows, aliases, written = read_out(tmp_path)
    assert [r[0] for r in rows] == BOOK_TITLES  # no film, draft, talk page or disambiguation
    assert aliases == ALIASES  # the section and character redirects are no aliases
    assert written == manifest and manifest["source"] == "dump"
    assert manifest["dump_date"] == "20240501"
    assert manifest["book_infoboxes"] == ["Infobox book", "Infobox novel"]  # read from the dump
    assert manifest["counts"]["books"] == 24 and manifest["counts"]["aliases"] == 3
    hobbit = next(r for r in rows if r[0] == "The Hobbit")
    assert len(hobbit) == 6 and hobbit[4] == "2024-05-01T12:00:00Z"
    assert hobbit[1]["author"] == "J. R. R. Tolkien" and "Category:Middle-earth books" in hobbit[2]
    assert not any(link.startswith(("File:", "fr:", "wikt:")) for r in rows for link in r[2])


def test_one_worker_and_one_whole_file_give_the_same_output(partitions, tmp_path):
    dump_fetch.fetch_from_dumps(partitions, tmp_path / "two", workers=2, progress=False,
                                log=lambda *a: None)
    single = write_dump(tmp_path / "enwiki-20240501-pages-articles-multistream.xml.bz2")
    dump_fetch.fetch_from_dumps([single], tmp_path / "one", workers=1, progress=False,
                                log=lambda *a: None)
    assert read_out(tmp_path / "one")[:2] == read_out(tmp_path / "two")[:2]


def test_a_rerun_resumes_finished_partitions(partitions, tmp_path, monkeypatch):
    dump_fetch.fetch_from_dumps(partitions, tmp_path, workers=1, progress=False, log=lambda *a: None)
    before = read_out(tmp_path)[:2]
    manifest = dump_fetch.fetch_from_dumps(partitions, tmp_path, workers=1, progress=False,
                                           log=lambda *a: None)
    assert manifest["counts"]["partitions_resumed"] == 2
    assert read_out(tmp_path)[:2] == before


def truncated(tmp_path):
    dump = write_dump(tmp_path / "whole.xml.bz2")
    cut = tmp_path / "cut.xml.bz2"
    cut.write_bytes(dump.read_bytes()[: dump.stat().st_size * 2 // 3])
    return cut


@pytest.mark.parametrize("make_bad, message", [
    (truncated, "truncated"),
    (lambda p: (p / "text.bz2").write_bytes(b"this is no dump") and p / "text.bz2", "not a bz2 dump"),
    (lambda p: (p / "html.bz2").write_bytes(bz2.compress(b"<html><body>503</body>")) and p / "html.bz2",
     "cut short"),
])
def test_a_bad_dump_gives_one_clear_message_and_writes_nothing(tmp_path, capsys, make_bad, message):
    bad = make_bad(tmp_path)
    out = tmp_path / "out"
    assert fetch_wikipedia_main(["--dump", str(bad), "--out", str(out), "--quiet"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err and bad.name in err
    assert not (out / BOOKS_FILE).exists() and not (out / MANIFEST_FILE).exists()
    assert not list(out.rglob("*.partial")) and not list(out.rglob("*.tmp"))


def test_a_failed_partition_leaves_the_others_to_resume(partitions, tmp_path, capsys):
    bad = truncated(tmp_path)
    out = tmp_path / "out"
    args = ["--dump", str(partitions[0]), str(bad), "--out", str(out), "--quiet", "--workers", "1"]
    assert fetch_wikipedia_main(args) == 1
    assert not (out / BOOKS_FILE).exists()
    assert (out / dump_fetch.PARTS_DIR / partitions[0].name / "done.json").is_file()
    # The partition that failed is replaced by a good file: only it is read again.
    assert fetch_wikipedia_main([*args[:2], str(partitions[1]), *args[3:]]) == 0
    manifest = read_out(out)[2]
    assert manifest["counts"]["partitions_resumed"] == 1 and manifest["counts"]["books"] == 24
    assert "Build with: python scripts/build_model.py --data" in capsys.readouterr().out


def test_the_prefilter_catches_any_infobox_spelling():
    text = "{{Infobox_Novel <!-- x -->\n| name = A}} {{infobox book series|x}} {{Cite book|t=y}}"
    assert dump_fetch.infobox_names(text) == {"Infobox Novel", "Infobox book series"}
