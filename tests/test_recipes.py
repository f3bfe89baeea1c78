"""The build picks its recipe from the catalog's link density (engine.build.training_config)."""

import numpy as np

from engine.build.catalog import Catalog
from engine.build.pipeline import choose_catalog_recipe
from engine.build.training_config import (
    FULL_LINK_MIN_MEAN_LINKS,
    FULL_LINKS,
    PLATEAU_EPOCHS,
    RECIPE_KNN,
    THIN_LINKS,
    TrainConfig,
    choose_recipe,
    epochs_for,
    recipe_config,
    recipe_of,
)


def catalog(links_per_book: int, n_books: int = 4, stats: dict | None = None) -> Catalog:
    pairs = np.array([(b, p) for b in range(n_books) for p in range(links_per_book)],
                     dtype=np.int32).reshape(-1, 2)
    books = [f"book {b}" for b in range(n_books + 1)]  # the last one has no links: not counted
    return Catalog(books, [f"page {p}" for p in range(links_per_book)], pairs,
                   [{} for _ in books], dict(stats or {}))


def test_thin_catalog_keeps_the_shipped_recipe():
    chosen = choose_catalog_recipe(catalog(3))
    assert chosen["name"] == THIN_LINKS and chosen["mean_links_per_linked_book"] == 3.0
    assert recipe_config(THIN_LINKS) == TrainConfig()


def test_full_link_catalog_gets_the_full_link_recipe():
    assert choose_catalog_recipe(catalog(11))["name"] == FULL_LINKS
    assert choose_catalog_recipe(catalog(2, stats={"source_fetched": 1}))["name"] == FULL_LINKS
    assert choose_recipe(FULL_LINK_MIN_MEAN_LINKS)[0] == FULL_LINKS
    assert choose_recipe(FULL_LINK_MIN_MEAN_LINKS - 0.1)[0] == THIN_LINKS


def test_overrides_go_on_top_and_the_recipe_is_recognised():
    config = recipe_config(FULL_LINKS, epochs=3, seed=7)
    assert config.page_mix > 0 and config.epochs == 3 and config.seed == 7
    assert recipe_of(config) == FULL_LINKS and recipe_of(TrainConfig()) == THIN_LINKS
    assert RECIPE_KNN[FULL_LINKS] != RECIPE_KNN[THIN_LINKS]


def test_the_positive_budget_cuts_epochs_only_for_large_catalogs():
    config = TrainConfig(epochs=40, positive_budget=18_000_000)
    assert epochs_for(config, 114_316) == 40  # the shared catalog: far inside the budget
    assert epochs_for(config, 14_941) == 40  # the p15 full-link books
    assert epochs_for(config, 1_200_000) == 15  # the fresh catalog's size
    assert epochs_for(config, 600_000) == 30
    assert epochs_for(config, 50_000_000) == PLATEAU_EPOCHS  # never below the plateau
    assert epochs_for(TrainConfig(epochs=3), 50_000_000) == 3  # nor above what was asked
    assert epochs_for(config, 0) == 40


def test_the_full_link_recipe_removes_the_shared_direction_and_thin_links_does_not():
    assert recipe_config(FULL_LINKS).centre and recipe_config(FULL_LINKS).drop_directions == 1
    assert not TrainConfig().centre and TrainConfig().drop_directions == 0
