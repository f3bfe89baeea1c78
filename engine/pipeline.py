"""catalog -> train -> index, into a model directory that appears complete or not at all."""

from __future__ import annotations

import datetime as dt
import platform
import resource
import shutil
import sys
import time
from pathlib import Path

import numpy as np

from engine.catalog import DEFAULT_MIN_LINK_COUNT, Catalog, catalog_from_data_dir
from engine.index import DEFAULT_TREES, build_index
from engine.model_dir import write_manifest


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (ru_maxrss is KiB on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def build_from_catalog(catalog: Catalog, out: Path, config=None, n_trees: int = DEFAULT_TREES,
                       progress: bool = True, log=print, timings: dict | None = None,
                       extra_manifest: dict | None = None, with_map: bool = True) -> dict:
    from engine.training import train  # TensorFlow only at build time
    from engine.training_config import TrainConfig

    config = config or TrainConfig()
    timings = dict(timings or {})
    out = Path(out)
    staging = out.with_name(out.name + ".building")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)

    t = time.perf_counter()
    result = train(catalog.pairs, catalog.n_books, catalog.n_pages, config, progress, log)
    timings["train_s"] = round(time.perf_counter() - t, 2)

    t = time.perf_counter()
    catalog.save(staging)
    np.save(staging / "book_vectors.npy", result.book_vectors)
    np.save(staging / "page_vectors.npy", result.page_vectors)
    untrained = catalog.book_degrees() == 0
    build_index(result.book_vectors, staging / "books.ann", n_trees, config.seed, skip=untrained)
    build_index(result.page_vectors, staging / "pages.ann", n_trees, config.seed)
    timings["index_s"] = round(time.perf_counter() - t, 2)

    if with_map:  # 2-D coordinates for the pictures, so nothing at serve time runs t-SNE
        from engine import projection

        t = time.perf_counter()
        np.save(staging / projection.BOOK_MAP, projection.project(
            result.book_vectors, staging / "books.ann", ~untrained, config.seed))
        timings["map_s"] = round(time.perf_counter() - t, 2)

    manifest = {
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "counts": {"books": catalog.n_books, "pages": catalog.n_pages,
                   "pairs": int(len(catalog.pairs)),
                   "books_without_links": int(untrained.sum())},
        "data_fingerprint": catalog.fingerprint(),
        "catalog_stats": catalog.stats,
        "training": {**config.to_dict(), "epochs_run": len(result.losses),
                     "final_loss": round(result.losses[-1], 5) if result.losses else None,
                     "losses": [round(x, 5) for x in result.losses],
                     "examples_per_second": round(result.examples_per_second),
                     "head_weight": round(result.head_weight, 4)},
        "index": {"metric": "angular", "n_trees": n_trees},
        **({"map": projection.describe()} if with_map else {}),
        "timings": timings,
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "platform": {"python": platform.python_version(), "machine": platform.machine()},
        **(extra_manifest or {}),
    }
    write_manifest(staging, manifest)
    # Swap in the finished directory: readers see the old model or the new one, never half.
    if out.exists():
        old = out.with_name(out.name + ".old")
        shutil.rmtree(old, ignore_errors=True)
        out.rename(old)
        staging.rename(out)
        shutil.rmtree(old, ignore_errors=True)
    else:
        out.parent.mkdir(parents=True, exist_ok=True)
        staging.rename(out)
    return manifest


def build_model_dir(data_dir: Path, out: Path, config=None,
                    min_link_count: int = DEFAULT_MIN_LINK_COUNT, n_trees: int = DEFAULT_TREES,
                    progress: bool = True, log=print, with_map: bool = True) -> dict:
    t = time.perf_counter()
    catalog = catalog_from_data_dir(Path(data_dir), min_link_count)
    timings = {"catalog_s": round(time.perf_counter() - t, 2)}
    log(f"catalog: {catalog.n_books:,} books, {catalog.n_pages:,} pages, "
        f"{len(catalog.pairs):,} pairs ({timings['catalog_s']} s)")
    return build_from_catalog(catalog, out, config, n_trees, progress, log, timings,
                              with_map=with_map)
