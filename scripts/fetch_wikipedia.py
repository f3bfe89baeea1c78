"""Fetch today's book pages from Wikipedia, from dump files or the Action API.

    python scripts/fetch_wikipedia.py --dump FILE [FILE ...] --out DIR
    python scripts/fetch_wikipedia.py --api --out DIR --contact you@example.org

Also installed as `wikishelf-fetch-wikipedia`; the logic lives in engine.build.cli.
"""

from engine.build.cli import fetch_wikipedia_main

if __name__ == "__main__":
    raise SystemExit(fetch_wikipedia_main())
