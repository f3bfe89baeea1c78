"""The blind reader panel of docs/panel: the fixed book list, the blinded sheets, the score.

    python scripts/panel.py books   [--model DIR] [--goodbooks CSV] [--out docs/panel/books.txt]
    python scripts/panel.py prepare [--model DIR] [--books FILE] [--out docs/panel] [--seed N]
    python scripts/panel.py prepare --round 2 [--model DIR]   (docs/panel/round2, fresh sides)
    python scripts/panel.py score   [--out docs/panel | --round N]

The logic lives in engine.quality.panel.
"""

from engine.quality.panel import main

if __name__ == "__main__":
    raise SystemExit(main())
