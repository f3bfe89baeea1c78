"""Title resolution benchmark: latency (p50, p99) and top-1 accuracy over the typed-title set,
the first-try rate over what readers type (engine/quality/data/reader_typed.tsv: titles, series,
ambiguous titles, trailing ratings; target 97%) with every look-alike wrongly accepted for a
book the catalog lacks, the share of not-in-catalog queries wrongly "found", and autocomplete
latency.

Used by the serving section (`bench_resolve`), as `scripts/bench.py --sections titles`, or alone:

    .venv/bin/python scripts/benchmarks/titles.py [--model models/default] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

from engine.quality.title_sets import (
    FIRST_TRY_TARGET,
    first_try,
    not_in_catalog,
    reader_typed,
    typed_titles,
)


def _per_query_ms(fn, queries: list[str], rounds: int) -> tuple[list[float], list[float]]:
    """Each query timed `rounds` times after one warm pass: its median wall time and median CPU
    time (the CPU time leaves out waits for a core, which dominate on a shared machine), in ms."""
    for query in queries:
        fn(query)
    wall = [[] for _ in queries]
    cpu = [[] for _ in queries]
    for _ in range(rounds):
        for i, query in enumerate(queries):
            started, started_cpu = time.perf_counter(), time.thread_time()
            fn(query)
            wall[i].append((time.perf_counter() - started) * 1e3)
            cpu[i].append((time.thread_time() - started_cpu) * 1e3)
    return [statistics.median(s) for s in wall], [statistics.median(s) for s in cpu]


def _p99(ms: list[float]) -> float:
    return round(float(np.percentile(ms, 99)), 3)


def _summary(timings: tuple[list[float], list[float]]) -> dict:
    wall, cpu = timings
    return {"n": len(wall), "p50_ms": round(statistics.median(wall), 3), "p99_ms": _p99(wall),
            "max_ms": round(max(wall), 3), "cpu_p50_ms": round(statistics.median(cpu), 3),
            "cpu_p99_ms": _p99(cpu)}


def bench_resolve(rec, queries, rounds: int = 3) -> dict:
    """Resolve latency over `queries` (strings, or (query, expected title) pairs) with `rec`
    (a Recommender or a TitleResolver). Top-1 accuracy is reported for the queries whose expected
    title is known: given in a pair, or listed in engine/quality/data/typed_titles.tsv."""
    known = {query: expected for query, expected, _ in typed_titles()}
    pairs = []
    for item in queries:
        query, expected = item if isinstance(item, tuple) else (item, None)
        pairs.append((query, expected or known.get(query)))
    texts = [q for q, _ in pairs]
    out = _summary(_per_query_ms(rec.resolve, texts, rounds))
    graded = [(q, e) for q, e in pairs if e]
    if graded:
        right = 0
        for query, expected in graded:
            resolution = rec.resolve(query)
            right += resolution.found and resolution.title == expected
        out["top1_accuracy"] = round(right / len(graded), 4)
        out["graded"] = len(graded)
    return out


def run(args) -> dict:
    from engine.serve.recommender import Recommender

    rounds = getattr(args, "rounds", None) or (1 if getattr(args, "quick", False) else 3)
    started = time.perf_counter()
    rec = Recommender.load(args.model)
    load_s = time.perf_counter() - started
    rows = typed_titles()
    absent = not_in_catalog()
    resolver = rec.resolver
    wrongly_found = [q for q in absent if resolver.resolve(q).found]
    prefixes = [q[:4] for q, _, _ in rows]
    reader = first_try(resolver)
    return {
        "load_s": round(load_s, 3),
        "aliases": len(rec.aliases), "series": len(resolver.series),
        "other_works": len(resolver.other_works),
        "typed_titles": bench_resolve(rec, [(q, e) for q, e, _ in rows], rounds),
        "reader_typed": {"n": reader["n"], "first_try": reader["first_try"],
                         "target": FIRST_TRY_TARGET, "absent": reader["absent"],
                         "false_accepts": reader["false_accepts"],
                         "misses": reader["misses"][:10],
                         "latency": _summary(_per_query_ms(resolver.resolve,
                                                           [q for q, _, _ in reader_typed()],
                                                           rounds))},
        "not_in_catalog": {"n": len(absent), "found": len(wrongly_found),
                           "examples": wrongly_found[:5]},
        "complete": _summary(_per_query_ms(resolver.complete, prefixes, rounds)),
    }


def main() -> int:
    from engine import settings

    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, default=settings.default_model_dir())
    parser.add_argument("--rounds", type=int, default=3)
    print(json.dumps(run(parser.parse_args()), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
