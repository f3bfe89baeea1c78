"""Build-time 2-D coordinates: stored in the model directory, NaN for books without links,
and faithful enough that the fixture's three clusters stay apart on the map."""

import numpy as np

from engine.build.catalog import build_catalog
from engine.build.layout import neighbour_graph, project
from engine.build.sources import BookRecord
from engine.model_dir import BOOK_MAP, open_model, read_manifest
from tests.fixtures import CLUSTERS


def small_catalog():
    """The fixture's clusters plus one book without links, whose vector is never trained."""
    records = [BookRecord(title, cluster["links"][i % 3:], {"author": cluster["author"]})
               for cluster in CLUSTERS.values() for i, title in enumerate(cluster["books"])]
    records.append(BookRecord("A Book Nobody Links", []))
    return build_catalog(records, min_link_count=2)


def build(out, with_map: bool) -> dict:
    from engine.build.pipeline import build_from_catalog
    from engine.build.training_config import TrainConfig

    return build_from_catalog(small_catalog(), out, TrainConfig(epochs=3, batch_positives=64),
                              n_trees=5, progress=False, log=lambda *a: None, with_map=with_map)


def test_build_stores_a_map_with_nan_for_books_without_links(tmp_path):
    manifest = build(tmp_path / "model", with_map=True)
    model = tmp_path / "model"
    files = open_model(model)
    xy = files.book_map()
    assert xy.shape == (len(files.titles), 2) and xy.dtype == np.float32
    linked = files.book_degrees() > 0
    assert files.titles[int(np.flatnonzero(~linked)[0])] == "A Book Nobody Links"
    assert np.isnan(xy[~linked]).all() and np.isfinite(xy[linked]).all()
    assert manifest["timings"]["map_s"] >= 0 and manifest["map"]["file"] == BOOK_MAP
    assert read_manifest(model)["files"][BOOK_MAP] == (model / BOOK_MAP).stat().st_size


def test_build_without_map_is_still_a_valid_model(tmp_path):
    manifest = build(tmp_path / "model", with_map=False)
    assert not (tmp_path / "model" / BOOK_MAP).exists() and "map_s" not in manifest["timings"]
    assert not open_model(tmp_path / "model").has_map


def test_map_keeps_the_clusters_apart(tiny_model_dir):
    files = open_model(tiny_model_dir)
    xy = files.book_map()
    row = {title: i for i, title in enumerate(files.titles)}
    groups = [xy[[row[t] for t in c["books"][:6]]] for c in CLUSTERS.values()]
    within = np.mean([np.linalg.norm(g - g.mean(axis=0), axis=1).mean() for g in groups])
    centres = np.array([g.mean(axis=0) for g in groups])
    between = np.mean([np.linalg.norm(a - b) for i, a in enumerate(centres)
                       for b in centres[i + 1:]])
    assert between > 2 * within, (within, between)


def test_neighbour_graph_skips_itself_and_rows_left_out(tiny_model_dir):
    files = open_model(tiny_model_dir)
    rows = np.flatnonzero(files.book_degrees() > 0)
    indices, distances = neighbour_graph(files.book_annoy(), rows, 5)
    assert indices.shape == distances.shape == (len(rows), 5)
    assert (indices >= 0).all() and (indices < len(rows)).all()
    assert not (indices == np.arange(len(rows))[:, None]).any()
    assert (distances >= 0).all() and (distances <= 2.0 + 1e-6).all()


def test_project_handles_too_few_rows(tiny_model_dir):
    files = open_model(tiny_model_dir)
    keep = np.zeros(len(files.titles), dtype=bool)
    keep[:2] = True
    xy = project(files.book_vectors, files.book_annoy(), keep)
    assert np.isfinite(xy[:2]).all() and np.isnan(xy[2:]).all()
