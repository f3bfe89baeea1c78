"""Build-time 2-D coordinates: stored in the model directory, NaN for books without links,
and faithful enough that the fixture's three clusters stay apart on the map."""

import numpy as np

from engine.catalog import Catalog, build_catalog
from engine.model_dir import read_manifest
from engine.projection import BOOK_MAP, neighbour_graph, project
from engine.sources import BookRecord
from tests.fixtures import CLUSTERS


def small_catalog():
    """The fixture's clusters plus one book without links, whose vector is never trained."""
    records = [BookRecord(title, cluster["links"][i % 3:], {"author": cluster["author"]})
               for cluster in CLUSTERS.values() for i, title in enumerate(cluster["books"])]
    records.append(BookRecord("A Book Nobody Links", []))
    return build_catalog(records, min_link_count=2)


def build(out, with_map: bool) -> dict:
    from engine.pipeline import build_from_catalog
    from engine.training_config import TrainConfig

    return build_from_catalog(small_catalog(), out, TrainConfig(epochs=3, batch_positives=64),
                              n_trees=5, progress=False, log=lambda *a: None, with_map=with_map)


def test_build_stores_a_map_with_nan_for_books_without_links(tmp_path):
    manifest = build(tmp_path / "model", with_map=True)
    model = tmp_path / "model"
    xy = np.load(model / BOOK_MAP)
    catalog = Catalog.load(model)
    assert xy.shape == (catalog.n_books, 2) and xy.dtype == np.float32
    linked = catalog.book_degrees() > 0
    assert catalog.books[int(np.flatnonzero(~linked)[0])] == "A Book Nobody Links"
    assert np.isnan(xy[~linked]).all() and np.isfinite(xy[linked]).all()
    assert manifest["timings"]["map_s"] >= 0 and manifest["map"]["file"] == BOOK_MAP
    assert read_manifest(model)["files"][BOOK_MAP] == (model / BOOK_MAP).stat().st_size


def test_build_without_map_is_still_a_valid_model(tmp_path):
    manifest = build(tmp_path / "model", with_map=False)
    assert not (tmp_path / "model" / BOOK_MAP).exists() and "map_s" not in manifest["timings"]
    read_manifest(tmp_path / "model")


def test_map_keeps_the_clusters_apart(tiny_model_dir):
    xy = np.load(tiny_model_dir / BOOK_MAP)
    row = {title: i for i, title in enumerate(Catalog.load(tiny_model_dir).books)}
    groups = [xy[[row[t] for t in c["books"][:6]]] for c in CLUSTERS.values()]
    within = np.mean([np.linalg.norm(g - g.mean(axis=0), axis=1).mean() for g in groups])
    centres = np.array([g.mean(axis=0) for g in groups])
    between = np.mean([np.linalg.norm(a - b) for i, a in enumerate(centres)
                       for b in centres[i + 1:]])
    assert between > 2 * within, (within, between)


def test_neighbour_graph_skips_itself_and_rows_left_out(tiny_model_dir):
    vectors = np.load(tiny_model_dir / "book_vectors.npy")
    catalog = Catalog.load(tiny_model_dir)
    rows = np.flatnonzero(catalog.book_degrees() > 0)
    indices, distances = neighbour_graph(tiny_model_dir / "books.ann", vectors.shape[1], rows, 5)
    assert indices.shape == distances.shape == (len(rows), 5)
    assert (indices >= 0).all() and (indices < len(rows)).all()
    assert not (indices == np.arange(len(rows))[:, None]).any()
    assert (distances >= 0).all() and (distances <= 2.0 + 1e-6).all()


def test_project_handles_too_few_rows(tiny_model_dir):
    vectors = np.load(tiny_model_dir / "book_vectors.npy")
    keep = np.zeros(len(vectors), dtype=bool)
    keep[:2] = True
    xy = project(vectors, tiny_model_dir / "books.ann", keep)
    assert np.isfinite(xy[:2]).all() and np.isnan(xy[2:]).all()
