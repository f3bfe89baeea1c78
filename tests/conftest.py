"""Shared fixtures: a tiny model built in seconds, and the real model built once per session
from ../shared/data (skipped with a reason where that folder is absent)."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine import settings
from tests.fixtures import write_data_dir

# The bot's fixtures (`rec`, `service`, `bot`, `adapter`) and the store's backends (`store_target`,
# `pg_server`) for every test module.
pytest_plugins = ["tests.bot_fixtures", "tests.postgres_server"]

SHARED_MISSING = not (settings.SHARED_WIKIPEDIA_DIR / "book_info.tsv").is_file()
SHARED_REASON = f"needs the shared data set in {settings.SHARED_WIKIPEDIA_DIR} (present in CI)"
requires_shared_data = pytest.mark.shared_data
# Fixtures that build or load the real model: a test using one needs the shared data too.
SHARED_FIXTURES = {"shared_model_dir", "real"}


def pytest_collection_modifyitems(config, items):
    """Tests on the shared data are `shared_data` and `slow` (they build a real model once per
    session); where the data is absent they skip with the reason."""
    for item in items:
        if SHARED_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.shared_data)
        if item.get_closest_marker("shared_data"):
            item.add_marker(pytest.mark.slow)
            if SHARED_MISSING:
                item.add_marker(pytest.mark.skip(reason=SHARED_REASON))


@pytest.fixture(scope="session")
def tiny_data_dir(tmp_path_factory) -> Path:
    return write_data_dir(tmp_path_factory.mktemp("tiny-data"))


@pytest.fixture(scope="session")
def tiny_model_dir(tiny_data_dir, tmp_path_factory) -> Path:
    from engine.build.pipeline import build_model_dir
    from engine.build.training_config import TrainConfig

    out = tmp_path_factory.mktemp("tiny-model") / "model"
    # The article's sampling: on a ~100-book catalog, idf-weighted positives and same-book
    # negatives turn clusters anti-parallel, so a book's top 20 reaches negative cosines.
    config = TrainConfig(epochs=60, batch_positives=64, patience=100, seed=1, positive_power=0.0,
                         same_book_negatives=False)
    build_model_dir(tiny_data_dir, out, config, min_link_count=2, n_trees=10, progress=False,
                    log=lambda *a: None)
    return out


@pytest.fixture(scope="session")
def shared_model_dir(tmp_path_factory) -> Path:
    """The default build on the shared data, made once per test session (about 25 s)."""
    if SHARED_MISSING:
        pytest.skip(SHARED_REASON)
    from engine.build.datafiles import fetch
    from engine.build.pipeline import build_model_dir

    data = tmp_path_factory.mktemp("shared-data")
    fetch(data, mirror=settings.SHARED_WIKIPEDIA_DIR, log=lambda *a: None)
    out = tmp_path_factory.mktemp("shared-model") / "model"
    build_model_dir(data, out, progress=False, log=lambda *a: None)
    return out


@pytest.fixture(scope="session")
def tiny(tiny_model_dir):
    """A Recommender on the tiny fixture model."""
    from engine.serve.recommender import Recommender

    return Recommender.load(tiny_model_dir)


@pytest.fixture(scope="session")
def real(shared_model_dir):
    """A Recommender on the real shared model."""
    from engine.serve.recommender import Recommender

    return Recommender.load(shared_model_dir)
