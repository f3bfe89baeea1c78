"""The service on the tiny model and a real SQLite file: parsing, answers, hostile input."""

import pytest

from bot import answers as a
from bot.service import ShelfService, split_explicit_rating

TOLKIEN = {"The Hobbit", "The Fellowship of the Ring", "The Two Towers", "The Return of the King",
           "The Silmarillion", "Unfinished Tales", "The Children of Húrin", "Beren and Lúthien"}


async def test_similar_finds_the_cluster_and_reads_a_trailing_count(service):
    answer = await service.similar("the two towers", 3)
    assert isinstance(answer, a.SimilarBooks) and answer.book.title == "The Two Towers"
    assert len(answer.items) == 3
    assert {b.title for b, _ in answer.items} <= TOLKIEN
    assert all(b.url.startswith("https://en.wikipedia.org/wiki/") for b, _ in answer.items)
    counted = await service.similar("The Two Towers 4")
    assert counted.book.title == "The Two Towers" and len(counted.items) == 4


async def test_read_logs_the_catalog_book_updates_and_rates(service):
    logged = await service.read("u", "the hobbit 5")
    assert isinstance(logged, a.Logged)
    assert logged.book.title == "The Hobbit" and logged.rating == 5 and logged.previous is None
    again = await service.read("u", "The Hobbit")
    assert again.previous is not None and again.rating == 5  # rating kept
    rerated = await service.read("u", "The Hobbit rating=2")
    assert rerated.rating == 2
    shelf = await service.shelf("u")
    assert shelf.total == 1 and shelf.entries[0].rating == 2


@pytest.mark.parametrize("text, expected", [
    ("The Hobbit rating=4", ("The Hobbit", 4, None)),
    ("The Hobbit, rating: 3", ("The Hobbit", 3, None)),
    ("The Hobbit 4/5", ("The Hobbit", 4, None)),
    ("The Hobbit ★★★", ("The Hobbit", 3, None)),
    ("The Hobbit 2 stars", ("The Hobbit", 2, None)),
    ("The Hobbit", ("The Hobbit", None, None)),
    ("Catch-22", ("Catch-22", None, None)),
])
def test_explicit_rating_forms(text, expected):
    assert split_explicit_rating(text) == expected


@pytest.mark.parametrize("text", ["The Hobbit rating=nan", "The Hobbit rating=4.5",
                                  "The Hobbit rating=-3", "The Hobbit rating=1e9",
                                  "The Hobbit 9/5", "The Hobbit rating=99999999999999999999",
                                  "The Hobbit 7", "The Hobbit rating=٣"])
async def test_bad_ratings_answer_briefly_and_change_nothing(service, text):
    answer = await service.read("u", text)
    assert isinstance(answer, a.Problem) and "1 to 5" in answer.message
    assert await service.store.count("u") == 0


@pytest.mark.parametrize("rating", [0, 6, -1, 10**30, float("nan"), 4.5, True, "x"])
async def test_bad_slash_ratings_are_refused(service, rating):
    assert isinstance(await service.read("u", "The Hobbit", rating), a.Problem)
    assert await service.store.count("u") == 0


async def test_unknown_and_ambiguous_titles_suggest(service):
    missing = await service.read("u", "Zzyzx Qwerty Plumbus")
    assert isinstance(missing, a.NoMatch) and not missing.ambiguous
    near = await service.similar("Brothers Karamazov the idiot poor folk")
    assert isinstance(near, (a.NoMatch, a.SimilarBooks))
    assert await service.store.count("u") == 0


@pytest.mark.parametrize("text", ["", "   ", "\x00\x00", "a" * 5000, "@everyone", "<@123>",
                                  "\u202e\u200b", "'); DROP TABLE reads; --", "💥" * 100])
async def test_hostile_text_never_raises(service, text):
    for answer in (await service.read("u", text), await service.similar(text),
                   await service.info(text), await service.unread("u", text),
                   await service.pages(text), await service.about(text)):
        assert isinstance(answer, a.Answer.__args__)
    assert (await service.shelf("u", text)).total == 0


async def test_next_uses_the_shelf_and_says_why(service):
    assert isinstance(await service.next("u"), a.Problem)  # empty shelf
    await service.read("u", "The Hobbit 5")
    await service.read("u", "The Silmarillion 4")
    picks = await service.next("u", 5)
    assert isinstance(picks, a.Picks) and picks.items
    titles = {p.book.title for p in picks.items}
    assert not titles & {"The Hobbit", "The Silmarillion"}
    assert len(titles & TOLKIEN) >= 2
    assert all(set(p.because) <= {"The Hobbit", "The Silmarillion"} and p.because
               for p in picks.items)


async def test_only_dislikes_give_no_picks_and_say_what_to_do(service):
    await service.read("u", "The Hobbit 1")
    await service.read("u", "The Two Towers 1")
    answer = await service.next("u")
    assert isinstance(answer, a.Problem) and "rated 1 or 2" in answer.message


async def test_a_disliked_cluster_gives_no_picks_beside_a_liked_one(service):
    await service.read("u", "War and Peace 5")
    await service.read("u", "The Hobbit 1")
    await service.read("u", "The Two Towers 1")
    answer = await service.next("u", 5)
    assert isinstance(answer, a.Picks) and answer.items
    assert not {p.book.title for p in answer.items} & TOLKIEN


async def test_shelf_pages_and_unread(service):
    for title in sorted(TOLKIEN):
        await service.read("u", title)
    await service.read("u", "War and Peace")
    await service.read("u", "Anna Karenina 4")
    await service.read("u", "The Idiot")
    first = await service.shelf("u")
    assert (first.total, first.pages, len(first.entries)) == (11, 2, 10)
    assert first.entries[0].book.title == "The Idiot"  # newest first
    assert len((await service.shelf("u", "2")).entries) == 1
    assert (await service.shelf("u", "999")).page == 2
    gone = await service.unread("u", "the idiot")
    assert gone.removed and (await service.shelf("u")).total == 10
    assert not (await service.unread("u", "The Idiot")).removed


async def test_forget_asks_first(service):
    await service.read("u", "The Hobbit")
    prompt = await service.forget("u")
    assert isinstance(prompt, a.ForgetPrompt) and prompt.count == 1
    assert await service.store.count("u") == 1
    done = await service.forget("u", confirm=True)
    assert done.count == 1 and await service.store.count("u") == 0


async def test_info_pages_about(service):
    info = await service.info("bully for brontosaurus")
    assert info.book.author == "Stephen Jay Gould"
    pages = await service.pages("Middle-earth", 3)
    assert isinstance(pages, a.RelatedPages) and len(pages.items) == 3
    about = await service.about("Middle-earth", 5)
    assert isinstance(about, a.BooksAbout)
    assert len({b.title for b, _ in about.items} & TOLKIEN) >= 3
    assert isinstance(await service.pages("no such page at all qqq"), a.Problem)


async def test_map_draws_a_png_of_the_book(service):
    answer = await service.map("The Hobbit")
    assert isinstance(answer, a.MapImage) and answer.book.title == "The Hobbit"
    assert answer.path.is_file() and answer.path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


async def test_map_switched_off_says_so(rec, service):
    answer = await ShelfService(rec, service.store, maps_dir=None).map("The Hobbit")
    assert isinstance(answer, a.Problem) and "switched off" in answer.message


def test_info_shows_the_series_in_both_renderings():
    from bot.render_discord import render as render_discord
    from bot.render_text import render as render_text

    book = a.Book.from_meta("Kiss the Girls", {"author": "James Patterson", "series": "Alex Cross",
                                               "url": "https://en.wikipedia.org/wiki/Kiss_the_Girls"})
    assert ("Series", "Alex Cross") in book.facts()
    assert "Series: Alex Cross" in render_text(a.BookInfo(book))
    fields = render_discord(a.BookInfo(book)).embed.fields
    assert [(f.name, f.value) for f in fields if f.name == "Series"] == [("Series", "Alex Cross")]


def test_counts_of_one_book_read_as_one_book():
    from bot.render_text import render as render_text

    assert render_text(a.Forgotten(1)) == "Done: deleted 1 book and everything stored for you."


@pytest.mark.parametrize("text", ["The Hobbit five", "The Hobbit -3", "The Hobbit 4.5",
                                  "The Hobbit 0", "The Hobbit 6", "The Hobbit 12345"])
async def test_a_rating_out_of_range_is_named_as_a_rating_and_logs_nothing(service, text):
    answer = await service.read("u", text)
    assert isinstance(answer, a.Problem) and "whole numbers from 1 to 5" in answer.message
    assert await service.store.count("u") == 0


@pytest.mark.parametrize("text", ["The Hobbit 0", "The Hobbit 1000", "The Hobbit 2.5",
                                  "The Hobbit -1"])
async def test_a_count_out_of_range_is_named_as_a_count(service, text):
    answer = await service.similar(text)
    assert isinstance(answer, a.Problem) and "from 1 to 25" in answer.message


async def test_a_trailing_count_in_range_is_taken(service):
    answer = await service.similar("The Hobbit 3")
    assert isinstance(answer, a.SimilarBooks) and len(answer.items) == 3
