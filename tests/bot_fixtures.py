"""Fixtures shared by the bot's tests: the tiny model loaded once, a service on a fresh DB."""

import pytest

from bot.service import ShelfService
from bot.store import Store
from engine.serve.recommender import Recommender


@pytest.fixture(scope="module")
def rec(tiny_model_dir):
    return Recommender.load(tiny_model_dir)


@pytest.fixture
async def service(rec, tmp_path):
    store = await Store.open(tmp_path / "shelf.db")
    yield ShelfService(rec, store, maps_dir=tmp_path / "maps")
    await store.close()
