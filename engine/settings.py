"""Paths and defaults, in one place. Environment variables override them."""

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# The read-only offline mirror that CI and these machines lay beside the checkout.
SHARED_DATA_DIR = PROJECT_ROOT.parent / "shared" / "data"
SHARED_WIKIPEDIA_DIR = SHARED_DATA_DIR / "wikipedia-books"
SHARED_GOODBOOKS_CSV = SHARED_DATA_DIR / "goodbooks-10k" / "books.csv"


def child_env(*extra_paths: str) -> dict[str, str]:
    """This process's environment for a child Python that must import this very checkout (and
    `extra_paths`) rather than whatever an installed copy points at."""
    paths = [str(PROJECT_ROOT), *extra_paths, os.environ.get("PYTHONPATH", "")]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in paths if p)}


def data_dir() -> Path:
    return Path(os.environ.get("WIKISHELF_DATA_DIR", PROJECT_ROOT / "data" / "wikipedia-books"))


def default_model_dir() -> Path:
    return Path(os.environ.get("WIKISHELF_MODEL_DIR", PROJECT_ROOT / "models" / "default"))


def default_db_path() -> Path:
    return Path(os.environ.get("WIKISHELF_DB", PROJECT_ROOT / "data" / "wikishelf.sqlite3"))
