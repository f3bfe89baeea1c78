"""`/club ...` through constructed slash-command interactions (the real app-command tree and
the hybrid group's handlers, Discord's HTTP side recorded): pick, the poll payload, join and
leave, who, and privacy for members who never joined, who left the club, who left the server."""

from __future__ import annotations

import discord
import pytest

from tests.bot_fixtures import _interaction_payload, fresh_id, member, sent_text


async def club(bot, adapter, user, action: str, **options) -> str:
    """`/club <action>` by `user`; what the bot sent for it, as one JSON string."""
    payload = _interaction_payload(bot, user.id, 2)
    sub = {"name": action, "type": 1,
           "options": [{"name": name, "type": 3, "value": value} for name, value in options.items()]}
    payload["data"] = {"id": str(fresh_id()), "name": "club", "type": 1, "options": [sub]}
    adapter.sent.clear()
    for command in bot.walk_commands():  # each call must reach its handler, not "slow down"
        command._buckets._cache.clear()
    await bot.tree._call(discord.Interaction(data=payload, state=bot._connection))
    # As a reader sees it: JSON's and markdown's escapes off (names like alice_0_nick).
    return sent_text(adapter).replace("\\\\", "\\").replace("\\_", "_")


@pytest.fixture
async def readers(bot, adapter):
    alice, bob = member(0), member(1)
    await bot.service.read(f"discord:{alice.id}", "The Hobbit 5")
    await bot.service.read(f"discord:{bob.id}", "War and Peace 5")
    return alice, bob


async def test_slash_join_pick_and_leave(bot, adapter, readers):
    alice, bob = readers
    assert "Join this server" in await club(bot, adapter, alice, "pick")
    assert "joined" in await club(bot, adapter, alice, "join")
    assert "2 members" in await club(bot, adapter, bob, "join")
    picks = await club(bot, adapter, alice, "pick", members="3")
    assert "Picks for the club" in picks and "suits" in picks
    assert alice.display_name in picks and bob.display_name in picks
    assert f"<@{bob.id}>" not in picks and f"<@{alice.id}>" not in picks
    assert "You left" in await club(bot, adapter, bob, "leave")
    after = await club(bot, adapter, alice, "pick")
    assert "Picks for the club" in after and bob.display_name not in after.split("for ")[-1]


async def test_slash_poll_payload(bot, adapter, readers):
    alice, bob = readers
    await club(bot, adapter, alice, "join")
    await club(bot, adapter, bob, "join")
    await club(bot, adapter, alice, "pick", members="5 poll")
    polls = [s["payload"].get("poll") for s in adapter.sent if s["payload"].get("poll")]
    assert len(polls) == 1
    poll = polls[0]
    assert poll["question"]["text"].startswith("Our next book?")
    assert 1 <= len(poll["answers"]) <= 5 and poll["duration"] == 24
    assert all(len(x["poll_media"]["text"]) <= 55 for x in poll["answers"])
    assert all(s["payload"].get("allowed_mentions", {"parse": []}) == {"parse": []}
               for s in adapter.sent)


async def test_slash_who_names_the_closest_joined_member(bot, adapter, readers):
    alice, bob = readers
    await club(bot, adapter, alice, "join")
    await club(bot, adapter, bob, "join")
    who = await club(bot, adapter, alice, "who", title="The Two Towers")
    assert alice.display_name in who
    assert "No book matches" in await club(bot, adapter, alice, "who", title="zzzz qqqq")


async def test_slash_privacy_never_joined_left_club_left_server(bot, adapter, readers):
    alice, bob = readers
    await club(bot, adapter, alice, "join")
    # bob never joined: named, not mentioned, and his shelf stays out of the picks and `who`.
    named = await club(bot, adapter, alice, "pick", members=f"<@{bob.id}>")
    assert "Not in the club" in named and bob.display_name in named and f"<@{bob.id}>" not in named
    assert bob.display_name not in await club(bot, adapter, alice, "who", title="War and Peace")
    # bob joins, then leaves the club: out at once.
    await club(bot, adapter, bob, "join")
    assert bob.display_name in await club(bot, adapter, alice, "who", title="War and Peace")
    await club(bot, adapter, bob, "leave")
    assert bob.display_name not in await club(bot, adapter, alice, "who", title="War and Peace")
    assert "War and Peace" not in await club(bot, adapter, alice, "shelf")
    # bob joins again, then leaves the server: left out at pick time though still joined.
    await club(bot, adapter, bob, "join")
    import discord.ext.test as dpytest
    dpytest.backend.delete_member(bob)

    async def not_found(guild_id, member_id):  # dpytest's fake API has no 404 for members
        raise discord.NotFound(type("R", (), {"status": 404, "reason": "Not Found"})(),
                               {"code": 10007, "message": "Unknown Member"})
    bot.http.get_member = not_found
    after = await club(bot, adapter, alice, "pick")
    assert "Picks for the club" in after and bob.display_name not in after.split("for ")[-1]
    assert bob.display_name not in await club(bot, adapter, alice, "who", title="War and Peace")
