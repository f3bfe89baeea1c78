"""Fetch the public Wikipedia book data and goodbooks-10k's book list (Goodreads titles, for
aliases), verified by git blob id, into the ignored data folder.

    python scripts/fetch_data.py [--full] [--mirror DIR] [--dest DIR]

Also installed as `wikishelf-fetch`; the logic lives in engine.build.cli.
"""

from engine.build.cli import fetch_main

if __name__ == "__main__":
    raise SystemExit(fetch_main())
