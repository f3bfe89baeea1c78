"""Book clubs through the service, the terminal and the real discord.py machinery (dpytest):
opt-in membership per server, picks for the members (never what any of them read or
dismissed), names never mentions, hostile mentions, polls, and the privacy rules."""

import asyncio

import discord
import discord.ext.test as dpytest
import pytest

from bot import answers as a
from bot import console
from bot.club_mentions import read_pick_words
from bot.clubs import Clubs
from bot.render_discord import render as render_discord
from bot.render_text import render as render_text
from tests.bot_fixtures import member

G = "guild-1"
ANN, BOB, CAT = "console:ann", "console:bob", "console:cat"
NAMES = {ANN: "Ann", BOB: "Bob", CAT: "Cat"}


async def shelves(service):
    for text in ("The Hobbit 5", "The Two Towers 4"):
        await service.read(ANN, text)
    for text in ("War and Peace 5", "Anna Karenina 4"):
        await service.read(BOB, text)
    await service.read(CAT, "The Hobbit 5")
    await service.read(CAT, "War and Peace 5")


async def test_pick_for_two_members_skips_all_their_reads_and_dismissals(service):
    clubs = Clubs(service)
    await shelves(service)
    await service.dismiss(BOB, ["The Idiot"])
    for user in (ANN, BOB):
        assert (await clubs.join(G, user)).changed
    answer = await clubs.pick(G, ANN, NAMES, None, 10)
    assert isinstance(answer, a.ClubPicks) and answer.members == ["Ann", "Bob"]
    titles = [p.book.title for p in answer.items]
    read = {"The Hobbit", "The Two Towers", "War and Peace", "Anna Karenina", "The Idiot"}
    assert titles and not read & set(titles)
    assert {name for p in answer.items for name in p.suits} == {"Ann", "Bob"}
    text = render_text(answer)
    assert "suits 1 of 2 members (Ann)" in text or "suits 1 of 2 members (Bob)" in text
    assert "Ann read The Hobbit" in text or "Ann read The Two Towers" in text
    assert "Cat" not in text  # never joined: her shelf is not used


async def test_a_named_member_who_never_joined_is_named_and_left_out(service):
    clubs = Clubs(service)
    await shelves(service)
    await clubs.join(G, ANN)
    answer = await clubs.pick(G, ANN, NAMES, [ANN, CAT], 5)
    assert answer.members == ["Ann"] and "Not in the club" in answer.notes[0]
    assert "Cat" in answer.notes[0]
    assert all(p.suits == ["Ann"] for p in answer.items)  # only Ann's shelf voted
    only_cat = await clubs.pick(G, ANN, NAMES, [CAT], 5)
    assert isinstance(only_cat, a.Problem) and "Cat" in only_cat.message


async def test_leave_and_forget_take_effect_at_once_and_outsiders_see_nothing(service):
    clubs = Clubs(service)
    await shelves(service)
    for user in (ANN, BOB):
        await clubs.join(G, user)
    assert isinstance(await clubs.shelf(G, CAT, NAMES), a.Problem)  # not a member: nothing shown
    before = await clubs.shelf(G, ANN, NAMES)
    assert before.members == 2 and {b.title for b, _ in before.most_read} >= {"War and Peace"}
    await clubs.leave(G, BOB)
    after = await clubs.shelf(G, ANN, NAMES)
    assert after.members == 1 and "War and Peace" not in {b.title for b, _ in after.most_read}
    await clubs.join(G, BOB)
    await service.forget(BOB, confirm=True)
    assert await service.store.club_members(G) == [ANN]
    left_server = {ANN: "Ann"}  # Bob joined again but is no longer in the server
    await clubs.join(G, BOB)
    assert (await clubs.shelf(G, ANN, left_server)).members == 1


async def test_shelf_who_and_current(service):
    clubs = Clubs(service)
    await shelves(service)
    for user in (ANN, BOB, CAT):
        await clubs.join(G, user)
    shelf = await clubs.shelf(G, ANN, NAMES)
    assert shelf.most_read[0][1] == 2 and shelf.most_read[0][0].title in ("The Hobbit",
                                                                           "War and Peace")
    assert shelf.best_rated[0][1] == 5.0 and shelf.current is None
    who = await clubs.who(G, ANN, NAMES, "The Fellowship of the Ring")
    assert isinstance(who, a.ClubWho) and who.closest[0][0] in ("Ann", "Cat")
    assert [n for n, _, _ in who.closest][-1] == "Bob"  # the Russian shelf sits furthest
    read = await clubs.who(G, ANN, NAMES, "The Hobbit")
    assert sorted(read.read_it) == ["Ann", "Cat"]
    assert (await clubs.current(G, ANN, NAMES, "")).book is None
    assert (await clubs.current(G, BOB, NAMES, "the idiot")).set_now
    assert (await clubs.shelf(G, CAT, NAMES)).current.title == "The Idiot"
    assert isinstance(await clubs.current(G, "console:dan", NAMES, "dune"), a.Problem)


async def test_names_are_escaped_in_discord(service):
    clubs = Clubs(service)
    await shelves(service)
    for user in (ANN, BOB):
        await clubs.join(G, user)
    hostile = {ANN: "@everyone **Ann**", BOB: "<@123456789012345678>"}
    reply = render_discord(await clubs.pick(G, ANN, hostile, None, 5))
    text = str(reply.embed.to_dict())
    assert "@everyone" not in text and "<@1234" not in text


async def test_console_flow_with_two_users(service):
    memory = console.Memory()

    async def say(user, line):
        return render_text(await console.answer_line(service, user, line, memory))
    await say(ANN, "!read The Hobbit 5")
    await say(BOB, "!read War and Peace 5")
    assert "Join this server's club first" in await say(ANN, "!club pick")
    assert "You joined" in await say(ANN, "!club join")
    assert "2 members" in await say(BOB, "!club join")
    picks = await say(ANN, "!club pick 4")
    assert "Picks for the club (ann, bob)" in picks and "suits" in picks
    assert "Not in the club" in await say(ANN, "!club pick ann cat")
    assert "War and Peace · 1 read it" in await say(BOB, "!club shelf")
    assert "You left" in await say(BOB, "!club leave")
    assert "War and Peace" not in await say(ANN, "!club shelf")
    assert "Which one?" in await say(ANN, "!club dance")


def test_console_switches_user_with_as(tiny_model_dir, tmp_path):
    from tests.test_console import run_console
    out = run_console("!read The Hobbit 5\n!club join\n!as bob\n!read War and Peace 5\n"
                      "!club join\n!club pick\n!as no/such\n", "--console", "--model",
                      str(tiny_model_dir), "--db", str(tmp_path / "c.db"), "--user", "ann")
    assert out.returncode == 0, out.stderr
    assert "Now you are bob." in out.stdout and "Picks for the club (ann, bob)" in out.stdout
    assert "Give a user name" in out.stdout and "Now you are no/such" not in out.stdout


# ---------------------------------------------------------------- Discord (dpytest)
def key(m) -> str:
    return f"discord:{m.id}"


async def say(text, who):
    await dpytest.message(text, member=who)
    return dpytest.get_message()


def body(message) -> str:
    """The text a reader sees: content and embeds, with markdown escapes taken off."""
    text = (message.content or "") + "".join(str(e.to_dict()) for e in message.embeds)
    return text.replace("\\\\", "\\").replace("\\_", "_").replace("\\`", "`")


@pytest.fixture
async def club_bot(bot):
    alice, bob = member(0), member(1)
    await say("!read The Hobbit 5", alice)
    await say("!read War and Peace 5", bob)
    return bot


async def test_discord_join_pick_and_names_never_ping(club_bot):
    alice, bob = member(0), member(1)
    assert "joined" in body(await say("!club join", alice))
    answer = body(await say(f"!club pick <@{bob.id}>", alice))
    assert "Not in the club" in answer and bob.display_name in answer
    assert "<@" not in answer.replace(f"<@{bob.id}>", "")  # no mention formed in the reply
    await say("!club join", bob)
    picks = await say(f"!club pick <@{alice.id}> <@{bob.id}> 3", alice)
    assert "suits" in body(picks) and picks.mentions == [] and not picks.mention_everyone
    whole = body(await say("!club pick", alice))
    assert "Picks for the club" in whole


async def test_discord_hostile_mentions_get_clear_answers(club_bot):
    alice = member(0)
    await say("!club join", alice)
    assert "not for everyone" in body(await say("!club pick @everyone", alice))
    many = " ".join(f"<@{alice.id}>" for _ in range(30))  # dpytest knows only real members
    assert "at most 25" in body(await say(f"!club pick {many}", alice))
    hundred = " ".join(f"<@{10**17 + i}>" for i in range(100))
    assert "at most 25" in read_pick_words(hundred, 25).problem
    guild = club_bot.guilds[0]
    robot = dpytest.backend.make_member(dpytest.backend.make_user("robo", "0002"), guild)
    robot._user.bot = True
    assert "Bots have no shelves" in body(await say(f"!club pick <@{robot.id}>", alice))
    assert "members or a role" in body(await say("!club pick please", alice))


async def test_discord_role_resolves_among_joined_members_and_leavers_drop_out(club_bot):
    alice, bob = member(0), member(1)
    guild = club_bot.guilds[0]
    readers = dpytest.backend.make_role("readers", guild)
    dpytest.backend.update_member(bob, roles=[readers])
    await say("!club join", alice)
    await say("!club join", bob)
    picks = body(await say(f"!club pick <@&{readers.id}>", alice))
    assert "for " + bob.display_name in picks and "Picks for the club" in picks
    dpytest.backend.delete_member(bob)  # bob left the server: left out at pick time

    async def not_found(guild_id, member_id):  # dpytest's fake API has no 404 for members
        raise discord.NotFound(type("R", (), {"status": 404, "reason": "Not Found"})(),
                               {"code": 10007, "message": "Unknown Member"})
    club_bot.http.get_member = not_found
    after = body(await say("!club pick", alice))
    assert "for " + alice.display_name in after and bob.display_name not in after.split("for ")[-1]


async def test_discord_poll_payload(club_bot, monkeypatch):
    alice, bob = member(0), member(1)
    await say("!club join", alice)
    await say("!club join", bob)
    sent = []
    real_send = club_bot.http.send_message

    async def record(channel_id, *, params):  # dpytest drops polls: keep the payload sent
        sent.append(params.payload)
        channel = club_bot.get_channel(channel_id)  # noqa: F841  dpytest reads its caller's `channel`
        return await real_send(channel_id, params=params)
    monkeypatch.setattr(club_bot.http, "send_message", record)
    await dpytest.message("!club pick 12 poll", member=alice)
    polls = [p["poll"] for p in sent if p and p.get("poll")]
    assert len(polls) == 1
    poll = polls[0]
    assert 1 <= len(poll["answers"]) <= 10 and poll["duration"] == 24
    assert all(len(x["poll_media"]["text"]) <= 55 for x in poll["answers"])
    assert all(p.get("allowed_mentions", {}).get("parse") == [] for p in sent)
    await dpytest.empty_queue()


async def test_discord_dm_says_clubs_live_in_servers(club_bot):
    alice = member(0)
    channel = await alice.create_dm()
    await dpytest.message("!club join", channel=channel, member=alice)
    assert "live in servers" in dpytest.get_message().content
    assert await club_bot.service.store.club_members(f"discord:{club_bot.guilds[0].id}") == []


async def test_a_servers_club_goes_when_the_bot_leaves(club_bot):
    alice = member(0)
    guild = club_bot.guilds[0]
    await say("!club join", alice)
    await say("!club current the hobbit", alice)
    store = club_bot.service.store
    assert await store.club_members(f"discord:{guild.id}") == [key(alice)]
    club_bot.dispatch("guild_remove", guild)  # what the gateway does when the bot is removed
    for _ in range(50):  # the listener runs as its own task
        if not await store.club_members(f"discord:{guild.id}"):
            break
        await asyncio.sleep(0.01)
    assert await store.club_members(f"discord:{guild.id}") == []
    assert await store.club_book(f"discord:{guild.id}") is None
    assert await store.count(key(alice)) == 1  # her own shelf stays


def poll_result(bot, author, question: str, winner: str | None) -> dict:
    """The gateway's MESSAGE_CREATE for the message Discord posts when a poll ends (type 46)."""
    channel = bot.guilds[0].text_channels[0]
    fields = [{"name": "poll_question_text", "value": question}, {"name": "total_votes", "value": "3"}]
    if winner is not None:
        fields += [{"name": "victor_answer_id", "value": "1"},
                   {"name": "victor_answer_text", "value": winner},
                   {"name": "victor_answer_votes", "value": "2"}]
    user = {"id": str(author.id), "username": author.name, "discriminator": "0001", "avatar": None,
            "bot": author.bot}
    return {"id": str(discord.utils.time_snowflake(discord.utils.utcnow())),
            "channel_id": str(channel.id), "guild_id": str(channel.guild.id), "author": user,
            "content": "", "timestamp": discord.utils.utcnow().isoformat(),
            "edited_timestamp": None, "tts": False, "mention_everyone": False, "mentions": [],
            "mention_roles": [], "attachments": [], "pinned": False, "type": 46,
            "embeds": [{"type": "poll_result", "fields": fields}],
            "message_reference": {"message_id": "1", "channel_id": str(channel.id),
                                  "guild_id": str(channel.guild.id)}}


async def test_a_club_polls_winner_becomes_the_current_book(club_bot):
    from bot.render_discord import CLUB_POLL_QUESTION, clip
    alice = member(0)
    await say("!club join", alice)
    guild = f"discord:{club_bot.guilds[0].id}"
    store, state = club_bot.service.store, club_bot._connection

    async def ends(author, question, winner):
        state.parse_message_create(poll_result(club_bot, author, question, winner))
        await dpytest.run_all_events()
        book = await store.club_book(guild)
        return book.title if book else None

    assert await ends(club_bot.user, CLUB_POLL_QUESTION, None) is None  # no votes: nothing set
    assert await ends(alice, CLUB_POLL_QUESTION, "War and Peace") is None  # someone else's poll
    assert await ends(club_bot.user, "Pizza tonight?", "War and Peace") is None  # not a club poll
    assert await ends(club_bot.user, CLUB_POLL_QUESTION, "No Such Book") is None
    assert await ends(club_bot.user, CLUB_POLL_QUESTION, "War and Peace") == "War and Peace"
    # A title cut to fit the poll (55 characters) is logged in full.
    long = max(club_bot.service.rec.titles, key=len)
    cut = clip(long, min(55, len(long) - 2))
    assert await ends(club_bot.user, CLUB_POLL_QUESTION, cut) == long
    assert await store.club_members(guild) == [key(alice)]  # nobody joined or left by it
