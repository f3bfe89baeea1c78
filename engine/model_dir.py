"""The model directory: the contract between build time and serve time.

    manifest.json        format version, counts, parameters, data fingerprint, timings, metrics
    books.json pages.json pairs.npy    the catalog
    book_vectors.npy page_vectors.npy  L2-normalised float32
    books.ann pages.ann                Annoy angular indexes (memory-mapped at serve time)
"""

from __future__ import annotations

import json
from pathlib import Path

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
