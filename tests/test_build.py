"""End to end: data folder -> catalog -> training -> Annoy -> model directory."""


import numpy as np
import pytest

from engine import Recommender
from engine.build.catalog import Catalog
from engine.model_dir import MANIFEST, REQUIRED_FILES, open_model, read_manifest


def test_tiny_build_writes_a_complete_model_directory(tiny_model_dir):
    manifest = read_manifest(tiny_model_dir)
    assert all((tiny_model_dir / name).is_file() for name in REQUIRED_FILES)
    files = open_model(tiny_model_dir)
    assert manifest["counts"] == {"books": len(files.titles), "pages": len(files.pages),
                                  "pairs": len(files.pairs),
                                  "books_without_links": int((files.book_degrees() == 0).sum())}
    assert manifest["data_fingerprint"] == Catalog.from_model(files).fingerprint()
    training = manifest["training"]
    assert training["epochs_run"] == len(training["losses"]) and training["final_loss"] > 0
    for vectors, n in ((files.book_vectors, len(files.titles)),
                       (files.page_vectors, len(files.pages))):
        assert vectors.shape == (n, training["dim"]) and vectors.dtype == np.float32
        assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert not list(tiny_model_dir.parent.glob("*.building"))


def test_same_inputs_and_seed_give_the_same_model(tiny_data_dir, tiny_model_dir, tmp_path):
    from engine.build.pipeline import build_model_dir
    from engine.build.training_config import TrainConfig

    config = TrainConfig(**{k: v for k, v in read_manifest(tiny_model_dir)["training"].items()
                            if k in TrainConfig.__dataclass_fields__})
    again = build_model_dir(tiny_data_dir, tmp_path / "again", config, min_link_count=2,
                            n_trees=10, progress=False, log=lambda *a: None)
    first = read_manifest(tiny_model_dir)
    assert again["counts"] == first["counts"]
    assert again["data_fingerprint"] == first["data_fingerprint"]
    assert again["training"]["losses"] == first["training"]["losses"]
    assert np.array_equal(open_model(tmp_path / "again").book_vectors,
                          open_model(tiny_model_dir).book_vectors)


def test_rebuild_replaces_the_model_whole(tiny_data_dir, tmp_path):
    from engine.build.pipeline import build_model_dir
    from engine.build.training_config import TrainConfig

    out = tmp_path / "model"
    for seed in (1, 2):
        build_model_dir(tiny_data_dir, out, TrainConfig(epochs=2, batch_positives=64, seed=seed),
                        min_link_count=2, n_trees=5, progress=False, log=lambda *a: None)
        assert read_manifest(out)["training"]["seed"] == seed
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]


def test_build_script_if_missing_keeps_a_valid_model(tiny_model_dir, capsys):
    from engine.build.cli import build_main as main

    before = (tiny_model_dir / MANIFEST).stat().st_mtime_ns
    assert main(["--out", str(tiny_model_dir), "--if-missing"]) == 0
    assert "model ready" in capsys.readouterr().out
    assert (tiny_model_dir / MANIFEST).stat().st_mtime_ns == before


def test_full_build_on_shared_data(shared_model_dir):
    manifest = read_manifest(shared_model_dir)
    # Every book of book_info.tsv but its 104 drafts, 2 file pages and 1 template doc page.
    assert manifest["counts"]["books"] == 37_020 - 107
    assert manifest["counts"]["pairs"] > 100_000 and manifest["counts"]["pages"] > 3_000
    assert manifest["catalog_stats"]["ndjson_books"] >= 1_400
    # Build memory is measured in a child process of its own by scripts/bench.py (training).


@pytest.mark.parametrize("title, author", [("The Hobbit", "J. R. R. Tolkien"),
                                           ("Bully for Brontosaurus", "Stephen Jay Gould")])
def test_full_build_finds_the_authors_other_books(shared_model_dir, title, author):
    neighbours = Recommender.load(shared_model_dir).similar(title, 10)
    same_author = [n.title for n in neighbours if n.meta.get("author") == author]
    assert len(same_author) >= 3, [(n.title, n.meta.get("author")) for n in neighbours]
