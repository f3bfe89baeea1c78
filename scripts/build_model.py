"""Build the model directory: fetch (if needed) -> catalog -> train -> index -> map.

    python scripts/build_model.py [--out models/default] [--epochs N] [--seed S] [--if-missing]

Also installed as `wikishelf-build`; the logic lives in engine.build.cli.
"""

from engine.build.cli import build_main

if __name__ == "__main__":
    raise SystemExit(build_main())
