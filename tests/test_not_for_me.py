"""Choosing from "did you mean" and marking picks "not for me", below Discord: the engine's
`exclude`, the service's choose/dismiss/undismiss, export and forget, and the terminal's
`!pick n` / `!notforme n` (on the tiny model, SQLite and PostgreSQL)."""

from bot import answers as a
from bot.console import Memory, answer_line
from bot.goodreads import NOT_FOR_ME_SHELF, parse_export
from bot.render_text import render
from engine.serve.picks import HistoryItem

ANN = "console:ann"
TOLKIEN = [HistoryItem("The Hobbit", 5), HistoryItem("The Silmarillion", 4)]


def test_recommend_never_picks_an_excluded_title(rec):
    picks = rec.recommend(TOLKIEN, 5)
    assert len(picks) >= 3  # the tiny model's evidence cut may shorten the list
    dropped = {picks[0].title, picks[2].title}
    again = rec.recommend(TOLKIEN, 5, exclude=dropped)
    assert again and not dropped & {p.title for p in again}
    assert {p.title for p in picks} - dropped <= {p.title for p in again}  # the rest stay
    # Exact titles only: a look-alike or unknown text excludes nothing.
    assert [p.title for p in rec.recommend(TOLKIEN, 5, exclude=[picks[0].title.lower(), "zz"])] \
        == [p.title for p in picks]


async def test_dismissed_books_leave_next_and_the_users_similar(any_service):
    service = any_service
    for text in ("The Hobbit 5", "The Silmarillion 4"):
        await service.read(ANN, text)
    first = await service.next(ANN, 5)
    dropped = [first.items[0].book.title, first.items[1].book.title]
    answer = await service.dismiss(ANN, dropped)
    assert answer == a.Dismissed([service.book(t) for t in dropped])
    assert "undismiss" in render(answer)

    again = await service.next(ANN, 5)
    assert again.items and not set(dropped) & {p.book.title for p in again.items}
    kept = {p.book.title for p in first.items} - set(dropped)
    assert kept <= {p.book.title for p in again.items}  # the rest stay
    mine = await service.similar("The Two Towers", 5, user=ANN)
    assert mine.items and not set(dropped) & {b.title for b, _ in mine.items}
    anyone = await service.similar("The Two Towers", 7)
    assert set(dropped) <= {b.title for b, _ in anyone.items}  # others still see them

    assert await service.undismiss(ANN, dropped[0].lower()) == \
        a.Undismissed(service.book(dropped[0]), True)
    assert await service.undismiss(ANN, dropped[0]) == a.Undismissed(service.book(dropped[0]),
                                                                     False)
    assert await service.undismiss(ANN) == a.Dismissals([service.book(dropped[1])])


async def test_dismissing_titles_not_in_the_catalog_changes_nothing(service):
    for titles in ([], ["No Such Book"], ["The Hobbit", "the hobbit"]):
        assert isinstance(await service.dismiss(ANN, titles), a.Problem)
    assert await service.store.dismissed(ANN) == []


async def test_choose_runs_the_command_on_the_chosen_title(service):
    assert (await service.choose("read", ANN, "The Hobbit", 3)).rating == 3
    assert (await service.choose("read", ANN, "The Hobbit")).rating == 3  # kept, as `read` does
    assert isinstance(await service.choose("read", ANN, "The Hobbit", 7), a.Problem)
    similar = await service.choose("similar", ANN, "The Hobbit", 2)
    assert similar.book.title == "The Hobbit" and len(similar.items) == 2
    assert (await service.choose("info", ANN, "War and Peace")).book.title == "War and Peace"
    assert (await service.choose("unread", ANN, "The Hobbit")).removed is True
    for command, title in (("forget", "The Hobbit"), ("read", "the hobbit"), ("read", "")):
        assert isinstance(await service.choose(command, ANN, title), a.Problem)
    assert await service.store.count(ANN) == 0


async def test_export_and_forget_take_the_dismissals(service):
    await service.dismiss(ANN, ["War and Peace"])
    prompt = await service.forget(ANN)
    assert prompt == a.ForgetPrompt(0, 1) and "not for me" in render(prompt)
    await service.read(ANN, "The Hobbit 5")
    rows, _ = parse_export((await service.export(ANN)).csv_text)
    assert [(r.title, r.shelf) for r in rows] == [("The Hobbit", "read"),
                                                  ("War and Peace", NOT_FOR_ME_SHELF)]
    imported = await service.import_goodreads("console:bob", (await service.export(ANN))
                                              .csv_text.encode())
    assert (imported.added, imported.dismissed, imported.not_read) == (1, 1, 0)
    assert [r.title for r in await service.store.shelf("console:bob")] == ["The Hobbit"]
    assert await service.store.dismissed("console:bob") == ["War and Peace"]  # round trip
    assert "marked “not for me” again" in render(imported)
    await service.forget(ANN, confirm=True)
    assert await service.store.dismissed(ANN) == []
    assert await service.forget(ANN) == a.ForgetPrompt(0, 0)


async def test_import_restores_only_exact_not_for_me_titles(service):
    csv_text = ("Title,Author,My Rating,Exclusive Shelf\nThe Hobbit,,0,not-for-me\n"
                "anna karenina,,0,not-for-me\nNo Such Book,,0,not-for-me\nDune,,0,to-read\n")
    imported = await service.import_goodreads(ANN, csv_text.encode())
    assert (imported.added, imported.dismissed, imported.not_read) == (0, 1, 3)
    assert await service.store.dismissed(ANN) == ["The Hobbit"]  # no look-alike, no stranger
    assert await service.store.count(ANN) == 0


async def test_console_pick_and_notforme_by_number(service):
    memory = Memory()

    async def say(line):
        return await answer_line(service, ANN, line, memory)

    assert "Nothing to pick from" in (await say("!pick 1")).message
    assert "Nothing to dismiss" in (await say("!notforme 1")).message
    which = await say("!read lord of the rings rating=4")
    assert isinstance(which, a.NoMatch) and which.number == 4 and len(which.options) >= 2
    for bad in ("!pick 0", "!pick x", f"!pick {len(which.options) + 1}", "!pick 1 2", "!pick"):
        assert isinstance(await say(bad), a.Problem), bad
    logged = await say("!pick 2")
    assert logged.book.title == which.options[1] and logged.rating == 4

    picks = await say("!next 4")
    shown = [p.book.title for p in picks.items]
    for bad in ("!notforme 5", "!notforme 0", "!notforme two", "!notforme"):
        assert isinstance(await say(bad), a.Problem), bad
    assert await service.store.dismissed(ANN) == []
    dismissed = await say("!notforme 1, 3")
    assert [b.title for b in dismissed.books] == [shown[0], shown[2]]
    assert not {shown[0], shown[2]} & {p.book.title for p in (await say("!next 4")).items}

    like = await say("!similar The Hobbit 3")  # the last list is now this one
    assert (await say("!notforme 1")).books[0].title == like.items[0][0].title
    listed = render(await say("!undismiss"))
    assert shown[0] in listed and shown[2] in listed
    assert (await say(f"!undismiss {shown[0]}")).removed is True


async def test_a_fresh_session_has_no_list_to_refer_to(service):
    assert isinstance(await answer_line(service, ANN, "!read lord of the rings"), a.NoMatch)
    assert "Nothing to pick from" in (await answer_line(service, ANN, "!pick 1")).message
