"""Nearest-neighbour index: exact path, Annoy path, batched top-k, tie-aware recall."""

import numpy as np
import pytest

from engine.model_dir import build_annoy, load_annoy
from engine.serve.index import (
    DEFAULT_SEARCH_K,
    VectorIndex,
    rows_top_k,
    tie_aware_recall,
    top_k,
)
from engine.serve.recommender import Recommender
from tests.conftest import requires_shared_data


def unit_rows(n: int, dim: int = 16, clusters: int = 20, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(clusters, dim))
    rows = centres[rng.integers(0, clusters, n)] + 0.3 * rng.normal(size=(n, dim))
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


@pytest.fixture(scope="module")
def annoy_case(tmp_path_factory):
    vectors = unit_rows(3000)
    excluded = np.zeros(len(vectors), dtype=bool)
    excluded[::50] = True
    path = tmp_path_factory.mktemp("ann") / "v.ann"
    build_annoy(vectors, path, 20, skip=excluded)
    return vectors, excluded, path


def test_top_k_is_ordered_and_breaks_ties_by_lower_index():
    scores = np.array([0.1, 0.9, 0.5, 0.9, -np.inf, 0.5])
    assert top_k(scores, 4).tolist() == [1, 3, 2, 5]
    assert top_k(scores, 0).tolist() == []
    assert len(top_k(scores, 99)) == len(scores)


def test_rows_top_k_matches_a_full_sort_including_the_fallback():
    rng = np.random.default_rng(3)
    scores = rng.normal(size=(6, 500)).astype(np.float32)
    # Row 0 hides all its best scores off the sampled columns, forcing the fallback.
    scores[0, :] = 0
    scores[0, 1::8] = 1 + np.arange(len(scores[0, 1::8]))
    for row, got in zip(scores, rows_top_k(scores, 20), strict=True):
        assert got.tolist() == np.argsort(-row, kind="stable")[:20].tolist()
    allowed = lambda r, cols: cols % 2 == 0  # noqa: E731
    for row, got in zip(scores, rows_top_k(scores, 5, allowed), strict=True):
        evens = np.arange(0, 500, 2)
        assert got.tolist() == evens[np.argsort(-row[evens], kind="stable")][:5].tolist()


def test_exact_queries_exclude_self_and_excluded_rows(annoy_case):
    vectors, excluded, _ = annoy_case
    index = VectorIndex(vectors, excluded=excluded)
    hits = index.by_item(7, 25)
    ids = [i for i, _ in hits]
    assert 7 not in ids and not excluded[ids].any() and len(hits) == 25
    sims = [s for _, s in hits]
    assert sims == sorted(sims, reverse=True)
    assert index.by_vector(vectors[7] * 3, 1)[0][0] == 7  # any length: it is normalised
    assert index.by_vector(np.zeros(16), 5) == []
    batched = index.by_items([7, 8], 25)
    assert [i for i, _ in batched[0]] == ids
    assert [i for i, _ in batched[1]] == [i for i, _ in index.by_item(8, 25)]


def test_annoy_path_agrees_with_exact_and_skips_excluded(annoy_case):
    vectors, excluded, path = annoy_case
    annoy = load_annoy(path, vectors.shape[1])
    index = VectorIndex(vectors, annoy, search_k=DEFAULT_SEARCH_K, excluded=excluded, exact_max=0)
    assert not index.exact
    for item in (1, 2, 3):
        got = index.by_item(item, 10)
        assert item not in [i for i, _ in got] and not excluded[[i for i, _ in got]].any()
        vec = index.by_vector(vectors[item], 10)
        assert vec[0][0] == item and abs(vec[0][1] - 1.0) < 1e-4
    assert tie_aware_recall(index, range(1, 200, 7)) >= 0.95


def test_tie_aware_recall_counts_tied_rows_and_can_fail(tmp_path):
    base = unit_rows(40, seed=1)
    vectors = np.repeat(base, 30, axis=0)  # every vector 30 times: neighbours tie
    path = tmp_path / "ties.ann"
    build_annoy(vectors, path, 10)
    good = VectorIndex(vectors, load_annoy(path, 16), search_k=20_000, exact_max=0)
    assert tie_aware_recall(good, range(0, 1200, 37)) == 1.0
    spread = unit_rows(3000, clusters=1, seed=2)
    build_annoy(spread, tmp_path / "bad.ann", 1)
    bad = VectorIndex(spread, load_annoy(tmp_path / "bad.ann", 16), search_k=1, exact_max=0)
    assert tie_aware_recall(bad, range(0, 3000, 97)) < 0.9


@requires_shared_data
def test_shipped_settings_reach_recall_on_the_real_model(shared_model_dir):
    rec = Recommender.load(shared_model_dir)
    queries = np.flatnonzero(rec.has_links)[::36]  # ~1,000 books across the catalog (200 were noisy)
    assert tie_aware_recall(rec.book_index, queries) >= 0.98
