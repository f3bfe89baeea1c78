"""The model directory: the contract between build time and serve time, written and read here
and nowhere else.

    manifest.json                      format version, counts, parameters, fingerprint, file sizes
    books.json pages.json pairs.npy    the catalog: one row per book (title + display fields),
                                       page names, (book, page) rows as int32
    book_vectors.npy page_vectors.npy  L2-normalised float32 (memory-mapped at serve time)
    books.ann pages.ann                Annoy angular indexes of those vectors (memory-mapped)
    book_pools.npy                     optional: (books, width) int32, each book's `width` nearest
                                       trained books by exact cosine, best first (memory-mapped;
                                       a model without it computes them per query)
    book_map.npy                       optional: (books, 2) map coordinates, NaN off the map
    aliases.json                       optional: {alias: title}, other names of a book (redirects,
                                       Goodreads' titles)
    title_names.json                   optional: {"series": {name: [titles]}, "other_works": [names],
                                       "well_read": [titles]}: series that list their books, titles
                                       of books the catalog lacks, the catalog's most-read books

`ModelWriter` builds one in a staging folder and swaps it in whole; `open_model` is the one
validated reader: every consumer (the recommender, the pictures, the evaluation, the benchmarks)
goes through it and gets a `ModelFiles`, or a ModelDirError naming the command that builds one.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
from annoy import AnnoyIndex

from engine.errors import ModelDirError

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
BOOKS = "books.json"
PAGES = "pages.json"
PAIRS = "pairs.npy"
BOOK_VECTORS = "book_vectors.npy"
PAGE_VECTORS = "page_vectors.npy"
BOOK_INDEX = "books.ann"
PAGE_INDEX = "pages.ann"
BOOK_MAP = "book_map.npy"
ALIASES = "aliases.json"
TITLE_NAMES = "title_names.json"
BOOK_POOLS = "book_pools.npy"
# Arrays the serving code derives from the catalog, made at build time so that a bot does not
# derive them at every start (at 100,000 books and 300,000 aliases that took seconds): named
# groups (the resolver's alias keys, the evidence's page strengths, ...), each stored with the
# version of the code that derived it. A reader with another version derives that group again.
SERVING_TABLES = "serving_tables.npz"
REQUIRED_FILES = (BOOKS, PAGES, PAIRS, BOOK_VECTORS, PAGE_VECTORS, BOOK_INDEX, PAGE_INDEX)
OPTIONAL_FILES = (BOOK_MAP, ALIASES, TITLE_NAMES, BOOK_POOLS, SERVING_TABLES)
ANNOY_METRIC = "angular"
# Nearest books kept per book in book_pools.npy: "like this" and picks choose among the 200
# nearest (engine.serve.evidence.CANDIDATE_POOL); a wider ask falls back on the index.
POOL_WIDTH = 200
_POOL_BLOCK = 512  # query rows per matrix product while building the pools (~200 MB at 100 k)
_POOL_STRIDE = 8  # every 8th column estimates a row's cut-off score
_POOL_SPOT_CHECKS = 8  # rows re-scored at load, so pools of other vectors are refused


# ---------------------------------------------------------------- Annoy files
def build_annoy(vectors: np.ndarray, path: Path, n_trees: int, seed: int = 0,
                skip: np.ndarray | None = None) -> None:
    """Write an angular index of every row. Rows flagged in `skip` (books with no links, whose
    vectors were never trained) get a zero vector, which Annoy scores at cosine 0; readers
    filter them out."""
    index = AnnoyIndex(vectors.shape[1], ANNOY_METRIC)
    index.set_seed(seed)
    zero = np.zeros(vectors.shape[1], dtype=np.float32)
    for i, row in enumerate(vectors):
        index.add_item(i, row if skip is None or not skip[i] else zero)
    index.build(n_trees, n_jobs=1)  # one job: the same seed gives the same trees
    tmp = path.with_suffix(".tmp")
    index.save(str(tmp))
    index.unload()
    tmp.replace(path)


def build_pools(vectors: np.ndarray, skip: np.ndarray | None = None,
                width: int = POOL_WIDTH) -> np.ndarray:
    """Every row's `width` nearest rows by exact cosine (unit rows), best first, itself and the
    `skip` rows (untrained books) never among them; ties go to the lower row, as at serve time.
    Blocked matrix products; per row only the columns above a cut-off estimated from every
    _POOL_STRIDE-th column are sorted (~2x width survivors), a row left short is sorted whole."""
    vectors = np.asarray(vectors, dtype=np.float32)
    n = len(vectors)
    skip = np.zeros(n, dtype=bool) if skip is None else np.asarray(skip, dtype=bool)
    width = max(0, min(width, int((~skip).sum()) - 1))
    pools = np.zeros((n, width), dtype=np.int32)
    if width == 0:
        return pools
    hidden = np.where(skip, -np.inf, 0.0).astype(np.float32)
    sample_rank = max(1, 2 * width // _POOL_STRIDE)
    for start in range(0, n, _POOL_BLOCK):
        rows = np.arange(start, min(start + _POOL_BLOCK, n))
        scores = vectors[rows] @ vectors.T
        scores += hidden
        scores[np.arange(len(rows)), rows] = -np.inf
        sample = scores[:, ::_POOL_STRIDE]
        rank = min(sample_rank, sample.shape[1])
        cut = -np.partition(-sample, rank - 1, axis=1)[:, rank - 1]
        flat = np.flatnonzero(scores >= cut[:, None])  # 1-D: ~5x faster than a 2-D nonzero
        row, col = flat // n, flat % n
        order = np.lexsort((col, -scores[row, col], row))  # by row, best first, lower index
        row, col = row[order], col[order]
        counts = np.bincount(row, minlength=len(rows))
        firsts = np.concatenate([[0], np.cumsum(counts)[:-1]])
        full = counts >= width
        picked = firsts[full, None] + np.arange(width)
        pools[rows[full]] = col[picked]
        for r in np.flatnonzero(~full):  # the sample over-estimated this row's cut-off
            s = scores[r]
            ranked = np.lexsort((np.arange(n), -s))
            pools[rows[r]] = ranked[:width]
    return pools


def load_annoy(path: Path, dim: int) -> AnnoyIndex:
    """An index memory-mapped read-only: the OS shares its pages between processes."""
    index = AnnoyIndex(dim, ANNOY_METRIC)
    if not index.load(str(path), prefault=False):
        raise OSError(f"cannot load Annoy index {path}")
    return index


def _check_annoy_file(directory: Path, name: str, rows: int, dim: int) -> Path:
    """Cheap checks before the file reaches Annoy's C++ loader: an angular index is a whole
    number of nodes (4-byte count, two 4-byte children, dim floats), at least one per item."""
    path = directory / name
    node = 12 + 4 * dim
    size = path.stat().st_size
    if size % node or size // node < rows:
        raise ModelDirError(directory, f"{name} is truncated or was built for other vectors")
    return path


# ---------------------------------------------------------------- writing
class ModelWriter:
    """Writes a model directory into `<out>.building`; `commit` swaps it in whole, so readers
    see the old model or the new one, never half. Used as a context manager, a failed build
    leaves no staging folder behind."""

    def __init__(self, out: Path):
        self.out = Path(out)
        self.staging = self.out.with_name(self.out.name + ".building")
        shutil.rmtree(self.staging, ignore_errors=True)
        self.staging.mkdir(parents=True)
        self._dim: int | None = None

    def __enter__(self) -> ModelWriter:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None:
            shutil.rmtree(self.staging, ignore_errors=True)

    def write_catalog(self, titles: list[str], meta: list[dict], pages: list[str],
                      pairs: np.ndarray) -> None:
        rows = [{"title": t, **m} for t, m in zip(titles, meta, strict=True)]
        (self.staging / BOOKS).write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
        (self.staging / PAGES).write_text(json.dumps(pages, ensure_ascii=False), encoding="utf-8")
        np.save(self.staging / PAIRS, np.asarray(pairs, dtype=np.int32).reshape(-1, 2))

    def write_vectors(self, book_vectors: np.ndarray, page_vectors: np.ndarray, n_trees: int,
                      seed: int = 0, untrained: np.ndarray | None = None) -> np.ndarray:
        """The vectors and their Annoy indexes (untrained books indexed as zero vectors); returns
        the nearest-book pools it wrote (serving tables are derived from them)."""
        book_vectors = np.asarray(book_vectors, dtype=np.float32)
        page_vectors = np.asarray(page_vectors, dtype=np.float32)
        np.save(self.staging / BOOK_VECTORS, book_vectors)
        np.save(self.staging / PAGE_VECTORS, page_vectors)
        build_annoy(book_vectors, self.staging / BOOK_INDEX, n_trees, seed, skip=untrained)
        build_annoy(page_vectors, self.staging / PAGE_INDEX, n_trees, seed)
        pools = build_pools(book_vectors, untrained)
        np.save(self.staging / BOOK_POOLS, pools)
        self._dim = book_vectors.shape[1]
        return pools

    def book_annoy(self) -> AnnoyIndex:
        """The book index just written (the map's layout reads its neighbour graph)."""
        if self._dim is None:
            raise RuntimeError("write_vectors first")
        return load_annoy(self.staging / BOOK_INDEX, self._dim)

    def write_book_map(self, xy: np.ndarray) -> None:
        np.save(self.staging / BOOK_MAP, np.asarray(xy, dtype=np.float32))

    def write_aliases(self, aliases: dict[str, str]) -> None:
        """Redirect titles -> the catalog title each names (a fetched catalog has them)."""
        (self.staging / ALIASES).write_text(json.dumps(dict(sorted(aliases.items())),
                                                       ensure_ascii=False), encoding="utf-8")

    def write_serving_tables(self, groups: dict[str, tuple[int, dict[str, np.ndarray]]]) -> None:
        """Group name -> (the deriving code's version, its named arrays)."""
        arrays = {}
        for group, (version, tables) in groups.items():
            arrays[f"{group}/version"] = np.array([version], dtype=np.int64)
            arrays.update({f"{group}/{name}": np.asarray(a) for name, a in tables.items()})
        np.savez(self.staging / SERVING_TABLES, **arrays)

    def write_title_names(self, series: dict[str, list[str]], other_works: list[str],
                          well_read: list[str]) -> None:
        """Series names -> their catalog books, the titles of books the catalog lacks, and the
        catalog books readers know best."""
        names = {"series": dict(sorted(series.items())), "other_works": sorted(other_works),
                 "well_read": sorted(well_read)}
        (self.staging / TITLE_NAMES).write_text(json.dumps(names, ensure_ascii=False),
                                                encoding="utf-8")

    def commit(self, manifest: dict) -> dict:
        """Write the manifest (with every file's size, so truncation shows) and swap it in."""
        missing = [name for name in REQUIRED_FILES if not (self.staging / name).is_file()]
        if missing:
            raise RuntimeError(f"model directory incomplete, missing {', '.join(missing)}")
        manifest = {"format_version": FORMAT_VERSION, **manifest}
        _seal(self.staging, manifest)
        if self.out.exists():
            old = self.out.with_name(self.out.name + ".old")
            shutil.rmtree(old, ignore_errors=True)
            self.out.rename(old)
            self.staging.rename(self.out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            self.out.parent.mkdir(parents=True, exist_ok=True)
            self.staging.rename(self.out)
        return manifest


def rewrite_manifest(directory: Path, manifest: dict) -> None:
    """Rewrite the manifest of an existing directory in place, sizes re-read (tools and tests
    that edit a finished model use this; builds use ModelWriter)."""
    _seal(Path(directory), dict(manifest))


def _seal(directory: Path, manifest: dict) -> None:
    """Write the manifest with every other file's size in it, so truncation shows on reading."""
    manifest["files"] = {p.name: p.stat().st_size for p in sorted(directory.iterdir())
                         if p.name != MANIFEST}
    (directory / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False),
                                      encoding="utf-8")


# ---------------------------------------------------------------- reading
@dataclass(frozen=True)
class ModelFiles:
    """A validated model directory: the catalog read, the vectors memory-mapped, the indexes
    and the map opened on demand."""

    directory: Path
    manifest: dict
    titles: list[str]
    meta: list[dict]  # per book: display fields (author, year, genre, country, series, url)
    pages: list[str]
    pairs: np.ndarray  # (n, 2) int32: book, page
    book_vectors: np.ndarray
    page_vectors: np.ndarray
    named_series: dict[str, list[str]] = field(default_factory=dict)  # series -> catalog titles
    other_works: list[str] = field(default_factory=list)  # titles of books the catalog lacks
    well_read: list[str] = field(default_factory=list)  # catalog titles readers know best
    book_pools: np.ndarray | None = None  # (books, width) int32 nearest books; None: not built
    # group -> (version, name -> array), derived at build time (SERVING_TABLES); {}: not built
    serving_tables: dict[str, tuple[int, dict[str, np.ndarray]]] = field(default_factory=dict)

    def serving_group(self, group: str, version: int) -> dict[str, np.ndarray] | None:
        """One group of serving tables if it was derived by code of this version, else None."""
        found = self.serving_tables.get(group)
        return found[1] if found and found[0] == version else None

    @cached_property
    def aliases(self) -> dict[str, str]:
        """Other name -> catalog title, read on first use: a server whose resolver has its
        title keys never needs the 300,000 strings."""
        return _aliases(self.directory, {t: t for t in self.titles})

    @property
    def dim(self) -> int:
        return int(self.book_vectors.shape[1])

    def book_degrees(self) -> np.ndarray:
        return np.bincount(self.pairs[:, 0], minlength=len(self.titles))

    def page_degrees(self) -> np.ndarray:
        return np.bincount(self.pairs[:, 1], minlength=len(self.pages))

    def book_annoy(self) -> AnnoyIndex:
        return self._annoy(BOOK_INDEX, len(self.titles))

    def page_annoy(self) -> AnnoyIndex:
        return self._annoy(PAGE_INDEX, len(self.pages))

    def _annoy(self, name: str, rows: int) -> AnnoyIndex:
        path = _check_annoy_file(self.directory, name, rows, self.dim)
        try:
            index = load_annoy(path, self.dim)
        except OSError as exc:
            raise ModelDirError(self.directory, f"{name} cannot be loaded ({exc})") from None
        if index.get_n_items() != rows:
            raise ModelDirError(self.directory, f"{name} and the catalog disagree in size")
        return index

    @property
    def has_map(self) -> bool:
        return (self.directory / BOOK_MAP).is_file()

    def book_map(self) -> np.ndarray:
        """(books, 2) float32 map coordinates (NaN: a book not on the map)."""
        if not self.has_map:
            raise ModelDirError(self.directory, f"it has no map coordinates ({BOOK_MAP}), "
                                                "made by builds with the map switched on")
        try:
            xy = np.load(self.directory / BOOK_MAP)  # ~300 KB for 37 k books: about 1 ms
        except (OSError, ValueError) as exc:
            raise ModelDirError(self.directory, f"{BOOK_MAP} is unreadable ({exc})") from None
        if xy.ndim != 2 or xy.shape[1] != 2 or len(xy) != len(self.titles):
            raise ModelDirError(self.directory, f"{BOOK_MAP} holds {xy.shape}, the catalog needs "
                                                f"({len(self.titles)}, 2): the map is stale")
        return np.asarray(xy, dtype=np.float32)


def read_manifest(directory: Path) -> dict:
    """The manifest of a complete, compatible model directory, or ModelDirError saying why not."""
    directory = Path(directory)
    if not directory.is_dir():
        raise ModelDirError(directory, "it does not exist")
    path = directory / MANIFEST
    if not path.is_file():
        raise ModelDirError(directory, f"{MANIFEST} is missing (an interrupted build?)")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise ModelDirError(directory, f"{MANIFEST} is corrupt ({exc.__class__.__name__})") from None
    if not isinstance(manifest, dict) or manifest.get("format_version") != FORMAT_VERSION:
        found = manifest.get("format_version") if isinstance(manifest, dict) else None
        raise ModelDirError(directory, f"format version {found!r}, this code reads {FORMAT_VERSION}")
    sizes = manifest.get("files", {})
    for name in REQUIRED_FILES + OPTIONAL_FILES:
        file = directory / name
        if not file.is_file():
            if name in OPTIONAL_FILES:
                continue  # a model without a map still serves everything but pictures
            raise ModelDirError(directory, f"{name} is missing")
        if name in sizes and file.stat().st_size != sizes[name]:
            raise ModelDirError(directory, f"{name} has the wrong size (truncated or replaced)")
    return manifest


def open_model(directory: Path | str) -> ModelFiles:
    """Open a model directory read-only, checking every file against the manifest and the
    others, or raise ModelDirError naming the build command."""
    directory = Path(directory)
    manifest = read_manifest(directory)
    rows = _json_list(directory, BOOKS)
    pages = _json_list(directory, PAGES)
    counts = manifest.get("counts", {})
    if counts.get("books", len(rows)) != len(rows) or counts.get("pages", len(pages)) != len(pages):
        raise ModelDirError(directory, f"{BOOKS}/{PAGES} disagree with the manifest counts")
    if not all(isinstance(r, dict) and isinstance(r.get("title"), str) for r in rows):
        raise ModelDirError(directory, f"{BOOKS} has rows without a title")
    if not all(isinstance(p, str) for p in pages):
        raise ModelDirError(directory, f"{PAGES} holds something other than page names")
    book_vectors = _vectors(directory, BOOK_VECTORS, len(rows))
    page_vectors = _vectors(directory, PAGE_VECTORS, len(pages), book_vectors.shape[1])
    pairs = _pairs(directory, len(rows), len(pages))
    for name, n in ((BOOK_INDEX, len(rows)), (PAGE_INDEX, len(pages))):
        _check_annoy_file(directory, name, n, book_vectors.shape[1])
    titles = [r.pop("title") for r in rows]
    # Each title once in memory: alias values and series lists point at the catalog's strings
    # (300,000 aliases' own copies of their titles cost ~20 MB at 100 k books).
    catalog = {t: t for t in titles}
    series, other_works, well_read = _title_names(directory, catalog)
    untrained = np.bincount(pairs[:, 0], minlength=len(rows)) == 0
    pools = _pools(directory, book_vectors, untrained)
    return ModelFiles(directory, manifest, titles, rows, pages, pairs, book_vectors, page_vectors,
                      series, other_works, well_read, pools, _serving_tables(directory))


def _serving_tables(directory: Path) -> dict[str, tuple[int, dict[str, np.ndarray]]]:
    """Each group's version and arrays (their meaning is checked by the code that reads them)."""
    if not (directory / SERVING_TABLES).is_file():
        return {}
    try:
        with np.load(directory / SERVING_TABLES) as archive:
            arrays = {name: archive[name] for name in archive.files}
    except (OSError, ValueError, EOFError, KeyError) as exc:
        raise ModelDirError(directory, f"{SERVING_TABLES} is truncated or corrupt ({exc})") from None
    groups: dict[str, tuple[int, dict[str, np.ndarray]]] = {}
    for key, array in arrays.items():
        group, _, name = key.partition("/")
        if name != "version":
            continue
        if array.shape != (1,) or not np.issubdtype(array.dtype, np.integer):
            raise ModelDirError(directory, f"{SERVING_TABLES} has a malformed version for {group}")
        groups[group] = (int(array[0]), {n.partition("/")[2]: a for n, a in arrays.items()
                                         if n.startswith(group + "/") and not n.endswith("/version")})
    return groups


def _pools(directory: Path, vectors: np.ndarray, untrained: np.ndarray) -> np.ndarray | None:
    """The nearest-book pools memory-mapped, None for a model built before them. Shape, type,
    range and a few rows' order are checked (cheaply: the file is not read whole)."""
    if not (directory / BOOK_POOLS).is_file():
        return None
    try:
        pools = np.load(directory / BOOK_POOLS, mmap_mode="r")
    except (OSError, ValueError) as exc:
        raise ModelDirError(directory, f"{BOOK_POOLS} is truncated or corrupt ({exc})") from None
    n = len(vectors)
    width = min(POOL_WIDTH, int((~untrained).sum()) - 1)
    if pools.ndim != 2 or pools.dtype != np.int32 or pools.shape[0] != n \
            or not 0 <= pools.shape[1] <= n:
        raise ModelDirError(directory, f"{BOOK_POOLS} holds {pools.dtype} {pools.shape}, the "
                                       f"catalog needs ({n}, <= {n}) int32: it is stale")
    if pools.shape[1] < max(0, width):
        raise ModelDirError(directory, f"{BOOK_POOLS} keeps {pools.shape[1]} books a row, "
                                       f"this code needs {width}: it is stale")
    trained = np.flatnonzero(~untrained)
    for r in trained[np.linspace(0, len(trained) - 1, min(_POOL_SPOT_CHECKS, len(trained)),
                                 dtype=np.int64)].tolist():
        ids = np.asarray(pools[r], dtype=np.int64)
        if len(ids) == 0:
            continue
        if ids.min() < 0 or ids.max() >= n or untrained[ids].any() or (ids == r).any():
            raise ModelDirError(directory, f"{BOOK_POOLS} names books that cannot be neighbours")
        cosines = np.asarray(vectors[ids]) @ np.asarray(vectors[r])
        if (np.diff(cosines) > 1e-4).any():
            raise ModelDirError(directory, f"{BOOK_POOLS} was built for other vectors: it is stale")
    return pools


def _aliases(directory: Path, titles: dict[str, str]) -> dict[str, str]:
    """The alias table, every entry naming a catalog book ({} for a model without one)."""
    if not (directory / ALIASES).is_file():
        return {}
    try:
        aliases = json.loads((directory / ALIASES).read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise ModelDirError(directory, f"{ALIASES} is unreadable ({exc.__class__.__name__})") from None
    if not isinstance(aliases, dict) or not all(
            isinstance(k, str) and isinstance(v, str) and v in titles for k, v in aliases.items()):
        raise ModelDirError(directory, f"{ALIASES} names books the catalog lacks: it is stale")
    return {alias: titles[title] for alias, title in aliases.items()}


def _title_names(directory: Path, titles: dict[str, str]
                 ) -> tuple[dict[str, list[str]], list[str], list[str]]:
    """The series table, the other works' titles and the well-read books (empty for a model
    without them)."""
    if not (directory / TITLE_NAMES).is_file():
        return {}, [], []
    try:
        names = json.loads((directory / TITLE_NAMES).read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise ModelDirError(directory, f"{TITLE_NAMES} is unreadable ({exc.__class__.__name__})") from None
    series = names.get("series") if isinstance(names, dict) else None
    others = names.get("other_works") if isinstance(names, dict) else None
    well_read = names.get("well_read", []) if isinstance(names, dict) else None
    if not isinstance(series, dict) or not isinstance(others, list) \
            or not isinstance(well_read, list) or not all(isinstance(o, str) for o in others):
        raise ModelDirError(directory, f"{TITLE_NAMES} is not a series table and title lists")
    if not all(isinstance(k, str) and isinstance(v, list) and all(t in titles for t in v)
               for k, v in series.items()) or not all(t in titles for t in well_read):
        raise ModelDirError(directory, f"{TITLE_NAMES} names books the catalog lacks: it is stale")
    return series, others, well_read


def _json_list(directory: Path, name: str) -> list:
    try:
        value = json.loads((directory / name).read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise ModelDirError(directory, f"{name} is unreadable ({exc.__class__.__name__})") from None
    if not isinstance(value, list):
        raise ModelDirError(directory, f"{name} is not a list")
    return value


def _vectors(directory: Path, name: str, rows: int, dim: int | None = None) -> np.ndarray:
    """A (rows, dim) float32 matrix, memory-mapped."""
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


def _pairs(directory: Path, n_books: int, n_pages: int) -> np.ndarray:
    try:
        pairs = np.load(directory / PAIRS)
    except (OSError, ValueError) as exc:
        raise ModelDirError(directory, f"{PAIRS} is truncated or corrupt ({exc})") from None
    if pairs.ndim != 2 or pairs.shape[1] != 2 or not np.issubdtype(pairs.dtype, np.integer):
        raise ModelDirError(directory, f"{PAIRS} is not an (n, 2) integer array")
    if len(pairs) and (pairs.min() < 0 or pairs[:, 0].max() >= n_books
                       or pairs[:, 1].max() >= n_pages):
        raise ModelDirError(directory, f"{PAIRS} refers to books or pages the catalog lacks")
    return pairs
