"""Nearest-book pools (book_pools.npy): built exactly at build time, they answer `similar` and
picks as the per-query search did; a broken or stale file is refused, a model without one still
serves."""

import json
import shutil

import numpy as np
import pytest

from engine.errors import BUILD_COMMAND, ModelDirError
from engine.model_dir import BOOK_POOLS, MANIFEST, build_pools, open_model, rewrite_manifest
from engine.serve.index import VectorIndex
from engine.serve.recommender import Recommender
from tests.test_index import unit_rows


def exact_order(vectors, row, excluded):
    scores = vectors @ vectors[row]
    allowed = np.flatnonzero(~excluded & (np.arange(len(vectors)) != row))
    return allowed[np.lexsort((allowed, -scores[allowed]))]


@pytest.fixture(scope="module")
def case():
    vectors = unit_rows(3000, seed=4)
    excluded = np.zeros(len(vectors), dtype=bool)
    excluded[::37] = True
    return vectors, excluded


def test_pools_are_each_rows_exact_nearest_best_first(case):
    vectors, excluded = case
    pools = build_pools(vectors, excluded, width=60)
    assert pools.shape == (3000, 60) and pools.dtype == np.int32
    for row in (0, 1, 36, 37, 1500, 2999):  # 0 and 37 are excluded rows: still given a pool
        expected = exact_order(vectors, row, excluded)[:60]
        got = pools[row]
        assert not excluded[got].any() and row not in got
        # Equal up to float noise: the same set of cosines in the same order.
        np.testing.assert_allclose(vectors[got] @ vectors[row], vectors[expected] @ vectors[row],
                                   atol=1e-6)


def test_a_row_whose_best_scores_hide_off_the_sample_is_still_exact():
    # Every sampled column (0, 8, 16, ...) is far from row 0; its nearest lie between them.
    vectors = np.zeros((400, 2), dtype=np.float32)
    angles = np.where(np.arange(400) % 8 == 0, np.pi, np.linspace(0, 0.5, 400))
    vectors[:, 0], vectors[:, 1] = np.cos(angles), np.sin(angles)
    vectors[0] = [1.0, 0.0]
    pools = build_pools(vectors, width=30)
    skip = np.zeros(400, dtype=bool)
    np.testing.assert_allclose(vectors[pools[0]] @ vectors[0],
                               vectors[exact_order(vectors, 0, skip)[:30]] @ vectors[0], atol=1e-6)


def test_pooled_index_answers_as_the_exact_search(case):
    vectors, excluded = case
    exact = VectorIndex(vectors, excluded=excluded)
    pooled = VectorIndex(vectors, excluded=excluded, pools=build_pools(vectors, excluded, 50))
    for row in (5, 600, 2400):
        for k in (1, 10, 50):
            a, b = exact.by_item(row, k), pooled.by_item(row, k)
            np.testing.assert_allclose([s for _, s in a], [s for _, s in b], atol=1e-6)
    batch = pooled.by_items([5, 600], 20)
    assert [i for i, _ in batch[1]] == [i for i, _ in pooled.by_item(600, 20)]
    # Wider than the pool: the search answers, still exact.
    assert len(pooled.by_item(5, 80)) == 80
    np.testing.assert_allclose([s for _, s in pooled.by_item(5, 80)],
                               [s for _, s in exact.by_item(5, 80)], atol=1e-6)


def test_evidence_between_is_the_row_at_those_books(tiny):
    evidence = tiny.evidence
    rng = np.random.default_rng(0)
    for book in np.flatnonzero(tiny.has_links)[:15].tolist():
        others = rng.integers(0, len(tiny.titles), 40)
        np.testing.assert_allclose(evidence.between(book, others), evidence.row(book)[others],
                                   atol=1e-5)
    assert evidence.between(0, np.array([], dtype=np.int64)).tolist() == []


def test_a_build_writes_pools_that_serve_the_same_answers(tiny_model_dir):
    files = open_model(tiny_model_dir)
    assert files.book_pools is not None and len(files.book_pools) == len(files.titles)
    with_pools = Recommender.load(tiny_model_dir)
    without = Recommender.load(tiny_model_dir)
    without.book_index.pools = None
    for title in [t for t, ok in zip(with_pools.titles, with_pools.has_links, strict=True) if ok][:20]:
        a, b = with_pools.similar(title, 10), without.similar(title, 10)
        assert [(n.similarity, n.evidence) for n in a] == [(n.similarity, n.evidence) for n in b]


@pytest.fixture
def model_copy(tiny_model_dir, tmp_path):
    copy = tmp_path / "model"
    shutil.copytree(tiny_model_dir, copy)
    return copy


def test_a_model_built_before_pools_still_loads_and_serves(model_copy):
    before = Recommender.load(model_copy).similar(Recommender.load(model_copy).titles[3], 5)
    (model_copy / BOOK_POOLS).unlink()
    manifest = json.loads((model_copy / MANIFEST).read_text())
    rewrite_manifest(model_copy, manifest)
    rec = Recommender.load(model_copy)
    assert rec.files.book_pools is None
    assert [n.title for n in rec.similar(rec.titles[3], 5)] == [n.title for n in before]


def save_resealed(directory, pools):
    np.save(directory / BOOK_POOLS, pools)
    rewrite_manifest(directory, json.loads((directory / MANIFEST).read_text()))


def damage_truncated(d):
    data = (d / BOOK_POOLS).read_bytes()
    (d / BOOK_POOLS).write_bytes(data[: len(data) // 2])


def damage_wrong_rows(d):
    save_resealed(d, np.load(d / BOOK_POOLS)[:-2])


def damage_wrong_type(d):
    save_resealed(d, np.load(d / BOOK_POOLS).astype(np.int64))


def damage_too_narrow(d):
    save_resealed(d, np.load(d / BOOK_POOLS)[:, :3])


def damage_out_of_range(d):
    pools = np.load(d / BOOK_POOLS)
    pools[:, 0] = 10_000
    save_resealed(d, pools)


def damage_built_for_other_vectors(d):
    pools = np.load(d / BOOK_POOLS)
    save_resealed(d, pools[:, ::-1].copy())  # worst first: not these vectors' order


@pytest.mark.parametrize("damage", [damage_truncated, damage_wrong_rows, damage_wrong_type,
                                    damage_too_narrow, damage_out_of_range,
                                    damage_built_for_other_vectors],
                         ids=lambda f: f.__name__.removeprefix("damage_"))
def test_a_broken_pools_file_is_refused_with_the_build_command(model_copy, damage):
    Recommender.load(model_copy)
    damage(model_copy)
    with pytest.raises(ModelDirError) as caught:
        Recommender.load(model_copy)
    message = str(caught.value)
    assert BUILD_COMMAND in message and BOOK_POOLS in message
    assert "\n" not in message and len(message) < 400
