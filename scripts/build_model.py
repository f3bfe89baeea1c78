"""Build the model directory in one command: fetch (if needed) -> catalog -> train -> index.

    python scripts/build_model.py [--out models/default] [--epochs N] [--seed S] [--if-missing]
"""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engine import settings  # noqa: E402
from engine.catalog import DEFAULT_MIN_LINK_COUNT  # noqa: E402
from engine.datafiles import fetch, have_partial_data  # noqa: E402
from engine.errors import ModelDirError, WikishelfError  # noqa: E402
from engine.model_dir import read_manifest  # noqa: E402


def parse_args(argv):
    from engine.training_config import TrainConfig

    defaults = TrainConfig()
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--out", type=Path, default=settings.default_model_dir())
    parser.add_argument("--data", type=Path, default=settings.data_dir())
    parser.add_argument("--full", action="store_true", help="fetch and use the full 37,020-book file")
    parser.add_argument("--if-missing", action="store_true", help="do nothing if a valid model exists")
    parser.add_argument("--min-link-count", type=int, default=DEFAULT_MIN_LINK_COUNT)
    parser.add_argument("--epochs", type=int, default=defaults.epochs)
    parser.add_argument("--dim", type=int, default=defaults.dim)
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument("--regression", action="store_true", help="the article's MSE head on ±1")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    started = time.perf_counter()
    args = parse_args(argv)
    if args.if_missing:
        try:
            read_manifest(args.out)
            print(f"model ready in {args.out}")
            return 0
        except ModelDirError:
            pass
    try:
        mirror = settings.SHARED_WIKIPEDIA_DIR if settings.SHARED_WIKIPEDIA_DIR.is_dir() else None
        if args.full or not have_partial_data(args.data):
            fetch(args.data, mirror=mirror, full=args.full)
        from engine.pipeline import build_model_dir, peak_rss_mb
        from engine.training_config import TrainConfig

        config = TrainConfig(dim=args.dim, epochs=args.epochs, seed=args.seed,
                             classification=not args.regression)
        manifest = build_model_dir(args.data, args.out, config, args.min_link_count,
                                   progress=not args.quiet)
    except WikishelfError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    counts = manifest["counts"]
    print(f"built {args.out}: {counts['books']:,} books, {counts['pages']:,} pages, "
          f"{counts['pairs']:,} pairs; final loss {manifest['training']['final_loss']}; "
          f"{time.perf_counter() - started:.1f} s wall, peak RSS {peak_rss_mb():.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
