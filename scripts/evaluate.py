"""Measure the shipped recipe against the baselines on the same splits and write EVALUATION.md.

    python scripts/evaluate.py [--model DIR] [--json PATH] [--quick] [--seeds N] [--out PATH]
    python scripts/evaluate.py --groups [--seeds N] [--clubs N] [--quick]   (book clubs)

Also installed as `wikishelf-evaluate`; the logic lives in engine.quality.report.
"""

from engine.quality.report import main

if __name__ == "__main__":
    raise SystemExit(main())
