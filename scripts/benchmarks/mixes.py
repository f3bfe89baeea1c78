"""Honest serving mixes (engine/quality/query_mix.py): typed titles drawn at random from the
catalog and damaged the ways readers damage them, resolved through the service (where a trailing
rating is split off); autocomplete key by key; histories of 1 to 200 random books; book-club
picks for 8 members with 50 random books each (engine/serve/group_picks.py). Each kind is
reported on its own (p50/p95/p99/max), at the served catalog and at a synthetic 100,000 books
with 300,000 aliases (engine/quality/synthetic_catalog.py). For each catalog a fresh process is
also timed from its start to answering at steady latency, with its peak RSS (the lazy work
counted: engine/quality/fresh_process.py).

    python scripts/bench.py --sections mixes [--quick] [--model DIR]
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

from benchmarks.serving import timed
from engine.quality.query_mix import HISTORY_SIZES, MIX, keystrokes, random_histories, typed_mix

TARGETS = {"start_to_steady_s": 1, "peak_rss_mb": 300,
           "resolve_p99_ms": 5, "resolve_kind_p99_ms": 10, "complete_p99_ms": 10,
           "similar_p99_ms": 1, "recommend_50_p99_ms": 10, "recommend_200_p99_ms": 25,
           "club_8x50_p99_ms": 50}
CLUB_MEMBERS, CLUB_BOOKS = 8, 50  # a book club's pick: 8 members with 50 books each


def spread(seconds: list[float]) -> dict:
    ms = np.asarray(seconds) * 1e3
    return {"n": len(ms), **{f"p{q}_ms": round(float(np.percentile(ms, q)), 3) for q in (50, 95, 99)},
            "max_ms": round(float(ms.max()), 3)}


def resolve_mix(rec, queries) -> dict:
    """Latency and first-try accuracy by kind, through ShelfService's rating-aware resolve."""
    from bot.service import ShelfService

    service = ShelfService(rec, store=None)

    async def measure():
        seconds, right = defaultdict(list), defaultdict(int)
        for q in queries:
            started = time.perf_counter()
            resolution, _, _ = await service._resolve_with_number(q.text, 1, 5)
            seconds[q.kind].append(time.perf_counter() - started)
            right[q.kind] += (resolution.title == q.expected if q.expected is not None
                              else not resolution.found)
        return seconds, right

    seconds, right = asyncio.run(measure())
    out = {kind: {**spread(seconds[kind]), "first_try": round(right[kind] / len(seconds[kind]), 3)}
           for kind in MIX if seconds[kind]}
    out["all"] = spread([s for kind in seconds for s in seconds[kind]])
    out["all"]["first_try"] = round(sum(right.values()) / len(queries), 3)
    return out


def measure_model(rec, quick: bool) -> dict:
    authors = [m.get("author", "") for m in rec.meta]
    queries = typed_mix(rec.titles, authors, 1000 if quick else 10_000, seed=0)
    linked = np.flatnonzero(rec.has_links)
    rec.warm()  # as the bot's service does once it has loaded the model
    for title in rec.titles[:20]:  # warm the memory-mapped pages, as a running bot has
        rec.similar(title, 10)
    out = {"books": len(rec.titles), "aliases": len(rec.files.aliases), "mix": MIX,
           "resolve": resolve_mix(rec, queries)}
    print(f"    resolve all: {out['resolve']['all']}", flush=True)
    keys = keystrokes(rec.titles, 30 if quick else 300, seed=1)
    out["complete"] = spread(timed(rec.resolver.complete, keys))
    rng = np.random.default_rng(2)
    titles = [rec.titles[int(i)] for i in rng.choice(linked, 300 if quick else 2000, replace=False)]
    out["similar"] = spread(timed(lambda t: rec.similar(t, 10), titles))
    out["recommend"] = {}
    for size in HISTORY_SIZES:
        histories = random_histories(rec.titles, linked, 20 if quick else 100, size, seed=size)
        out["recommend"][str(size)] = spread(timed(lambda h: rec.recommend(h, 10), histories))
    out["club_8x50"] = club_picks(rec, linked, 50 if quick else 200)
    print(f"    complete {out['complete']}, similar {out['similar']}, "
          f"recommend {out['recommend']}, club 8x50 {out['club_8x50']}", flush=True)
    return out


def club_picks(rec, linked, count: int) -> dict:
    """engine.serve.group_picks for `count` clubs of CLUB_MEMBERS random 50-book shelves."""
    from engine.serve.group_picks import group_picks

    shelves = random_histories(rec.titles, linked, count * CLUB_MEMBERS, CLUB_BOOKS, seed=3)
    clubs = [shelves[i:i + CLUB_MEMBERS] for i in range(0, len(shelves), CLUB_MEMBERS)]
    return spread(timed(lambda club: group_picks(rec, club, 10), clubs))


def fresh_start(model: Path, quick: bool) -> dict:
    """Start -> steady in new interpreters (engine.quality.fresh_process), median of 3 runs."""
    from engine.quality.fresh_process import start_to_steady

    probe = start_to_steady(model, repeats=1 if quick else 3)
    print(f"    fresh process: {probe}", flush=True)
    return probe


def meets(r: dict) -> dict:
    kinds = [v["p99_ms"] for k, v in r["resolve"].items() if k != "all"]
    return {"start_to_steady_s": r["fresh"]["start_to_steady_s"] <= TARGETS["start_to_steady_s"],
            "peak_rss_mb": r["fresh"]["peak_rss_mb"] <= TARGETS["peak_rss_mb"],
            "resolve_p99_ms": r["resolve"]["all"]["p99_ms"] <= TARGETS["resolve_p99_ms"],
            "resolve_kind_p99_ms": max(kinds) <= TARGETS["resolve_kind_p99_ms"],
            "complete_p99_ms": r["complete"]["p99_ms"] <= TARGETS["complete_p99_ms"],
            "similar_p99_ms": r["similar"]["p99_ms"] <= TARGETS["similar_p99_ms"],
            "recommend_50_p99_ms": r["recommend"]["50"]["p99_ms"] <= TARGETS["recommend_50_p99_ms"],
            "recommend_200_p99_ms": r["recommend"]["200"]["p99_ms"]
            <= TARGETS["recommend_200_p99_ms"],
            "club_8x50_p99_ms": r["club_8x50"]["p99_ms"] <= TARGETS["club_8x50_p99_ms"]}


def run(args) -> dict:
    from engine.quality.synthetic_catalog import write_synthetic_model
    from engine.serve.recommender import Recommender

    quick = bool(getattr(args, "quick", False))
    results = {"targets": TARGETS}
    rec = Recommender.load(args.model)
    print(f"  served catalog ({len(rec.titles):,} books):", flush=True)
    results["served"] = {"fresh": fresh_start(args.model, quick), **measure_model(rec, quick)}
    results["served"]["meets_targets"] = meets(results["served"])
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        manifest = write_synthetic_model(Path(folder) / "synthetic", rec.titles,
                                         [m.get("author", "") for m in rec.meta],
                                         n_books=20_000 if quick else 100_000,
                                         dim=rec.files.dim, n_trees=20 if quick else 100)
        build_s = time.perf_counter() - started
        started = time.perf_counter()
        big = Recommender.load(Path(folder) / "synthetic")
        results["synthetic"] = {"counts": manifest["counts"], "build_s": round(build_s, 1),
                                "load_s": round(time.perf_counter() - started, 2)}
        print(f"  synthetic catalog {manifest['counts']}, load {results['synthetic']['load_s']} s:",
              flush=True)
        results["synthetic"]["fresh"] = fresh_start(Path(folder) / "synthetic", quick)
        results["synthetic"].update(measure_model(big, quick))
        results["synthetic"]["meets_targets"] = meets(results["synthetic"])
    return results
