"""The book-club tables (migration V4) on both backends: membership per server, the current
book, forget and export reaching them from the schema, and a server's data dropped as a whole."""

import datetime as dt

from bot.store import Store
from tests.postgres_server import raw_sql

DAY = dt.datetime(2024, 5, 1, tzinfo=dt.UTC)


async def test_join_leave_and_members_in_join_order(store_target):
    store = await Store.open(store_target)
    assert await store.join_club("g1", "bob", when=DAY + dt.timedelta(hours=1)) is True
    assert await store.join_club("g1", "ann", when=DAY) is True
    assert await store.join_club("g1", "ann") is False  # joined already: nothing changes
    await store.join_club("g2", "cat")
    assert await store.club_members("g1") == ["ann", "bob"]
    assert await store.club_members("g2") == ["cat"]
    assert await store.leave_club("g1", "ann") is True
    assert await store.leave_club("g1", "ann") is False
    assert await store.club_members("g1") == ["bob"]
    await store.close()
    store = await Store.open(store_target)  # committed: a restart keeps it
    assert await store.club_members("g1") == ["bob"]
    await store.close()


async def test_current_book_is_one_per_server_and_replaced(store_target):
    store = await Store.open(store_target)
    assert await store.club_book("g1") is None
    await store.set_club_book("g1", "The Hobbit", "ann", when=DAY)
    await store.set_club_book("g1", "Dune", "bob", when=DAY + dt.timedelta(days=1))
    await store.set_club_book("g2", "Emma", "cat")
    book = await store.club_book("g1")
    assert (book.title, book.set_by, book.set_at) == ("Dune", "bob", DAY + dt.timedelta(days=1))
    assert (await store.club_book("g2")).title == "Emma"
    await store.close()


async def test_forget_and_export_cover_the_club_tables(store_target):
    store = await Store.open(store_target)
    await store.join_club("g1", "ann", when=DAY)
    await store.join_club("g2", "ann", when=DAY)
    await store.join_club("g1", "bob")
    await store.set_club_book("g1", "Dune", "ann", when=DAY)
    exported = await store.export("ann")
    assert sorted(r["guild_id"] for r in exported["club_members"]) == ["g1", "g2"]
    assert [r["title"] for r in exported["club_books"]] == ["Dune"]
    await store.forget("ann")
    assert await store.club_members("g1") == ["bob"] and await store.club_members("g2") == []
    assert await store.club_book("g1") is None  # the entry she set went with her
    assert await raw_sql(store_target, "SELECT user_id FROM club_members") == [("bob",)]
    await store.close()


async def test_dropping_a_server_takes_only_its_club(store_target):
    store = await Store.open(store_target)
    for user in ("ann", "bob"):
        await store.join_club("g1", user)
    await store.join_club("g2", "ann")
    await store.set_club_book("g1", "Dune", "ann")
    await store.log_read("ann", "The Hobbit", 5)
    assert await store.drop_club("g1") == 3
    assert await store.club_members("g1") == [] and await store.club_book("g1") is None
    assert await store.club_members("g2") == ["ann"] and await store.count("ann") == 1
    assert await store.drop_club("g1") == 0
    await store.close()
