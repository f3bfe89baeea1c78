"""The TensorFlow Projector export parses back with matching rows and columns."""

import csv
import json

import numpy as np
import pytest

from engine.errors import ModelDirError
from engine.model_dir import open_model
from engine.pictures.projector import BOOK_COLUMNS, CONFIG, export_projector, tsv_field


def read_tsv(path):
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE))


def test_export_parses_with_matching_row_counts(tiny_model_dir, tmp_path):
    config_path = export_projector(tiny_model_dir, tmp_path / "projector")
    assert config_path.name == CONFIG
    config = json.loads(config_path.read_text(encoding="utf-8"))
    assert [e["tensorName"] for e in config["embeddings"]] == ["wikishelf books",
                                                               "wikishelf linked pages"]
    files = open_model(tiny_model_dir)
    linked = int((files.book_degrees() > 0).sum())
    for entry, rows_expected in zip(config["embeddings"], (linked, len(files.pages)), strict=True):
        assert set(entry) == {"tensorName", "tensorShape", "tensorPath", "metadataPath"}
        vectors = np.loadtxt(config_path.parent / entry["tensorPath"], delimiter="\t", ndmin=2)
        metadata = read_tsv(config_path.parent / entry["metadataPath"])
        header, body = metadata[0], metadata[1:]
        assert entry["tensorShape"] == [rows_expected, files.dim] == list(vectors.shape)
        assert len(body) == rows_expected
        assert all(len(row) == len(header) for row in body)
    books = read_tsv(config_path.parent / "books_metadata.tsv")
    assert tuple(books[0]) == BOOK_COLUMNS == ("title", "author", "genre", "country")
    row = next(r for r in books if r[0] == "War and Peace")
    assert row[1] == "Leo Tolstoy"
    # the exported vector is the model's vector for that book
    vectors = np.loadtxt(config_path.parent / "books_vectors.tsv", delimiter="\t")
    files = open_model(tiny_model_dir)
    model = files.book_vectors
    assert np.allclose(vectors[books.index(row) - 1], model[files.titles.index("War and Peace")],
                       atol=1e-5)


def test_metadata_cells_cannot_break_rows():
    assert tsv_field("a\tb\nc\r\nd  e") == "a b c d e"
    assert tsv_field(None) == "" and tsv_field(7) == "7"


def test_a_missing_model_is_a_clear_error(tmp_path):
    with pytest.raises(ModelDirError, match="does not exist"):
        export_projector(tmp_path / "nope", tmp_path / "out")
    assert not (tmp_path / "out").exists()
