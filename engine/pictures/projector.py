"""Export for the TensorFlow Embedding Projector (projector.tensorflow.org, or the standalone
projector): one vectors TSV and one metadata TSV per embedding, and a projector_config.json that
lists them. Load it with "Load" in the projector, or host the folder and open the config.

Books without links are left out: their vectors were never trained.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from engine.model_dir import open_model

CONFIG = "projector_config.json"
BOOK_COLUMNS = ("title", "author", "genre", "country")
PAGE_COLUMNS = ("page", "books_linking")


def tsv_field(value) -> str:
    """One metadata cell: tabs and line breaks would split the row, so they become spaces."""
    text = "" if value is None else str(value)
    return " ".join(text.replace("\t", " ").replace("\r", " ").replace("\n", " ").split())


def write_vectors(path: Path, vectors: np.ndarray) -> None:
    np.savetxt(path, np.asarray(vectors, dtype=np.float32), fmt="%.5f", delimiter="\t")


def write_metadata(path: Path, columns: tuple[str, ...], rows) -> None:
    lines = ["\t".join(columns)]
    lines += ["\t".join(tsv_field(cell) for cell in row) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def embedding_entry(name: str, shape: tuple[int, int], vectors: str, metadata: str) -> dict:
    return {"tensorName": name, "tensorShape": [int(shape[0]), int(shape[1])],
            "tensorPath": vectors, "metadataPath": metadata}


def export_projector(model_dir: Path, out_dir: Path, with_pages: bool = True) -> Path:
    """Write the projector files of a model directory into out_dir; returns the config path."""
    files = open_model(model_dir)  # a clear error for a missing or partial model
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    embeddings = []

    linked = np.flatnonzero(files.book_degrees() > 0)
    book_vectors = files.book_vectors[linked]
    write_vectors(out_dir / "books_vectors.tsv", book_vectors)
    write_metadata(out_dir / "books_metadata.tsv", BOOK_COLUMNS,
                   ((files.titles[i], *(files.meta[i].get(c, "") for c in BOOK_COLUMNS[1:]))
                    for i in linked.tolist()))
    embeddings.append(embedding_entry("wikishelf books", book_vectors.shape,
                                      "books_vectors.tsv", "books_metadata.tsv"))
    if with_pages:
        write_vectors(out_dir / "pages_vectors.tsv", files.page_vectors)
        write_metadata(out_dir / "pages_metadata.tsv", PAGE_COLUMNS,
                       zip(files.pages, files.page_degrees().tolist(), strict=True))
        embeddings.append(embedding_entry("wikishelf linked pages", files.page_vectors.shape,
                                          "pages_vectors.tsv", "pages_metadata.tsv"))
    config = out_dir / CONFIG
    config.write_text(json.dumps({"embeddings": embeddings}, indent=2), encoding="utf-8")
    return config
