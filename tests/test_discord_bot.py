"""The Discord adapter through discord.py's own machinery: prefix commands via dpytest, slash
commands and autocomplete via constructed interactions dispatched by the real command tree.

Only the network edge is replaced: dpytest's fake HTTP for messages, and a recording webhook
adapter for interaction responses (Discord itself is not reachable from tests)."""


import discord
import discord.ext.test as dpytest
import pytest

from bot.render_discord import render
from tests.bot_fixtures import embed_text, interaction, member, sent_text


async def test_prefix_similar_answers_with_an_embed_and_links(bot):
    await dpytest.message("!similar The Two Towers")
    message = dpytest.get_message()
    embed = message.embeds[0]
    assert embed.title == "Books like The Two Towers"
    assert "https://en.wikipedia.org/wiki/" in embed.description
    assert "The Hobbit" in embed.description or "The Silmarillion" in embed.description
    assert message.content in (None, "")


async def test_prefix_read_shelf_next(bot):
    await dpytest.message("!read the hobbit 5", member=member(0))
    logged = dpytest.get_message()
    assert logged.embeds, logged.content
    assert logged.embeds[0].title == "Logged: The Hobbit"
    await dpytest.message("!read The Silmarillion rating=4", member=member(0))
    assert "★★★★" in embed_text(dpytest.get_message().embeds[0])
    await dpytest.message("!shelf", member=member(0))
    shelf = dpytest.get_message().embeds[0]
    assert "The Silmarillion" in shelf.description and "2 books" in shelf.footer.text
    await dpytest.message("!shelf", member=member(1))  # another user's shelf is their own
    assert "empty" in dpytest.get_message().content
    await dpytest.message("!next", member=member(0))
    picks = dpytest.get_message().embeds[0]
    assert picks.title == "Picks for you" and "because you read" in picks.description


async def test_unknown_title_and_hostile_text_never_mention_anyone(bot):
    await dpytest.message(f"!read @everyone {member(1).mention} **bold** zzzqqq")
    message = dpytest.get_message()
    assert "@everyone" not in message.content
    assert member(1).mention not in message.content and not message.mentions
    assert "**bold**" not in message.content
    await dpytest.message("!similar " + "x" * 3000)
    assert "too long" in dpytest.get_message().content
    await dpytest.message("!read The Hobbit rating=NaN")
    assert "1 to 5" in dpytest.get_message().content
    with pytest.raises(discord.ext.commands.CommandNotFound):
        await dpytest.message("!nosuchcommand")
    assert dpytest.verify().message().nothing()  # stays quiet


async def test_missing_argument_answers_with_usage(bot):
    with pytest.raises(discord.ext.commands.MissingRequiredArgument):
        await dpytest.message("!similar")
    assert "Usage: `!similar" in dpytest.get_message().content


async def test_cooldown_answers_briefly(bot):
    for _ in range(5):
        await dpytest.message("!help")
        dpytest.get_message()
    with pytest.raises(discord.ext.commands.CommandOnCooldown):
        await dpytest.message("!help")
    assert "Slow down" in dpytest.get_message().content


async def test_sync_is_owner_only(bot):
    with pytest.raises(discord.ext.commands.NotOwner):
        await dpytest.message("!sync", member=member(1))
    assert "owner" in dpytest.get_message().content


async def test_import_attachment_and_export_file(bot, tmp_path):
    export = tmp_path / "goodreads_library_export.csv"
    export.write_text("Title,Author,My Rating,Exclusive Shelf,Date Read\n"
                      "The Hobbit,J.R.R. Tolkien,5,read,2019/03/14\n"
                      "Project Hail Mary,Andy Weir,5,read,2021/07/01\n", encoding="utf-8")
    await dpytest.message("!import", attachments=[str(export)])
    reply = dpytest.get_message().content
    assert "Imported 1 read books" in reply and "Project Hail Mary" in reply
    await dpytest.message("!export")
    sent = dpytest.get_message()
    assert sent.attachments and sent.attachments[0].filename == "wikishelf-export.csv"
    assert b"The Hobbit" in await sent.attachments[0].read()


async def test_forget_asks_with_buttons(bot):
    await dpytest.message("!read The Hobbit")
    dpytest.get_message()
    await dpytest.message("!forget")
    prompt = dpytest.get_message()
    assert "cannot be undone" in prompt.content
    assert await bot.service.store.count(f"discord:{member(0).id}") == 1
    await dpytest.message("!forget confirm")
    assert "deleted 1" in dpytest.get_message().content


# -- slash commands and autocomplete --

async def test_slash_read_with_rating_option(bot, adapter):
    await bot.tree._call(interaction(bot, "read", [
        {"name": "title", "type": 3, "value": "The Return of the King"},
        {"name": "rating", "type": 4, "value": 4}]))
    assert "Logged: The Return of the King" in sent_text(adapter)
    shelf = await bot.service.store.shelf(f"discord:{member(0).id}")
    assert [(r.title, r.rating) for r in shelf] == [("The Return of the King", 4)]


async def test_slash_similar_defers_then_follows_up(bot, adapter):
    await bot.tree._call(interaction(bot, "similar", [
        {"name": "title", "type": 3, "value": "war and peace"}, {"name": "k", "type": 4,
                                                                 "value": 3}]))
    text = sent_text(adapter)
    assert "Books like War and Peace" in text
    for payload in (s["payload"] for s in adapter.sent):
        assert payload.get("allowed_mentions", payload.get("data", {}).get(
            "allowed_mentions", {"parse": []})) == {"parse": []}


async def test_title_autocomplete_offers_catalog_titles(bot, adapter):
    await bot.tree._call(interaction(bot, "similar", [
        {"name": "title", "type": 3, "value": "silmar", "focused": True}], kind=4))
    (response,) = adapter.sent
    choices = response["payload"]["data"]["choices"]
    assert 1 <= len(choices) <= 25
    assert choices[0]["value"] == "The Silmarillion"
    assert all(len(c["name"]) <= 100 and len(c["value"]) <= 100 for c in choices)


async def test_every_answer_fits_discord_limits(bot):
    service = bot.service
    answers = [await service.similar("The Hobbit", 25), await service.help(),
               await service.read("u", "x" * 290), await service.about("Middle-earth", 25),
               await service.info("The Hobbit"), await service.pages("Evolution", 25)]
    for answer in answers:
        reply = render(answer)
        assert reply.content is None or len(reply.content) <= 2000
        for embed in [reply.embed, *reply.pages]:
            if embed is not None:
                assert len(embed) <= 6000 and len(embed.description or "") <= 4096
                assert len(embed.title or "") <= 256 and len(embed.fields) <= 25
    assert render(await service.about("Middle-earth", 25)).pages  # long answers get buttons
