"""Serving: what a loaded Recommender costs per answer, and how the index cost grows.

    python scripts/bench.py --sections serving [--quick] [--model DIR]

Figures: resolve / similar / recommend (50-book history) / map draw latency p50 and p99; tie-aware Annoy
recall@10 for the shipped n_trees/search_k (and two other search_k, to show the choice);
BLAS one thread vs default side by side; Recommender.load time and RSS in a fresh process;
Annoy build time, file size, peak RSS and query latency on synthetic 50-d catalogs.
"""

from __future__ import annotations

import csv
import subprocess
import tempfile
import textwrap
import time
from pathlib import Path

import numpy as np

from engine.quality.fresh_process import load_in_fresh_process, run_python
from engine.quality.query_mix import random_histories
from engine.quality.title_sets import TYPED_TITLES

TARGETS = {"resolve_p99_ms": 5, "similar_p99_ms": 1, "recommend_p99_ms": 10, "recall_at_10": 0.98,
           "load_s": 1, "load_rss_mb": 300}


def percentiles(seconds: list[float]) -> dict:
    ms = np.asarray(seconds) * 1e3
    return {"p50_ms": round(float(np.percentile(ms, 50)), 3),
            "p99_ms": round(float(np.percentile(ms, 99)), 3), "n": len(ms)}


def timed(fn, inputs) -> list[float]:
    out = []
    for item in inputs:
        started = time.perf_counter()
        fn(item)
        out.append(time.perf_counter() - started)
    return out


def typed_queries(rec, limit: int) -> tuple[list[str], str]:
    if TYPED_TITLES.is_file():
        with TYPED_TITLES.open(encoding="utf-8") as f:
            rows = list(csv.DictReader(f, delimiter="\t"))
        return [r["query"] for r in rows][:limit], TYPED_TITLES.name
    rng = np.random.default_rng(0)  # fallback: catalog titles, lowercased with one typo
    out = []
    for i in rng.choice(len(rec.titles), limit, replace=False):
        t = rec.titles[i].lower()
        j = int(rng.integers(0, len(t)))
        out.append(t[:j] + t[j + 1:])
    return out, "catalog titles with one deleted letter"


def bench_resolve(rec, queries: list[str]) -> dict:
    try:  # the title engineer's benchmark, where present, also reports accuracy
        from benchmarks.titles import bench_resolve as titles_bench

        return titles_bench(rec, queries)
    except ImportError:
        return percentiles(timed(rec.resolve, queries))


def recall_table(rec, queries, search_ks) -> list[dict]:
    from engine.serve.index import tie_aware_recall

    index = rec.book_index
    shipped = index.search_k
    rows = []
    for search_k in search_ks:
        index.search_k = search_k
        latency = percentiles(timed(lambda q: index.annoy_by_item(int(q), 10), queries))
        rows.append({"search_k": search_k, "recall_at_10": round(tie_aware_recall(index, queries), 4),
                     "annoy_by_item": latency})
    index.search_k = shipped
    return rows


def blas_side_by_side(rec, titles) -> dict:
    from threadpoolctl import threadpool_limits

    out = {}
    for label, threads in (("blas_1_thread", 1), ("blas_default_threads", None)):
        with threadpool_limits(limits=threads, user_api="blas"):
            out[label] = percentiles(timed(lambda t: rec.similar(t, 10), titles))
    out["default_over_one_p50"] = round(out["blas_default_threads"]["p50_ms"]
                                        / out["blas_1_thread"]["p50_ms"], 2)
    return out


SCALE_PROBE = textwrap.dedent("""
    import json, resource, sys, time, os
    import numpy as np
    from threadpoolctl import threadpool_limits
    threadpool_limits(1, user_api="blas")
    from engine.model_dir import build_annoy, load_annoy
    from engine.serve.index import VectorIndex, tie_aware_recall
    n, trees, search_k, queries, folder = (int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]),
                                           int(sys.argv[4]), sys.argv[5])
    rng = np.random.default_rng(0)
    # Clustered like a catalog (many small neighbourhoods), not uniform noise.
    centres = rng.normal(size=(max(n // 40, 1), 50)).astype(np.float32)
    v = centres[rng.integers(0, len(centres), n)] + 0.35 * rng.normal(size=(n, 50)).astype(np.float32)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    path = os.path.join(folder, "synthetic.ann")
    started = time.perf_counter()
    build_annoy(v, __import__("pathlib").Path(path), n_trees=trees)
    build_s = time.perf_counter() - started
    peak_build = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    index = VectorIndex(v, load_annoy(path, 50), search_k=search_k, exact_max=0)
    qs = rng.choice(n, queries, replace=False)
    def lat(fn):
        t = []
        for q in qs:
            s = time.perf_counter(); fn(int(q)); t.append(time.perf_counter() - s)
        t = np.asarray(t) * 1e3
        return {"p50_ms": round(float(np.percentile(t, 50)), 3),
                "p99_ms": round(float(np.percentile(t, 99)), 3)}
    print(json.dumps({"items": n, "n_trees": trees, "search_k": search_k,
        "build_s": round(build_s, 1), "index_file_mb": round(os.path.getsize(path) / 2**20, 1),
        "peak_rss_build_mb": round(peak_build), "annoy_by_item": lat(lambda q: index.annoy_by_item(q, 10)),
        "exact_by_item": lat(lambda q: index.exact_by_vector(v[q], 10, skip=q)),
        "tie_aware_recall_at_10": round(tie_aware_recall(index, qs), 4)}))
""")


def scaling(quick: bool, search_k: int) -> list[dict]:
    from engine.serve.index import DEFAULT_TREES

    plans = [(100_000, 20 if quick else DEFAULT_TREES)]
    if not quick:
        plans.append((1_000_000, 10))  # fewer trees: a 100-tree build would take ~10 minutes here
    out = []
    for n, trees in plans:
        with tempfile.TemporaryDirectory() as folder:
            try:
                out.append(run_python(SCALE_PROBE, str(n), str(trees), str(search_k),
                                      "100" if quick else "300", folder, timeout=1800))
            except subprocess.CalledProcessError as exc:
                out.append({"items": n, "error": exc.stderr.strip().splitlines()[-1:]})
                continue
        print(f"  scale {n:,}: {out[-1]}", flush=True)
    return out


def map_draw(rec, titles: list[str]) -> dict:
    """`!map`: one neighbourhood picture per title, after one warm-up draw (fonts, caches)."""
    from engine.pictures.neighbourhood import draw_neighbourhood

    with tempfile.TemporaryDirectory() as folder:
        draw_neighbourhood(rec, titles[0], Path(folder) / "warm.png")
        return percentiles(timed(lambda t: draw_neighbourhood(rec, t, Path(folder) / "m.png"),
                                 titles))


def run(args) -> dict:
    from engine.serve.recommender import Recommender

    quick = bool(getattr(args, "quick", False))
    rec = Recommender.load(args.model)
    rec.warm()  # as the bot's service does once it has loaded the model
    rng = np.random.default_rng(1)
    linked = np.flatnonzero(rec.has_links)
    titles = [rec.titles[i] for i in rng.choice(linked, 300 if quick else 2000, replace=False)]
    queries, source = typed_queries(rec, 10_000)
    results = {"model": str(args.model), "books": len(rec.titles),
               "n_trees": rec.manifest.get("index", {}).get("n_trees"),
               "search_k": rec.book_index.search_k, "exact_queries": rec.book_index.exact,
               "targets": TARGETS}
    for t in titles[:20]:  # warm the memory-mapped pages, as a running bot has
        rec.similar(t, 10)
    results["resolve"] = {"queries": source, **bench_resolve(rec, queries)}
    print(f"  resolve: {results['resolve']}", flush=True)
    results["similar"] = percentiles(timed(lambda t: rec.similar(t, 10), titles))
    print(f"  similar: {results['similar']}", flush=True)
    histories = random_histories(rec.titles, linked, 30 if quick else 200, 50)
    results["recommend_50_book_history"] = percentiles(timed(lambda h: rec.recommend(h, 10), histories))
    print(f"  recommend: {results['recommend_50_book_history']}", flush=True)
    results["blas"] = blas_side_by_side(rec, titles[:300])
    results["map_draw"] = map_draw(rec, titles[:3 if quick else 10])
    print(f"  map draw: {results['map_draw']}", flush=True)
    recall_queries = linked[rng.choice(len(linked), 150 if quick else 500, replace=False)]
    search_ks = [rec.book_index.search_k] if quick else [8_000, 16_000, rec.book_index.search_k]
    results["annoy_recall"] = recall_table(rec, recall_queries, search_ks)
    print(f"  recall: {results['annoy_recall']}", flush=True)
    results["load_fresh_process"] = load_in_fresh_process(args.model, 3 if quick else 5)
    print(f"  load: {results['load_fresh_process']}", flush=True)
    results["scaling_synthetic_50d"] = scaling(quick, rec.book_index.search_k)
    shipped = results["annoy_recall"][-1]
    results["meets_targets"] = {
        "resolve_p99_ms": results["resolve"].get("p99_ms", 1e9) <= TARGETS["resolve_p99_ms"],
        "similar_p99_ms": results["similar"]["p99_ms"] <= TARGETS["similar_p99_ms"],
        "recommend_p99_ms": results["recommend_50_book_history"]["p99_ms"] <= TARGETS["recommend_p99_ms"],
        "recall_at_10": shipped["recall_at_10"] >= TARGETS["recall_at_10"],
        "load_s": results["load_fresh_process"]["load_s_median"] <= TARGETS["load_s"],
        "load_rss_mb": results["load_fresh_process"]["rss_mb_median"] <= TARGETS["load_rss_mb"],
    }
    return results
