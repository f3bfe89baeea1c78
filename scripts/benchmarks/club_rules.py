"""`club pick` for 8 members x 50 books under each fairness rule, alternated on the same clubs
in one process so machine noise falls on all alike: p50/p99/max ms per rule.

    PYTHONPATH=. python scripts/benchmarks/club_rules.py [--model DIR] [--clubs N]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from engine import settings
from engine.quality.query_mix import random_histories
from engine.serve.group_picks import RULES, group_picks
from engine.serve.recommender import Recommender

MEMBERS, BOOKS = 8, 50  # as the mixes bench's club_8x50


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--model", default=str(settings.default_model_dir()))
    parser.add_argument("--clubs", type=int, default=60)
    args = parser.parse_args(argv)
    rec = Recommender.load(args.model)
    rec.warm()
    linked = np.flatnonzero(rec.has_links)
    shelves = random_histories(rec.titles, linked, args.clubs * MEMBERS, BOOKS, seed=3)
    clubs = [shelves[i:i + MEMBERS] for i in range(0, len(shelves), MEMBERS)]
    group_picks(rec, clubs[0], 10)  # first-call costs out of the way
    seconds: dict[str, list[float]] = {rule: [] for rule in RULES}
    for club in clubs:
        for rule in RULES:  # alternated: each club under every rule in turn
            started = time.perf_counter()
            group_picks(rec, club, 10, rule=rule)
            seconds[rule].append(time.perf_counter() - started)
    for rule, times in seconds.items():
        ms = 1000 * np.asarray(times)
        print(f"{rule:13s} p50 {np.percentile(ms, 50):6.1f}  p99 {np.percentile(ms, 99):6.1f}  "
              f"max {ms.max():6.1f} ms  ({len(ms)} clubs)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
