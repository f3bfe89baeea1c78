"""The model directory: the contract between build time and serve time.

    manifest.json        format version, counts, parameters, data fingerprint, timings, metrics
    books.json pages.json pairs.npy    the catalog
    book_vectors.npy page_vectors.npy  L2-normalised float32
    books.ann pages.ann                Annoy angular indexes (memory-mapped at serve time)
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from engine.errors import ModelDirError

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
REQUIRED_FILES = ("books.json", "pages.json", "pairs.npy", "book_vectors.npy",
                  "page_vectors.npy", "books.ann", "pages.ann")


def write_manifest(directory: Path, manifest: dict) -> None:
    manifest = {"format_version": FORMAT_VERSION, **manifest}
    manifest["files"] = {name: (directory / name).stat().st_size
                         for name in sorted(p.name for p in directory.iterdir())
                         if name != MANIFEST}
    (directory / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False),
                                      encoding="utf-8")


def read_manifest(directory: Path) -> dict:
    """The manifest of a complete, compatible model directory, or ModelDirError saying why not."""
    directory = Path(directory)
    if not directory.is_dir():
        raise ModelDirError(directory, "it does not exist")
    path = directory / MANIFEST
    if not path.is_file():
        raise ModelDirError(directory, "manifest.json is missing (an interrupted build?)")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise ModelDirError(directory, f"manifest.json is corrupt ({exc.__class__.__name__})") from None
    if not isinstance(manifest, dict) or manifest.get("format_version") != FORMAT_VERSION:
        found = manifest.get("format_version") if isinstance(manifest, dict) else None
        raise ModelDirError(directory, f"format version {found!r}, this code reads {FORMAT_VERSION}")
    sizes = manifest.get("files", {})
    for name in REQUIRED_FILES:
        file = directory / name
        if not file.is_file():
            raise ModelDirError(directory, f"{name} is missing")
        if name in sizes and file.stat().st_size != sizes[name]:
            raise ModelDirError(directory, f"{name} has the wrong size (truncated or replaced)")
    return manifest


def read_json_list(directory: Path, name: str) -> list:
    try:
        value = json.loads((directory / name).read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise ModelDirError(directory, f"{name} is unreadable ({exc.__class__.__name__})") from None
    if not isinstance(value, list):
        raise ModelDirError(directory, f"{name} is not a list")
    return value


def open_vectors(directory: Path, name: str, rows: int, dim: int | None = None) -> np.ndarray:
    """A (rows, dim) float32 matrix, memory-mapped: the OS shares its pages between processes."""
    try:
        matrix = np.load(directory / name, mmap_mode="r")
    except (OSError, ValueError) as exc:  # numpy says "mmap length is greater than file size"
        raise ModelDirError(directory, f"{name} is truncated or corrupt ({exc})") from None
    if matrix.ndim != 2 or matrix.dtype != np.float32:
        raise ModelDirError(directory, f"{name} holds {matrix.dtype} {matrix.shape}, not float32 rows")
    if matrix.shape[0] != rows or (dim is not None and matrix.shape[1] != dim):
        raise ModelDirError(directory, f"{name} has {matrix.shape[0]} rows of {matrix.shape[1]}, "
                                       f"the catalog needs {rows} rows"
                                       + (f" of {dim}" if dim is not None else ""))
    return matrix


def open_pairs(directory: Path, n_books: int, n_pages: int) -> np.ndarray:
    try:
        pairs = np.load(directory / "pairs.npy")
    except (OSError, ValueError) as exc:
        raise ModelDirError(directory, f"pairs.npy is truncated or corrupt ({exc})") from None
    if pairs.ndim != 2 or pairs.shape[1] != 2 or not np.issubdtype(pairs.dtype, np.integer):
        raise ModelDirError(directory, "pairs.npy is not an (n, 2) integer array")
    if len(pairs) and (pairs.min() < 0 or pairs[:, 0].max() >= n_books
                       or pairs[:, 1].max() >= n_pages):
        raise ModelDirError(directory, "pairs.npy refers to books or pages the catalog lacks")
    return pairs


def check_annoy_file(directory: Path, name: str, rows: int, dim: int) -> Path:
    """Cheap checks before the file reaches Annoy's C++ loader: an angular index is a whole
    number of nodes (4-byte count, two 4-byte children, dim floats), at least one per item."""
    path = directory / name
    node = 12 + 4 * dim
    size = path.stat().st_size
    if size % node or size // node < rows:
        raise ModelDirError(directory, f"{name} is truncated or was built for other vectors")
    return path
