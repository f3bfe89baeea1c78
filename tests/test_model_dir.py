"""A missing, partial or incompatible model directory gives one clear error naming the build
command; a good one loads without TensorFlow, quickly and in little memory."""

import json
import shutil

import numpy as np
import pytest

from engine.errors import BUILD_COMMAND, ModelDirError
from engine.model_dir import (
    BOOK_INDEX,
    BOOK_VECTORS,
    BOOKS,
    MANIFEST,
    PAGE_INDEX,
    PAGE_VECTORS,
    PAIRS,
    rewrite_manifest,
)
from engine.quality.fresh_process import load_in_fresh_process
from engine.serve.recommender import Recommender
from tests.conftest import requires_shared_data


@pytest.fixture
def model_copy(tiny_model_dir, tmp_path):
    copy = tmp_path / "model"
    shutil.copytree(tiny_model_dir, copy)
    return copy


def reseal(directory, change=None):
    """Re-seal the manifest (sizes included) after a deliberate edit, so only deeper checks
    can catch the damage."""
    manifest = json.loads((directory / MANIFEST).read_text())
    if change:
        change(manifest)
    rewrite_manifest(directory, manifest)


def truncate(path, keep=0.5):
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])


def damage_missing_dir(d):
    shutil.rmtree(d)


def damage_no_manifest(d):
    (d / MANIFEST).unlink()


def damage_corrupt_manifest(d):
    (d / MANIFEST).write_text('{"format_version": 1, "counts": ')


def damage_wrong_version(d):
    manifest = json.loads((d / MANIFEST).read_text())
    manifest["format_version"] = 99
    (d / MANIFEST).write_text(json.dumps(manifest))


def damage_missing_ann(d):
    (d / BOOK_INDEX).unlink()


def damage_truncated_ann(d):
    truncate(d / BOOK_INDEX)


def damage_truncated_ann_resealed(d):
    truncate(d / PAGE_INDEX)
    reseal(d)


def damage_missing_npy(d):
    (d / BOOK_VECTORS).unlink()


def damage_truncated_npy_resealed(d):
    truncate(d / PAGE_VECTORS, 0.9)
    reseal(d)


def damage_vectors_size_mismatch(d):
    vectors = np.load(d / BOOK_VECTORS)
    np.save(d / BOOK_VECTORS, vectors[:-3])
    reseal(d)


def damage_catalog_size_mismatch(d):
    rows = json.loads((d / BOOKS).read_text())
    (d / BOOKS).write_text(json.dumps(rows[:-1]))
    reseal(d, lambda m: m["counts"].update(books=len(rows) - 1))


def damage_corrupt_books_json(d):
    (d / BOOKS).write_text("[{]")
    reseal(d)


def damage_pairs_out_of_range(d):
    pairs = np.load(d / PAIRS)
    pairs[-1, 0] = 10_000
    np.save(d / PAIRS, pairs)
    reseal(d)


@pytest.mark.parametrize("damage", [
    damage_missing_dir, damage_no_manifest, damage_corrupt_manifest, damage_wrong_version,
    damage_missing_ann, damage_truncated_ann, damage_truncated_ann_resealed, damage_missing_npy,
    damage_truncated_npy_resealed, damage_vectors_size_mismatch, damage_catalog_size_mismatch,
    damage_corrupt_books_json, damage_pairs_out_of_range,
], ids=lambda f: f.__name__.removeprefix("damage_"))
def test_a_broken_model_dir_names_the_build_command(model_copy, damage):
    Recommender.load(model_copy)  # intact first: the damage is what breaks it
    damage(model_copy)
    with pytest.raises(ModelDirError) as caught:
        Recommender.load(model_copy)
    message = str(caught.value)
    assert BUILD_COMMAND in message and str(model_copy) in message
    assert "\n" not in message and len(message) < 400


def test_loading_never_imports_tensorflow(tiny_model_dir):
    assert load_in_fresh_process(tiny_model_dir)["heavy_modules"] == []


@requires_shared_data
def test_real_model_loads_light_and_without_tensorflow(shared_model_dir):
    probe = load_in_fresh_process(shared_model_dir)
    assert probe["heavy_modules"] == []
    assert probe["rss_mb_median"] <= 300, probe  # load time: scripts/bench.py (serving)
