"""Fetch the public Wikipedia book data, verified by git blob id, into the ignored data folder.

    python scripts/fetch_data.py            # partial data (copied from ../shared where present)
    python scripts/fetch_data.py --full     # also the 37,020-book found_books_filtered.ndjson
    python scripts/fetch_data.py --mirror DIR
"""

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engine import settings  # noqa: E402
from engine.datafiles import fetch  # noqa: E402
from engine.errors import DataError  # noqa: E402


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--dest", type=Path, default=settings.data_dir(), help="where to store the files")
    parser.add_argument("--mirror", type=Path, default=None,
                        help="copy from this folder instead of the network "
                             f"(default: {settings.SHARED_WIKIPEDIA_DIR} when it exists)")
    parser.add_argument("--full", action="store_true", help="also get found_books_filtered.ndjson (59 MB)")
    args = parser.parse_args(argv)
    mirror = args.mirror
    if mirror is None and settings.SHARED_WIKIPEDIA_DIR.is_dir():
        mirror = settings.SHARED_WIKIPEDIA_DIR
    try:
        fetch(args.dest, mirror=mirror, full=args.full)
    except DataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
