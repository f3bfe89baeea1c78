"""Benchmarks, measured side by side in one run on this machine; medians and ratios, not single runs.

    python scripts/bench.py [--json PATH] [--sections NAME,...] [--quick]

Sections: training, serving, titles, mixes, bot, reliability, scale, wikipedia (all by default).

Each section lives in scripts/benchmarks/<name>.py (imported as the sibling package `benchmarks`,
which Python finds beside this file) and exposes `run(args) -> dict`.
"""

import argparse
import importlib
import json
import sys
import time
from pathlib import Path

from engine import settings

SECTIONS = ("training", "serving", "titles", "mixes", "bot", "reliability", "scale", "wikipedia")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--sections", default=",".join(SECTIONS),
                        help=f"comma-separated, from: {', '.join(SECTIONS)}")
    parser.add_argument("--model", type=Path, default=settings.default_model_dir())
    parser.add_argument("--quick", action="store_true", help="fewer repeats, smaller scales")
    args = parser.parse_args(argv)
    wanted = [s.strip() for s in args.sections.split(",") if s.strip()]
    unknown = set(wanted) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown sections: {', '.join(sorted(unknown))}")
    results = {"date": time.strftime("%Y-%m-%d %H:%M:%S"), "command": " ".join(sys.argv)}
    for name in wanted:
        module = importlib.import_module(f"benchmarks.{name}")
        print(f"== {name} ==", flush=True)
        started = time.perf_counter()
        results[name] = module.run(args)
        print(f"({name}: {time.perf_counter() - started:.0f} s)", flush=True)
    text = json.dumps(results, indent=2, default=str)
    print(text)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
