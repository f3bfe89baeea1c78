"""Fixtures shared by the bot's tests, as a pytest plugin (conftest.py loads it): the tiny model's
one Recommender, a service on a fresh database, the Discord bot driven by dpytest, and a
recording webhook adapter for slash-command responses. Helpers (`member`, `interaction`, ...)
are plain functions that tests import from here."""

import asyncio
import itertools
import json

import discord
import discord.ext.test as dpytest
import pytest
from discord.webhook.async_ import AsyncWebhookAdapter, async_context

from bot.discord_bot import make_bot
from bot.service import ShelfService
from bot.store import Store


@pytest.fixture
def rec(tiny):
    """The tiny model's Recommender: loaded once per session (conftest's `tiny`)."""
    return tiny


@pytest.fixture
async def service(rec, tmp_path):
    store = await Store.open(tmp_path / "shelf.db")
    yield ShelfService(rec, store, maps_dir=tmp_path / "maps")
    await store.close()


@pytest.fixture
async def any_service(rec, store_target, tmp_path):
    """`service` once on SQLite and once on PostgreSQL (tests/postgres_server.py)."""
    store = await Store.open(store_target)
    yield ShelfService(rec, store, maps_dir=tmp_path / "maps")
    await store.close()


def fresh_id() -> int:
    # Snowflakes carry their creation time; an old one reads as an expired interaction.
    return discord.utils.time_snowflake(discord.utils.utcnow()) + next(_serial)


_serial = itertools.count()


@pytest.fixture
async def bot(rec, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # dpytest writes sent files into the working directory
    store = await Store.open(tmp_path / "shelf.db")
    test_intents = discord.Intents.default()
    test_intents.message_content = True
    test_intents.members = True  # dpytest's fake guild only caches members with this intent
    client = make_bot(service=ShelfService(rec, store), intents_override=test_intents)
    await client._async_setup_hook()
    dpytest.configure(client, members=["alice", "bob"])  # a fresh connection state, so ...
    await client.setup_hook()  # ... what start-up registers there (the menus) is kept
    yield client
    await dpytest.empty_queue()
    await store.close()


def member(index: int = 0) -> discord.Member:
    return dpytest.get_config().members[index]


def embed_text(embed: discord.Embed) -> str:
    return json.dumps(embed.to_dict(), ensure_ascii=False)


class RecordingAdapter(AsyncWebhookAdapter):
    """Stands in for Discord's HTTP API for interaction responses; keeps what was sent."""

    def __init__(self, bot):
        super().__init__()
        self.bot = bot
        self.sent: list[dict] = []

    async def request(self, route, session=None, *, payload=None, multipart=None, files=None,
                      **_):
        if payload is None and multipart:
            payload = json.loads(multipart[0]["value"])
        payload = payload or {}
        self.sent.append({"path": route.path, "method": route.method, "payload": payload,
                          "files": [f.filename for f in files or []]})
        if route.path.endswith("/callback"):
            return {"interaction": {"id": "1", "type": 2, "response_message_id": "2"}}
        data = payload.get("data", payload)
        channel = self.bot.guilds[0].text_channels[0]
        return {"id": str(fresh_id()), "channel_id": str(channel.id), "type": 0,
                "content": data.get("content", ""), "embeds": data.get("embeds", []),
                "author": {"id": str(self.bot.user.id), "username": "bot", "discriminator": "0",
                           "avatar": None}, "attachments": [], "mentions": [],
                "mention_roles": [], "pinned": False, "mention_everyone": False, "tts": False,
                "timestamp": "2024-01-01T00:00:00+00:00", "edited_timestamp": None, "flags": 0,
                "components": []}


@pytest.fixture
def adapter(bot):
    recording = RecordingAdapter(bot)
    token = async_context.set(recording)
    yield recording
    async_context.reset(token)


def interaction(bot, name: str, options: list[dict], kind: int = 2) -> discord.Interaction:
    payload = _interaction_payload(bot, member(0).id, kind)
    payload["data"] = {"id": str(fresh_id()), "name": name, "type": 1, "options": options}
    return discord.Interaction(data=payload, state=bot._connection)


async def press(bot, components: list[dict], custom_id: str, values: list[str],
                user_id: int | None = None) -> None:
    """A select-menu choice on a message of the bot carrying `components` (as sent), by
    `user_id` (default member 0), dispatched the way the gateway does; waits for the callback."""
    payload = _interaction_payload(bot, member(0).id if user_id is None else user_id, 3)
    payload["data"] = {"custom_id": custom_id, "component_type": 3, "values": values}
    payload["message"] = {
        "id": str(fresh_id()), "channel_id": payload["channel_id"], "type": 0, "content": "",
        "author": {"id": str(bot.user.id), "username": "bot", "discriminator": "0",
                   "avatar": None}, "embeds": [], "attachments": [], "mentions": [],
        "mention_roles": [], "pinned": False, "mention_everyone": False, "tts": False,
        "timestamp": "2024-01-01T00:00:00+00:00", "edited_timestamp": None, "flags": 0,
        "components": components}
    bot._connection.parse_interaction_create(payload)
    while pending := [t for t in asyncio.all_tasks() if t.get_name().startswith("discord-ui-")]:
        await asyncio.gather(*pending)


def _interaction_payload(bot, user_id: int, kind: int) -> dict:
    guild = bot.guilds[0]
    channel = guild.text_channels[0]
    user = next((m for m in guild.members if m.id == user_id), member(0))
    return {
        "id": str(fresh_id()), "application_id": str(bot.user.id), "type": kind, "token": "tok",
        "version": 1, "guild_id": str(guild.id), "channel_id": str(channel.id),
        "channel": {"id": str(channel.id), "type": 0, "guild_id": str(guild.id),
                    "name": channel.name, "position": 0},
        "member": {"user": {"id": str(user_id), "username": user.name, "discriminator": "0001",
                            "avatar": None, "global_name": None},
                   "roles": [], "joined_at": "2024-01-01T00:00:00+00:00", "deaf": False,
                   "mute": False, "permissions": "2147483647", "flags": 0},
        "locale": "en-US", "app_permissions": "2147483647", "attachment_size_limit": 8_000_000,
        "entitlements": [],
    }


def sent_text(adapter) -> str:
    return json.dumps([s["payload"] for s in adapter.sent], ensure_ascii=False)
