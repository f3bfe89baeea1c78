"""Discord's one-tap menus through discord.py's own machinery: answers sent by dpytest or the
command tree, then select-menu interactions dispatched the way the gateway does, to the bot that
sent them or to a fresh one after a restart (only the menus' custom ids survive)."""

import json

import discord
import discord.ext.test as dpytest
import pytest

from bot import answers as a
from bot.book_keys import book_key
from bot.discord_bot import make_bot
from bot.service import ShelfService
from bot.store import Store
from bot.views import DAMAGED, MENUS, NOT_YOURS, NotForMeMenu, PagerView
from tests.bot_fixtures import interaction, member, press, sent_text


@pytest.fixture
def sent(bot, monkeypatch):
    """The components of the channel messages the bot sends, as Discord receives them
    (dpytest keeps none): discord.py hands every sent view to its state's view store."""
    payloads = []
    original = bot._connection.store_view

    def store_view(view, message_id=None):
        payloads.append({"components": view.to_components(), "message_id": message_id})
        return original(view, message_id)
    monkeypatch.setattr(bot._connection, "store_view", store_view)
    return payloads


def menu_of(components: list[dict]) -> dict:
    (menu,) = [c for row in components for c in row["components"] if c["type"] == 3]
    return menu


async def ambiguous_read(bot, sent) -> tuple[list[dict], dict]:
    """`!read lord of the rings rating=4`: a "which one" answer with its menu."""
    await dpytest.message("!read lord of the rings rating=4", member=member(0))
    text = dpytest.get_message().content
    assert "The Fellowship of the Ring" in text and "The Return of the King" in text
    components = sent[-1]["components"]
    return components, menu_of(components)


def user_key(index: int) -> str:
    return f"discord:{member(index).id}"


def last_interaction_text(adapter) -> str:
    payload = adapter.sent[-1]["payload"]
    return payload.get("data", payload).get("content", "")


async def test_did_you_mean_menu_runs_the_same_command_with_its_rating(bot, sent, adapter):
    components, menu = await ambiguous_read(bot, sent)
    assert menu["custom_id"] == f"ws:pick:read:{member(0).id}:4"
    assert len(menu["custom_id"]) <= 100 and len(menu["options"]) <= 25
    by_label = {o["label"]: o["value"] for o in menu["options"]}
    assert by_label["The Fellowship of the Ring"] == book_key("The Fellowship of the Ring")
    assert await bot.service.store.count(user_key(0)) == 0

    await press(bot, components, menu["custom_id"], [by_label["The Fellowship of the Ring"]])
    callback = adapter.sent[0]
    assert callback["path"].endswith("/callback") and callback["payload"]["type"] == 5  # deferred
    assert "Logged: The Fellowship of the Ring" in sent_text(adapter)
    (read,) = await bot.service.store.shelf(user_key(0))
    assert (read.title, read.rating) == ("The Fellowship of the Ring", 4)


async def test_similar_choice_keeps_its_count_and_offers_not_for_me(bot, adapter):
    await bot.tree._call(interaction(bot, "similar", [
        {"name": "title", "type": 3, "value": "lord of the rings"},
        {"name": "k", "type": 4, "value": 3}]))
    (message,) = [s["payload"] for s in adapter.sent if "/webhooks/" in s["path"]
                  and s["method"] == "POST"]
    menu = menu_of(message["components"])
    assert menu["custom_id"] == f"ws:pick:similar:{member(0).id}:3"
    adapter.sent.clear()
    await press(bot, message["components"], menu["custom_id"], [menu["options"][0]["value"]])
    followup = adapter.sent[-1]["payload"]
    assert followup["embeds"][0]["title"].startswith("Books like ")
    assert followup["embeds"][0]["description"].count("**") == 2 * 3  # k=3 kept: 3 numbered picks
    not_for_me = menu_of(followup["components"])
    assert not_for_me["custom_id"] == f"ws:nfm:{member(0).id}"
    assert not_for_me["max_values"] == len(not_for_me["options"]) == 3


async def test_not_for_me_on_next_is_never_picked_again(bot, sent, adapter):
    await dpytest.message("!read The Hobbit 5", member=member(0))
    dpytest.get_message()
    await dpytest.message("!next 5", member=member(0))
    first = dpytest.get_message().embeds[0].description
    components = sent[-1]["components"]
    menu = menu_of(components)
    assert menu["custom_id"] == f"ws:nfm:{member(0).id}"
    dropped = [menu["options"][0], menu["options"][2]]
    assert all(o["label"] in first for o in dropped)

    await press(bot, components, menu["custom_id"], [o["value"] for o in dropped])
    assert adapter.sent[0]["payload"]["data"]["flags"] == 64  # the answer is private
    assert "Not for you" in last_interaction_text(adapter)
    assert sorted(await bot.service.store.dismissed(user_key(0))) == \
        sorted(o["label"] for o in dropped)
    await dpytest.message("!next 5", member=member(0))
    again = dpytest.get_message().embeds[0].description
    assert not any(o["label"] in again for o in dropped)
    await dpytest.message("!similar The Hobbit 25", member=member(0))
    like = dpytest.get_message().embeds[0].description
    assert not any(f"[{o['label']}]" in like for o in dropped)  # gone from her similar too
    await dpytest.message("!similar The Hobbit 25", member=member(1))
    bobs = dpytest.get_message().embeds[0].description
    assert all(f"[{o['label']}]" in bobs for o in dropped)  # but not from bob's


async def test_menus_work_after_a_restart(bot, sent, rec, tmp_path, adapter):
    components, menu = await ambiguous_read(bot, sent)
    alice = member(0).id
    await bot.service.store.close()  # the old process is gone; only Discord's message remains

    store = await Store.open(tmp_path / "shelf.db")
    fresh = make_bot(service=ShelfService(rec, store), intents_override=bot.intents)
    await fresh._async_setup_hook()
    dpytest.configure(fresh, members=["alice", "bob"])
    await fresh.setup_hook()
    try:
        assert not fresh._connection._view_store.persistent_views  # nothing kept in memory
        adapter.bot = fresh
        await press(fresh, components, menu["custom_id"], [book_key("The Return of the King")],
                    user_id=alice)
        assert "Logged: The Return of the King" in sent_text(adapter)
        (read,) = await store.shelf(f"discord:{alice}")
        assert (read.title, read.rating) == ("The Return of the King", 4)
    finally:
        await store.close()
        bot.service.store = await Store.open(tmp_path / "shelf.db")  # for the fixture to close


async def test_only_the_asker_can_use_a_menu(bot, sent, adapter):
    components, menu = await ambiguous_read(bot, sent)
    await press(bot, components, menu["custom_id"], [menu["options"][0]["value"]],
                user_id=member(1).id)
    assert last_interaction_text(adapter) == NOT_YOURS
    assert adapter.sent[-1]["payload"]["data"]["flags"] == 64
    assert await bot.service.store.count(user_key(0)) == 0
    assert await bot.service.store.count(user_key(1)) == 0


FORGED = ["ws:pick:drop:{me}:", "ws:pick:read:not-a-number:4", "ws:pick:read:{me}:4:extra",
          "ws:pick:read:{me}:99999", "ws:pick:" + "x" * 92, "ws:pick:", "ws:nfm:",
          "ws:nfm:{me}x", "ws:nfm:-1", "ws:nfm:{me}\n"]


@pytest.mark.parametrize("custom_id", FORGED)
async def test_forged_custom_ids_get_a_short_answer_and_change_nothing(bot, adapter, custom_id):
    custom_id = custom_id.format(me=member(0).id)
    components = [{"type": 1, "components": [{
        "type": 3, "custom_id": custom_id, "min_values": 1, "max_values": 1,
        "options": [{"label": "The Hobbit", "value": book_key("The Hobbit")}]}]}]
    await press(bot, components, custom_id, [book_key("The Hobbit")])
    assert last_interaction_text(adapter) == DAMAGED
    assert await bot.service.store.count(user_key(0)) == 0
    assert await bot.service.store.dismissed(user_key(0)) == []


@pytest.mark.parametrize("values", [
    ["0123456789ab"],  # well formed, in the menu, but no catalog book (a retrained catalog)
    ["The Hobbit"],  # not a key
    ["'); DROP TABLE reads; --"],
    [],
])
async def test_stale_or_foreign_options_change_nothing(bot, adapter, values):
    me = member(0).id
    for custom_id in (f"ws:pick:read:{me}:", f"ws:nfm:{me}"):
        options = [{"label": "a book", "value": v} for v in values or ["0123456789ab"]]
        components = [{"type": 1, "components": [{
            "type": 3, "custom_id": custom_id, "min_values": 1, "max_values": 1,
            "options": options}]}]
        adapter.sent.clear()
        await press(bot, components, custom_id, values)
        assert last_interaction_text(adapter) == DAMAGED
    assert await bot.service.store.count(user_key(0)) == 0
    assert await bot.service.store.dismissed(user_key(0)) == []


async def test_a_value_the_menu_did_not_offer_is_refused(bot, adapter):
    me = member(0).id
    custom_id = f"ws:nfm:{me}"
    components = [{"type": 1, "components": [{
        "type": 3, "custom_id": custom_id, "min_values": 1, "max_values": 1,
        "options": [{"label": "The Hobbit", "value": book_key("The Hobbit")}]}]}]
    await press(bot, components, custom_id, [book_key("War and Peace")])
    assert last_interaction_text(adapter) == DAMAGED
    assert await bot.service.store.dismissed(user_key(0)) == []


async def test_a_rating_forged_into_the_menu_is_refused(bot, adapter):
    custom_id = f"ws:pick:read:{member(0).id}:9"
    components = [{"type": 1, "components": [{
        "type": 3, "custom_id": custom_id, "min_values": 1, "max_values": 1,
        "options": [{"label": "The Hobbit", "value": book_key("The Hobbit")}]}]}]
    await press(bot, components, custom_id, [book_key("The Hobbit")])
    assert "1 to 5" in sent_text(adapter)
    assert await bot.service.store.count(user_key(0)) == 0


async def test_menu_answers_mention_nobody(bot, adapter):
    await bot.tree._call(interaction(bot, "read", [
        {"name": "title", "type": 3, "value": f"@everyone {member(1).mention} lord of the rings"},
        {"name": "rating", "type": 4, "value": 5}]))
    text = sent_text(adapter)
    assert "@everyone" not in text.replace("@\u200beveryone", "")
    for s in adapter.sent:
        payload = s["payload"].get("data", s["payload"])
        if "content" in payload or "embeds" in payload:
            assert payload["allowed_mentions"] == {"parse": []}


async def test_pager_timeout_leaves_the_menu_working(bot):
    pages = [discord.Embed(title=str(n)) for n in range(2)]
    view = PagerView(member(0).id, pages)
    view.add_item(NotForMeMenu.offer(member(0).id, [a.Book("The Hobbit"), a.Book("Dune")]))
    await view.on_timeout()
    assert view.previous.disabled and view.more.disabled
    (menu,) = [item for item in view.children if isinstance(item, NotForMeMenu)]
    assert not menu.item.disabled
    assert len(json.dumps(view.to_components())) < 4000


def test_the_bot_registers_every_menu(bot):
    patterns = bot._connection._view_store._dynamic_items
    assert {cls for cls in patterns.values()} == set(MENUS)
