"""Measurements that need a fresh interpreter: what loading a model costs a new process, and
which heavy libraries it pulls in. The benchmarks and the tests both use these."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np

from engine import settings

# Libraries the serving process must never import (they belong to building and evaluating).
HEAVY_MODULES = ("tensorflow", "keras", "torch", "openTSNE", "sklearn")

LOAD_PROBE = textwrap.dedent("""
    import json, resource, sys, time
    started = time.perf_counter()
    from engine.serve.recommender import Recommender
    rec = Recommender.load(sys.argv[1])
    load_s = time.perf_counter() - started
    rec.similar(rec.titles[int(rec.has_links.argmax())], 10)
    try:  # VmHWM: this process's own peak; ru_maxrss inherits the parent's peak across exec
        status = open("/proc/self/status").read().split("VmHWM:")[1]
        rss_mb = int(status.split()[0]) / 1024
    except (OSError, IndexError):
        rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    from engine.serve.titles import TitleResolver
    files = rec.files
    started = time.perf_counter()
    TitleResolver.for_catalog(files.titles, files.meta, files.book_degrees())
    resolver_s = time.perf_counter() - started
    print(json.dumps({"load_s": load_s, "resolver_build_s": resolver_s, "rss_mb": rss_mb,
                      "heavy_modules": sorted(m for m in json.loads(sys.argv[2])
                                              if m in sys.modules)}))
""")


# From interpreter start to answers at steady latency, as a bot's process lives it: import, load,
# warm (Recommender.warm, which the service calls), then one answer of each kind, whose latency
# shows whether any lazy work was left for a user's first query.
STEADY_PROBE = textwrap.dedent("""
    import json, sys, time
    from engine.serve.recommender import HistoryItem, Recommender
    rec = Recommender.load(sys.argv[1])
    rec.warm()
    ready = time.time()
    linked = [i for i in range(len(rec.titles)) if rec.has_links[i]]
    title = rec.titles[linked[len(linked) // 2]]
    asks = {"resolve": lambda: rec.resolve(title[:-1] + title[-1:].upper() + "x"),
            "complete": lambda: rec.resolver.complete(title[:5]),
            "similar": lambda: rec.similar(title, 10),
            "recommend_50": lambda: rec.recommend(
                [HistoryItem(rec.titles[i])
                 for i in linked[::max(1, len(linked) // 50)][:50]], 10)}
    first_ms = {}
    for kind, ask in asks.items():
        started = time.perf_counter()
        ask()
        first_ms[kind] = round((time.perf_counter() - started) * 1e3, 2)
    status = open("/proc/self/status").read()
    hwm_mb = int(status.split("VmHWM:")[1].split()[0]) / 1024
    print(json.dumps({"ready_wall": ready, "answered_wall": time.time(), "first_ms": first_ms,
                      "peak_rss_mb": round(hwm_mb, 1)}))
""")


def start_to_steady(model: Path, repeats: int = 1) -> dict:
    """Seconds from spawning a fresh interpreter to its first answers after warming (the
    median over `repeats`), each kind's first latency, and the process's peak RSS."""
    import time

    runs = []
    for _ in range(repeats):
        spawned = time.time()
        out = run_python(STEADY_PROBE, str(model))
        runs.append({**out, "ready_s": out["ready_wall"] - spawned,
                     "answered_s": out["answered_wall"] - spawned})
    middle = sorted(runs, key=lambda r: r["answered_s"])[len(runs) // 2]
    return {"start_to_steady_s": round(middle["answered_s"], 2),
            "start_to_warm_s": round(middle["ready_s"], 2), "first_ms": middle["first_ms"],
            "peak_rss_mb": max(r["peak_rss_mb"] for r in runs), "runs": repeats}


def run_python(code: str, *args: str, timeout: float = 300, extra_path: str = "") -> dict:
    """Run `code` in a new interpreter that imports this checkout (and `extra_path`, e.g. the
    benchmarks' folder); its last stdout line is JSON."""
    env = settings.child_env(*filter(None, [extra_path]))
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                         check=True, timeout=timeout, env=env)
    return json.loads(out.stdout.strip().splitlines()[-1])


def load_in_fresh_process(model: Path, repeats: int = 1) -> dict:
    """Recommender.load in a new interpreter: seconds, peak RSS, and which heavy libraries came in."""
    runs = [run_python(LOAD_PROBE, str(model), json.dumps(HEAVY_MODULES)) for _ in range(repeats)]

    def median(key: str) -> float:
        return round(float(np.median([r[key] for r in runs])), 3)

    return {"load_s_median": median("load_s"), "rss_mb_median": median("rss_mb"),
            "resolver_build_s_median (part of load)": median("resolver_build_s"),
            "heavy_modules": sorted({m for r in runs for m in r["heavy_modules"]}), "runs": repeats}
