"""Titles as readers type them, through the service on the real model built from the shared data
(Goodreads' names included): `read`, `similar` and the Goodreads import resolve alike."""

import pytest

from bot import answers as a
from bot.service import ShelfService
from bot.store import Store
from engine.model_dir import open_model
from tests.test_goodreads_import import export_text, row

SORCERER = "Harry Potter and the Sorcerer's Stone"
PHILOSOPHER = "Harry Potter and the Philosopher's Stone"


@pytest.fixture
async def reader_service(real, tmp_path):
    store = await Store.open(tmp_path / "shelf.db")
    yield ShelfService(real, store)
    await store.close()


def test_the_build_writes_goodreads_names(shared_model_dir):
    files = open_model(shared_model_dir)
    assert files.aliases[SORCERER] == PHILOSOPHER
    assert PHILOSOPHER in files.named_series["Harry Potter"]
    assert "Frankenstein" in files.other_works and PHILOSOPHER in files.well_read
    assert files.manifest["counts"]["aliases"] == len(files.aliases)


async def test_read_similar_and_import_know_the_other_title(reader_service):
    logged = await reader_service.read("u", f"{SORCERER} 5")
    assert isinstance(logged, a.Logged) and logged.book.title == PHILOSOPHER and logged.rating == 5
    similar = await reader_service.similar("sorcerer's stone", 3)
    assert isinstance(similar, a.SimilarBooks) and similar.book.title == PHILOSOPHER
    data = export_text([row(3, f"{SORCERER} (Harry Potter, #1)", "J.K. Rowling", 4, "2020/01/01",
                            "read", isbn="0439554934"),
                        row(5, "The Hobbit, or There and Back Again", "J.R.R. Tolkien", 5,
                            "2020/02/01", "read")]).encode()
    summary = await reader_service.import_goodreads("v", data)
    assert dict(summary.matched) == {f"{SORCERER} (Harry Potter, #1)": PHILOSOPHER,
                                     "The Hobbit, or There and Back Again": "The Hobbit"}


async def test_next_never_offers_the_book_read_under_its_other_title(reader_service):
    await reader_service.read("u", f"{SORCERER} 5")
    await reader_service.read("u", "chamber of secrets 4")
    picks = await reader_service.next("u", 25)
    assert isinstance(picks, a.Picks)
    shown = {p.book.title for p in picks.items}
    assert PHILOSOPHER not in shown and "Harry Potter and the Chamber of Secrets" not in shown


async def test_a_rating_after_an_ambiguous_title_keeps_the_list_and_the_rating(reader_service):
    answer = await reader_service.read("u", "the martian 4")
    assert isinstance(answer, a.NoMatch) and answer.ambiguous and answer.number == 4
    assert answer.query == "the martian" and "The Martian (Weir novel)" in answer.options
    counted = await reader_service.similar("the martian 7")
    assert isinstance(counted, a.NoMatch) and counted.number == 7
    assert await reader_service.store.count("u") == 0


async def test_a_series_name_lists_its_books_and_logs_nothing(reader_service):
    answer = await reader_service.read("u", "discworld 4")
    assert isinstance(answer, a.NoMatch) and answer.series == "Discworld" and answer.number == 4
    assert "Mort" in answer.options and len(answer.options) <= 25
    potter = await reader_service.similar("harry potter")
    assert isinstance(potter, a.NoMatch) and potter.series == "Harry Potter"
    assert potter.options[0] == PHILOSOPHER and potter.number is None
    assert await reader_service.store.count("u") == 0


@pytest.mark.parametrize("text", ["frankenstein", "dune 5", "the handmaid's tale",
                                  "the lord of the rings 4"])
async def test_books_the_catalog_lacks_are_never_logged(reader_service, text):
    answer = await reader_service.read("u", text)
    assert isinstance(answer, a.NoMatch) and answer.series in (None, "The Lord of the Rings")
    assert await reader_service.store.count("u") == 0
