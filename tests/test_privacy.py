"""Privacy: forget leaves nothing of the user in any table (read from the schema, so a future
table cannot be missed); export and every other command show a user only their own data."""

import discord.ext.test as dpytest

from bot import answers as a
from bot import console
from bot.goodreads import parse_export
from bot.render_text import render as render_text
from tests.bot_fixtures import interaction, member
from tests.postgres_server import raw_sql, table_names

ALICE, BOB = "console:alice", "console:bob"
ALICE_BOOKS = ["The Hobbit 5", "The Silmarillion 4", "The Two Towers 2", "War and Peace"]


async def every_cell(target) -> list[tuple[str, object]]:
    """(table, value) for every cell of every table the schema lists."""
    return [(t, v) for t in await table_names(target)
            for row in await raw_sql(target, f'SELECT * FROM "{t}"') for v in row]


async def test_forget_and_export_find_every_table_from_the_schema(any_service, store_target):
    service, store = any_service, any_service.store
    # A table a later migration might add: forget and export must find it from the schema alone.
    await raw_sql(store_target, "CREATE TABLE notes (user_id TEXT NOT NULL, note TEXT)")
    await raw_sql(store_target, f"INSERT INTO notes VALUES ('{ALICE}', 'likes dragons'), "
                                f"('{BOB}', 'bob''s')")
    for text in ALICE_BOOKS:
        await service.read(ALICE, text)
    await service.read(BOB, "Beren and Lúthien 5")
    await service.dismiss(ALICE, ["Anna Karenina", "The Idiot"])  # "not for me" (V3)
    await service.dismiss(BOB, ["The Idiot"])
    await store.join_club("guild-1", ALICE)  # book clubs (V4)
    await store.join_club("guild-1", BOB)
    await store.set_club_book("guild-1", "The Hobbit", ALICE)
    assert sorted(await store.personal_tables()) == ["club_books", "club_members", "dismissals",
                                                     "notes", "reads"]
    exported = await store.export(ALICE)
    assert exported["notes"] == [{"user_id": ALICE, "note": "likes dragons"}]
    assert len(exported["reads"]) == len(ALICE_BOOKS)
    assert sorted(row["title"] for row in exported["dismissals"]) == ["Anna Karenina", "The Idiot"]
    assert [row["guild_id"] for row in exported["club_members"]] == ["guild-1"]
    assert [row["title"] for row in exported["club_books"]] == ["The Hobbit"]
    assert any(v == ALICE for _, v in await every_cell(store_target))

    assert isinstance(await service.forget(ALICE), a.ForgetPrompt)
    assert any(v == ALICE for _, v in await every_cell(store_target))  # asking changes nothing
    gone = await service.forget(ALICE, confirm=True)
    assert gone.count == len(ALICE_BOOKS)
    cells = await every_cell(store_target)
    assert not [c for c in cells if isinstance(c[1], str) and ALICE in c[1]]
    assert ("notes", BOB) in cells and await store.count(BOB) == 1  # others untouched
    assert await store.dismissed(BOB) == ["The Idiot"]
    assert await store.club_members("guild-1") == [BOB]
    assert await store.export(ALICE) == {"club_books": [], "club_members": [], "dismissals": [],
                                         "notes": [], "reads": []}


async def test_export_holds_only_the_callers_reads(service):
    for text in ALICE_BOOKS:
        await service.read(ALICE, text)
    await service.read(BOB, "Unfinished Tales 3")
    export = await service.export(BOB)
    rows, _ = parse_export(export.csv_text)
    assert [r.title for r in rows] == ["Unfinished Tales"] and export.count == 1
    assert all(t.split()[0] not in export.csv_text for t in ("Hobbit", "Silmarillion", "Towers", "Peace"))


async def test_no_command_shows_one_user_another_users_shelf(service):
    """Bob's answers are the same whether or not Alice has a shelf."""
    script = ["!shelf", "!shelf 2", "!next", "!next 5", "!export", "!forget", "!unread The Hobbit",
              "!unread Dune", "!help", "!import"]

    async def bobs_answers() -> list[str]:
        return [render_text(await console.answer_line(service, BOB, line)) for line in script]
    alone = await bobs_answers()
    for text in ALICE_BOOKS:
        await service.read(ALICE, text)
    assert await bobs_answers() == alone
    assert await service.store.count(ALICE) == len(ALICE_BOOKS)



async def test_prefix_export_in_a_server_is_not_posted_in_the_channel(bot):
    alice = member(0)
    await dpytest.message("!read The Hobbit 5", member=alice)
    dpytest.get_message()
    await dpytest.message("!export", member=alice)
    private = dpytest.get_message()
    public = dpytest.get_message()
    assert private.guild is None and private.attachments  # the file went by DM
    assert b"The Hobbit" in await private.attachments[0].read()
    assert public.guild is not None and not public.attachments
    assert "direct message" in public.content


async def test_another_member_cannot_press_the_forget_button(bot, adapter):
    from bot.views import ConfirmForgetView
    bob = member(1)
    await dpytest.message("!read The Hobbit 5", member=bob)
    dpytest.get_message()
    view = ConfirmForgetView(bob.id, bot.service, f"discord:{bob.id}")
    press = interaction(bot, "", [], kind=3)  # a button press by member 0, not bob
    assert await view.interaction_check(press) is False
    assert "someone else" in adapter.sent[-1]["payload"]["data"]["content"]
    assert await bot.service.store.count(f"discord:{bob.id}") == 1
