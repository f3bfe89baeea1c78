"""Bot start to ready: the model and the database loaded, as `python -m bot` does it, measured
in fresh subprocesses (so imports and page cache count as they do for a real start)."""

from __future__ import annotations

import statistics
import tempfile
from pathlib import Path

from engine.quality.fresh_process import run_python

PROBE = r"""
import asyncio, json, sys, time
started = time.perf_counter()
import psutil
from bot.service import ShelfService

async def main():
    service = await ShelfService.open(sys.argv[1], sys.argv[2])
    ready = time.perf_counter() - started
    # One real answer, so the memory figure includes what serving touches.
    await service.similar("The Hobbit")
    rss = psutil.Process().memory_info().rss
    await service.close()
    print(json.dumps({"ready_s": ready, "rss_mb": rss / 2**20}))

asyncio.run(main())
"""


def run(args) -> dict:
    repeats = 3 if args.quick else 7
    timings, rss = [], []
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.db"
        for _ in range(repeats):
            figures = run_python(PROBE, str(args.model), str(db))
            timings.append(figures["ready_s"])
            rss.append(figures["rss_mb"])
    result = {"model": str(args.model), "repeats": repeats,
              "start_to_ready_s_median": round(statistics.median(timings), 3),
              "start_to_ready_s_max": round(max(timings), 3),
              "rss_mb_median": round(statistics.median(rss), 1),
              "rss_mb_max": round(max(rss), 1),
              "bar": "ready <= 2 s, RSS <= 300 MB"}
    print(f"bot: ready in {result['start_to_ready_s_median']} s (median of {repeats}), "
          f"RSS {result['rss_mb_median']} MB", flush=True)
    return result
