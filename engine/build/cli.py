"""The build room's command lines: fetch the public data, build a model directory.
The thin files in scripts/ and the `wikishelf-fetch` / `wikishelf-build` entry points call these."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from engine import settings
from engine.build.catalog import DEFAULT_MIN_LINK_COUNT
from engine.build.datafiles import fetch, have_partial_data
from engine.build.fetched import is_fetched_dir
from engine.errors import DataError, ModelDirError, WikishelfError
from engine.model_dir import read_manifest

FETCH_USAGE = """Fetch the public Wikipedia book data, verified by git blob id, into the ignored data folder.

    python scripts/fetch_data.py            # partial data (copied from ../shared where present)
    python scripts/fetch_data.py --full     # also the 37,020-book found_books_filtered.ndjson
    python scripts/fetch_data.py --mirror DIR
"""
BUILD_USAGE = """Build the model directory in one command: fetch (if needed) -> catalog -> train -> index.

    python scripts/build_model.py [--out models/default] [--epochs N] [--seed S] [--if-missing]
"""


def default_mirror() -> Path | None:
    """The offline copy laid beside the checkout (CI, these machines), when it is there."""
    return settings.SHARED_WIKIPEDIA_DIR if settings.SHARED_WIKIPEDIA_DIR.is_dir() else None


def fetch_main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=FETCH_USAGE, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--dest", type=Path, default=settings.data_dir(), help="where to store the files")
    parser.add_argument("--mirror", type=Path, default=None,
                        help="copy from this folder instead of the network "
                             f"(default: {settings.SHARED_WIKIPEDIA_DIR} when it exists)")
    parser.add_argument("--full", action="store_true", help="also get found_books_filtered.ndjson (59 MB)")
    args = parser.parse_args(argv)
    try:
        fetch(args.dest, mirror=args.mirror or default_mirror(), full=args.full)
    except DataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


FETCH_WIKIPEDIA_USAGE = """Fetch today's book pages: DIR/books.ndjson, aliases.tsv, manifest.json.

    python scripts/fetch_wikipedia.py --dump FILE [FILE ...] --out DIR [--workers N]
    python scripts/fetch_wikipedia.py --api --out DIR --contact you@example.org

Dump files are the official enwiki-<date>-pages-articles[-multistream][N].xml[-pXpY].bz2 files
(https://dumps.wikimedia.org/enwiki/), one whole dump or its numbered partitions; each
partition is read by its own worker. An interrupted fetch resumes when run again.
Then: python scripts/build_model.py --data DIR
"""


def fetch_wikipedia_main(argv=None) -> int:
    import os

    parser = argparse.ArgumentParser(description=FETCH_WIKIPEDIA_USAGE,
                                     formatter_class=argparse.RawTextHelpFormatter)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--dump", type=Path, nargs="+", metavar="FILE", help="dump .xml.bz2 files")
    source.add_argument("--api", action="store_true", help="the MediaWiki Action API")
    parser.add_argument("--out", type=Path, required=True, help="the folder to write")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                        help="worker processes for dump partitions (default: every core)")
    parser.add_argument("--api-url", default="https://en.wikipedia.org/w/api.php")
    parser.add_argument("--contact", default=os.environ.get("WIKISHELF_CONTACT", ""),
                        help="an e-mail or page for Wikimedia's User-Agent policy "
                             "(default: $WIKISHELF_CONTACT)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    try:
        if args.dump:
            from engine.build.dump_fetch import fetch_from_dumps

            manifest = fetch_from_dumps(args.dump, args.out, min(args.workers, len(args.dump)),
                                        progress=not args.quiet)
        else:
            from engine.build.api_fetch import fetch_from_api

            manifest = fetch_from_api(args.api_url, args.out, args.contact, progress=not args.quiet)
    except WikishelfError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    counts = manifest["counts"]
    print(f"wrote {args.out}: {counts['books']:,} books, {counts['aliases']:,} aliases. "
          f"Build with: python scripts/build_model.py --data {args.out}")
    return 0


def parse_build_args(argv):
    parser = argparse.ArgumentParser(description=BUILD_USAGE, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--out", type=Path, default=settings.default_model_dir())
    parser.add_argument("--data", type=Path, default=settings.data_dir())
    parser.add_argument("--full", action="store_true", help="fetch and use the full 37,020-book file")
    parser.add_argument("--if-missing", action="store_true", help="do nothing if a valid model exists")
    parser.add_argument("--min-link-count", type=int, default=DEFAULT_MIN_LINK_COUNT)
    # Unset flags keep the recipe's value; the recipe is chosen from the catalog's link density
    # (engine.build.training_config.choose_recipe) and named in the manifest.
    parser.add_argument("--epochs", type=int, help="override the recipe's epochs")
    parser.add_argument("--dim", type=int, help="override the recipe's dimension")
    parser.add_argument("--seed", type=int, help="training seed (default 0)")
    parser.add_argument("--regression", action="store_true", help="the article's MSE head on ±1")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser.parse_args(argv)


def build_main(argv=None) -> int:
    started = time.perf_counter()
    args = parse_build_args(argv)
    if args.if_missing:
        try:
            read_manifest(args.out)
            print(f"model ready in {args.out}")
            return 0
        except ModelDirError:
            pass
    try:
        if args.full or not (have_partial_data(args.data) or is_fetched_dir(args.data)):
            fetch(args.data, mirror=default_mirror(), full=args.full)
        from engine.build.pipeline import build_model_dir, peak_rss_mb

        overrides = {k: v for k, v in (("dim", args.dim), ("epochs", args.epochs),
                                       ("seed", args.seed)) if v is not None}
        if args.regression:
            overrides["classification"] = False
        manifest = build_model_dir(args.data, args.out, None, args.min_link_count,
                                   progress=not args.quiet, overrides=overrides)
    except WikishelfError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    counts = manifest["counts"]
    print(f"built {args.out}: {counts['books']:,} books, {counts['pages']:,} pages, "
          f"{counts['pairs']:,} pairs; final loss {manifest['training']['final_loss']}; "
          f"{time.perf_counter() - started:.1f} s wall, peak RSS {peak_rss_mb():.0f} MB")
    return 0

