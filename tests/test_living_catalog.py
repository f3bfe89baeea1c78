"""A fetched catalog end to end: dump -> fetch -> build -> a Recommender that answers `similar`
and resolves aliases; shelves follow the new catalog."""

import datetime as dt
import json

import pytest

from bot.rekey import follow_catalog
from bot.service import ShelfService
from bot.store import Read, Store
from engine.build import cli
from engine.build.catalog import catalog_from_data_dir
from engine.build.dump_fetch import fetch_from_dumps
from engine.errors import ModelDirError
from engine.model_dir import ALIASES, open_model, rewrite_manifest
from engine.serve.recommender import Recommender
from tests.fixtures import CLUSTERS
from tests.wiki_pages import write_partitions


def tiny_config():
    from engine.build.training_config import TrainConfig

    return TrainConfig(epochs=60, batch_positives=64, patience=100, seed=1, positive_power=0.0,
                       same_book_negatives=False)


@pytest.fixture(scope="module")
def fetched_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("fetched")
    fetch_from_dumps(write_partitions(tmp_path_factory.mktemp("dumps")), out, workers=1,
                     progress=False, log=lambda *a: None)
    return out


@pytest.fixture(scope="module")
def fetched_model(fetched_dir, tmp_path_factory):
    from engine.build.pipeline import build_model_dir

    out = tmp_path_factory.mktemp("fetched-model") / "model"
    build_model_dir(fetched_dir, out, tiny_config(), min_link_count=2, n_trees=10, progress=False,
                    log=lambda *a: None, with_map=False)
    return out


@pytest.fixture(scope="module")
def fresh(fetched_model):
    return Recommender.load(fetched_model)


def test_the_catalog_reads_a_fetched_folder(fetched_dir):
    catalog = catalog_from_data_dir(fetched_dir, min_link_count=2)
    assert catalog.stats["source_fetched"] == 1
    assert catalog.n_books == 24
    assert catalog.aliases == {"Hobbit": "The Hobbit", "There and Back Again": "The Hobbit",
                               "War & Peace": "War and Peace"}
    hobbit = catalog.meta[catalog.books.index("The Hobbit")]
    assert hobbit["author"] == "J. R. R. Tolkien" and hobbit["series"] == "J. R. R. Tolkien books"
    assert hobbit["year"] == "1900"


def test_the_fresh_model_answers_similar_and_resolves_aliases(fresh):
    tolkien = set(CLUSTERS["tolkien"]["books"])
    near = [n.title for n in fresh.similar("The Hobbit", 5)]
    assert len(near) == 5 and set(near) <= tolkien, near
    for typed in ("Hobbit", "hobbit", "There and Back Again", "war & peace"):
        resolution = fresh.resolve(typed)
        assert resolution.found and resolution.title in ("The Hobbit", "War and Peace"), typed
    assert fresh.resolve("there and back again").title == "The Hobbit"
    assert fresh.canonical_title("Hobbit") == "The Hobbit"
    assert fresh.canonical_title("Bilbo's journey") is None  # a section redirect is no alias


def test_a_stale_alias_table_is_refused(fetched_model, tmp_path):
    import shutil

    copy = tmp_path / "model"
    shutil.copytree(fetched_model, copy)
    (copy / ALIASES).write_text(json.dumps({"Hobbit": "A Book Not Here"}), encoding="utf-8")
    rewrite_manifest(copy, open_model(fetched_model).manifest)
    files = open_model(copy)  # serving reads the aliases' folded keys, not this file
    with pytest.raises(ModelDirError, match="aliases.json names books the catalog lacks"):
        files.aliases  # noqa: B018 (read on first use, and checked then)


def test_build_model_reads_a_fetched_folder_without_fetching(fetched_dir, tmp_path, monkeypatch):
    seen = {}
    monkeypatch.setattr(cli, "fetch", lambda *a, **k: pytest.fail("fetched the 2018 data"))

    def fake_build(data, out, config, *args, **kwargs):
        seen["data"] = data
        return {"counts": {"books": 1, "pages": 1, "pairs": 1}, "training": {"final_loss": 0}}

    import engine.build.pipeline as pipeline

    monkeypatch.setattr(pipeline, "build_model_dir", fake_build)
    assert cli.build_main(["--data", str(fetched_dir), "--out", str(tmp_path / "m"), "--quiet"]) == 0
    assert seen["data"] == fetched_dir


WHEN = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)


async def test_shelves_follow_the_new_catalog(fresh, tmp_path):
    store = await Store.open(tmp_path / "db.sqlite3")
    try:
        await store.log_read("ann", "Hobbit", 5, WHEN)  # stored under the old catalog's title
        await store.log_read("ann", "War & Peace", None, WHEN)
        await store.log_read("ann", "War and Peace", 3, WHEN - dt.timedelta(days=1))
        await store.log_read("ann", "A Book Gone From Wikipedia", 4, WHEN)
        await store.log_read("ann", "Anna Karenina", 2, WHEN)
        report = await follow_catalog(store, fresh, "ann")
        assert sorted(report.moved) == [("Hobbit", "The Hobbit"), ("War & Peace", "War and Peace")]
        assert report.unresolved == ["A Book Gone From Wikipedia"]
        shelf = {r.title: r for r in await store.shelf("ann")}
        assert set(shelf) == {"The Hobbit", "War and Peace", "A Book Gone From Wikipedia",
                              "Anna Karenina"}
        assert shelf["The Hobbit"].rating == 5
        # The two reads of one book became one: the later date, the rating it had.
        assert shelf["War and Peace"] == Read("War and Peace", 3, WHEN, "chat")
        again = await follow_catalog(store, fresh, "ann")
        assert again.moved == [] and again.unresolved == ["A Book Gone From Wikipedia"]
    finally:
        await store.close()


async def test_the_service_rekeys_a_shelf_before_showing_it(fresh, tmp_path):
    store = await Store.open(tmp_path / "db.sqlite3")
    service = ShelfService(fresh, store)
    try:
        await store.log_read("bo", "There and Back Again", 4, WHEN)
        shelf = await service.shelf("bo")
        assert [e.book.title for e in shelf.entries] == ["The Hobbit"]
        assert await store.get("bo", "There and Back Again") is None
    finally:
        await store.close()


def test_an_alias_never_beats_a_real_title_and_an_ambiguous_one_is_dropped():
    from engine.serve.titles import TitleResolver

    titles = ["Nineteen Eighty-Four", "1984 (album)", "Dune (novel)", "Dune", "It (novel)"]
    resolver = TitleResolver(titles, aliases={"1984": 0, "Dune": 2, "It": 4, "Stephen King's It": 4,
                                              "Twins": 0, "twins": 2})
    assert resolver.resolve("1984").title == "Nineteen Eighty-Four"
    assert resolver.resolve("dune").title == "Dune"  # the catalog's own title wins
    assert resolver.resolve("stephen kings it").title == "It (novel)"
    assert not resolver.resolve("twins").found
