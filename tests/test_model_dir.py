"""A missing, partial or incompatible model directory gives one clear error naming the build
command; a good one loads without TensorFlow, quickly and in little memory."""

import json
import shutil

import numpy as np
import pytest

from engine.errors import BUILD_COMMAND, ModelDirError
from engine.model_dir import MANIFEST, write_manifest
from engine.recommender import Recommender
from scripts.benchmarks.serving import load_in_fresh_process
from tests.conftest import requires_shared_data


@pytest.fixture
def model_copy(tiny_model_dir, tmp_path):
    copy = tmp_path / "model"
    shutil.copytree(tiny_model_dir, copy)
    return copy


def rewrite_manifest(directory, change=None):
    """Re-seal the manifest (sizes included) after a deliberate edit, so only deeper checks
    can catch the damage."""
    manifest = json.loads((directory / MANIFEST).read_text())
    manifest.pop("files", None)
    manifest.pop("format_version", None)
    if change:
        change(manifest)
    write_manifest(directory, manifest)


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
    (d / "books.ann").unlink()


def damage_truncated_ann(d):
    truncate(d / "books.ann")


def damage_truncated_ann_resealed(d):
    truncate(d / "pages.ann")
    rewrite_manifest(d)


def damage_missing_npy(d):
    (d / "book_vectors.npy").unlink()


def damage_truncated_npy_resealed(d):
    truncate(d / "page_vectors.npy", 0.9)
    rewrite_manifest(d)


def damage_vectors_size_mismatch(d):
    vectors = np.load(d / "book_vectors.npy")
    np.save(d / "book_vectors.npy", vectors[:-3])
    rewrite_manifest(d)


def damage_catalog_size_mismatch(d):
    rows = json.loads((d / "books.json").read_text())
    (d / "books.json").write_text(json.dumps(rows[:-1]))
    rewrite_manifest(d, lambda m: m["counts"].update(books=len(rows) - 1))


def damage_corrupt_books_json(d):
    (d / "books.json").write_text("[{]")
    rewrite_manifest(d)


def damage_pairs_out_of_range(d):
    pairs = np.load(d / "pairs.npy")
    pairs[-1, 0] = 10_000
    np.save(d / "pairs.npy", pairs)
    rewrite_manifest(d)


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
    assert probe["rss_mb_median"] <= 300, probe
    # The 1 s target is checked by scripts/bench.py on a quiet machine; here only a gross bound.
    assert probe["load_s_median"] < 10, probe
