"""catalog -> train -> index, into a model directory that appears complete or not at all."""

from __future__ import annotations

import datetime as dt
import platform
import resource
import sys
import time
from pathlib import Path

from engine.build import layout
from engine.build.catalog import DEFAULT_MIN_LINK_COUNT, Catalog, catalog_from_data_dir
from engine.build.goodreads_aliases import GoodreadsNames, for_data_dir
from engine.model_dir import ANNOY_METRIC, ModelWriter
from engine.serve.derived import serving_tables
from engine.serve.index import DEFAULT_TREES


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (ru_maxrss is KiB on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def build_from_catalog(catalog: Catalog, out: Path, config=None, n_trees: int = DEFAULT_TREES,
                       progress: bool = True, log=print, timings: dict | None = None,
                       extra_manifest: dict | None = None, with_map: bool = True,
                       names: GoodreadsNames | None = None) -> dict:
    from engine.build.training import train  # TensorFlow only at build time
    from engine.build.training_config import TrainConfig

    config = config or TrainConfig()
    timings = dict(timings or {})
    out = Path(out)
    t = time.perf_counter()
    result = train(catalog.pairs, catalog.n_books, catalog.n_pages, config, progress, log)
    timings["train_s"] = round(time.perf_counter() - t, 2)

    t = time.perf_counter()
    untrained = catalog.book_degrees() == 0
    with ModelWriter(out) as writer:
        writer.write_catalog(catalog.books, catalog.meta, catalog.pages, catalog.pairs)
        aliases = {**(names.aliases if names else {}), **catalog.aliases}  # redirects win
        if aliases:
            writer.write_aliases(aliases)
        if names:
            writer.write_title_names(names.series, names.other_works, names.well_read)
        pools = writer.write_vectors(result.book_vectors, result.page_vectors, n_trees,
                                     config.seed, untrained=untrained)
        # Derived once here, not at every start of the bot.
        writer.write_serving_tables(serving_tables(
            catalog.books, catalog.meta, catalog.pages, catalog.pairs, aliases,
            *((names.series, names.other_works, names.well_read) if names else ()), pools=pools))
        timings["index_s"] = round(time.perf_counter() - t, 2)

        if with_map:  # 2-D coordinates for the pictures, so nothing at serve time runs t-SNE
            t = time.perf_counter()
            writer.write_book_map(layout.project(result.book_vectors, writer.book_annoy(),
                                                 ~untrained, config.seed))
            timings["map_s"] = round(time.perf_counter() - t, 2)

        manifest = {
            "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "counts": {"books": catalog.n_books, "pages": catalog.n_pages,
                       "pairs": int(len(catalog.pairs)),
                       "books_without_links": int(untrained.sum()),
                       **({"aliases": len(aliases)} if aliases else {}),
                       **({"series": len(names.series), "other_works": len(names.other_works)}
                          if names else {})},
            "data_fingerprint": catalog.fingerprint(),
            "catalog_stats": catalog.stats,
            "training": {**config.to_dict(), "epochs_planned": result.epochs_planned,
                         "epochs_run": len(result.losses),
                         "final_loss": round(result.losses[-1], 5) if result.losses else None,
                         "losses": [round(x, 5) for x in result.losses],
                         "examples_per_second": round(result.examples_per_second),
                         "head_weight": round(result.head_weight, 4)},
            "index": {"metric": ANNOY_METRIC, "n_trees": n_trees},
            **({"map": layout.describe()} if with_map else {}),
            "timings": timings,
            "peak_rss_mb": round(peak_rss_mb(), 1),
            "platform": {"python": platform.python_version(), "machine": platform.machine()},
            **(extra_manifest or {}),
        }
        return writer.commit(manifest)


def choose_catalog_recipe(catalog: Catalog) -> dict:
    """The named recipe (engine.build.training_config.RECIPES) for this catalog's link density,
    with the figures that chose it: written to the manifest."""
    from engine.build.training_config import choose_recipe

    linked = int((catalog.book_degrees() > 0).sum())
    mean_links = len(catalog.pairs) / max(linked, 1)
    name, reason = choose_recipe(mean_links, fetched=bool(catalog.stats.get("source_fetched")))
    return {"name": name, "reason": reason, "mean_links_per_linked_book": round(mean_links, 2)}


def build_model_dir(data_dir: Path, out: Path, config=None,
                    min_link_count: int = DEFAULT_MIN_LINK_COUNT, n_trees: int = DEFAULT_TREES,
                    progress: bool = True, log=print, with_map: bool = True,
                    overrides: dict | None = None) -> dict:
    """Build from a data folder. Without `config`, the recipe is chosen from the catalog
    (choose_catalog_recipe) and `overrides` (TrainConfig fields) go on top of it."""
    from engine.build.training_config import recipe_config

    t = time.perf_counter()
    catalog = catalog_from_data_dir(Path(data_dir), min_link_count)
    timings = {"catalog_s": round(time.perf_counter() - t, 2)}
    log(f"catalog: {catalog.n_books:,} books, {catalog.n_pages:,} pages, "
        f"{len(catalog.pairs):,} pairs ({timings['catalog_s']} s)")
    extra = None
    if config is None:
        recipe = choose_catalog_recipe(catalog)
        config = recipe_config(recipe["name"], **(overrides or {}))
        extra = {"recipe": {**recipe, "overrides": dict(overrides or {})}}
        log(f"recipe: {recipe['name']} ({recipe['reason']})")
    names = for_data_dir(Path(data_dir), catalog.books, catalog.meta)  # Goodreads' titles
    return build_from_catalog(catalog, out, config, n_trees, progress, log, timings,
                              extra_manifest=extra, with_map=with_map, names=names)
