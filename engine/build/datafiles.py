"""The public data files: where they come from, how to verify them, how to get them.

Every file is pinned to an upstream commit and checked by its git blob id, so a copy from the
offline mirror and a download from GitHub are trusted the same way.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from engine.errors import FETCH_COMMAND, DataError

UPSTREAM = "https://raw.githubusercontent.com/WillKoehrsen/wikipedia-data-science"
GOODBOOKS_UPSTREAM = "https://raw.githubusercontent.com/zygmuntz/goodbooks-10k"


@dataclass(frozen=True)
class DataFile:
    name: str
    commit: str
    upstream_path: str
    blob_id: str
    size: int
    full_only: bool = False
    upstream: str = ""  # the repository's raw-file root; "" for the Wikipedia data's
    mirror_path: str = ""  # where the offline mirror keeps it, relative to the mirror ("": name)
    optional: bool = False  # a build without it still works (it only adds title aliases)

    @property
    def url(self) -> str:
        return f"{self.upstream or UPSTREAM}/{self.commit}/{self.upstream_path}"

    def in_mirror(self, mirror: Path) -> Path | None:
        """The mirror's copy: under its own name, or where the shared mirror keeps it."""
        for path in (mirror / self.name, mirror / self.mirror_path if self.mirror_path else None):
            if path is not None and path.is_file():
                return path
        return None


# Pinned in ../shared/data/wikipedia-books/SOURCE.md.
_PARTIAL_COMMIT = "6677afca87d4c9788ea5e33fce9785eb6f6fc0ef"
FILES = (
    DataFile("p15_books.ndjson", _PARTIAL_COMMIT, "data/p15_books.ndjson",
             "2805815210fc578fa93af1da07b6e0efbbe8d1f0", 1_962_641),
    DataFile("book_info.tsv", _PARTIAL_COMMIT, "embeddings/book_info.tsv",
             "11e188d5a2f37ab20ac783806e5fd388c4365ddb", 3_279_819),
    DataFile("link_names.tsv", _PARTIAL_COMMIT, "embeddings/link_names.tsv",
             "5e92063806dcd0c0cc75239ec07e5c2b889bbc8c", 817_935),
    DataFile("found_books_filtered.ndjson", "e3d94022eed856ac2f172d0192d4cb35984925c0",
             "data/found_books_filtered.ndjson", "fdb5323f56c5d3f8d0cd153c15fe6e73b6392544",
             58_900_000, full_only=True),
    # Goodreads' titles of the 10,000 most-rated books (../shared/data/goodbooks-10k/SOURCE.md):
    # their own title/original_title pairs become aliases at build time (engine.build.goodreads_aliases).
    DataFile("goodbooks-10k-books.csv", "6dd165b555a7b47b2dd36743a425776e641ff50c", "books.csv",
             "d694afdf5f555b51c1128c6ff562b6e54a7f75e3", 3_286_659, upstream=GOODBOOKS_UPSTREAM,
             mirror_path="../goodbooks-10k/books.csv", optional=True),
)
FULL_FILE = next(f for f in FILES if f.full_only)
PARTIAL_FILES = tuple(f for f in FILES if not f.full_only)
GOODBOOKS_FILE = next(f for f in FILES if f.upstream == GOODBOOKS_UPSTREAM)


def git_blob_id(path: Path) -> str:
    """sha1(b"blob <size>\\0" + data), streamed: the id git gives the file's contents."""
    digest = hashlib.sha1(f"blob {path.stat().st_size}\0".encode())
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def is_valid(path: Path, spec: DataFile) -> bool:
    return path.is_file() and git_blob_id(path) == spec.blob_id


def _install_verified(spec: DataFile, dest_dir: Path, write_to) -> Path:
    """Write into a temporary file beside the destination, verify, then rename atomically."""
    dest_dir.mkdir(parents=True, exist_ok=True)
    final = dest_dir / spec.name
    fd, tmp_name = tempfile.mkstemp(prefix=f".{spec.name}.", suffix=".tmp", dir=dest_dir)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            write_to(out)
        actual = git_blob_id(tmp)
        if actual != spec.blob_id:
            raise DataError(
                f"{spec.name}: checksum mismatch (git blob id {actual}, expected {spec.blob_id}); "
                f"the copy was discarded. Run `{FETCH_COMMAND}` again."
            )
        os.replace(tmp, final)
        return final
    finally:
        tmp.unlink(missing_ok=True)


def copy_from_mirror(spec: DataFile, mirror: Path, dest_dir: Path) -> Path:
    source = spec.in_mirror(mirror)
    if source is None:
        raise DataError(f"{spec.name} is not in the mirror {mirror}")

    def write_to(out):
        with open(source, "rb") as src:
            shutil.copyfileobj(src, out)

    return _install_verified(spec, dest_dir, write_to)


def download(spec: DataFile, dest_dir: Path, progress=None, timeout: float = 60) -> Path:
    def write_to(out):
        try:
            with urllib.request.urlopen(spec.url, timeout=timeout) as response:
                for chunk in iter(lambda: response.read(1 << 16), b""):
                    out.write(chunk)
                    if progress:
                        progress(len(chunk))
        except OSError as exc:  # URLError, timeouts and resets are all OSErrors
            raise DataError(
                f"could not download {spec.name} from {spec.url} ({exc}). Check the network, "
                f"or pass --mirror DIR with a folder holding the file, then run `{FETCH_COMMAND}`."
            ) from exc

    return _install_verified(spec, dest_dir, write_to)


def fetch(dest_dir: Path, mirror: Path | None = None, full: bool = False, log=print) -> list[Path]:
    """Make dest_dir hold verified copies of the data files. Idempotent: valid files are kept."""
    wanted = PARTIAL_FILES + ((FULL_FILE,) if full else ())
    got = []
    for spec in wanted:
        target = dest_dir / spec.name
        if is_valid(target, spec):
            log(f"{spec.name}: present and verified")
        elif mirror is not None and spec.in_mirror(mirror) is not None:
            source = spec.in_mirror(mirror)
            copy_from_mirror(spec, mirror, dest_dir)
            log(f"{spec.name}: copied from {source.parent.resolve()} and verified")
        else:
            log(f"{spec.name}: downloading {spec.url}")
            download(spec, dest_dir)
            log(f"{spec.name}: downloaded and verified")
        got.append(target)
    return got


def have_partial_data(data_dir: Path) -> bool:
    return all((data_dir / f.name).is_file() for f in PARTIAL_FILES
               if f.name != "link_names.tsv" and not f.optional)
