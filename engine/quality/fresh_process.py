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
