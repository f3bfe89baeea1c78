"""Reliability under load and crashes, with figures (the harness is bot.reliability).

    python scripts/bench.py --sections reliability [--quick]
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from bot.reliability import crash_once, percentile, run_load
from bot.throttle import Throttle


def run(args) -> dict:
    from engine.serve.recommender import Recommender

    quick = getattr(args, "quick", False)
    users, commands = (200, 10) if quick else (1000, 20)
    think_s = 3.0  # mean pause between one user's commands (exponential)
    rec = Recommender.load(args.model)
    rec.warm()  # as the bot's service does once it has loaded the model
    results: dict = {"model": str(args.model), "users": users, "commands_per_user": commands,
                     "mean_think_s": think_s}
    with tempfile.TemporaryDirectory() as tmp:
        for name, flood in (("load", False), ("load_with_flood", True)):
            r = asyncio.run(run_load(rec, Path(tmp) / f"{name}.db", users, commands, think_s,
                                     flood=flood, throttle=Throttle()))
            latencies = r.all_latencies()
            results[name] = {
                "commands": len(latencies), "errors": len(r.errors),
                "first_errors": r.errors[:5], "wall_s": round(r.wall_s, 1),
                "commands_per_s": round(len(latencies) / r.wall_s, 1),
                "p50_ms": round(percentile(latencies, 50), 2),
                "p99_ms": round(percentile(latencies, 99), 2),
                "max_ms": round(max(latencies), 2),
                "p99_ms_by_command": {k: round(percentile(v, 99), 2)
                                      for k, v in sorted(r.latencies_ms.items())},
                "loop_lag_max_ms": round(max(r.lag_ms), 2),
                "loop_lag_p99_ms": round(percentile(r.lag_ms, 99), 2),
                "acked_reads": sum(len(b) for b in r.acked.values()),
                "throttled": r.throttled}
            print(f"{name}: {len(latencies)} commands, {len(r.errors)} errors, "
                  f"p99 {results[name]['p99_ms']} ms, max lag {results[name]['loop_lag_max_ms']}"
                  f" ms, throttled {r.throttled}", flush=True)
        crashes = [crash_once(Path(tmp) / f"crash{i}.db", kill_after)
                   for i, kill_after in enumerate((50, 500, 2000) if not quick else (50, 500))]
    results["crash"] = crashes
    for c in crashes:
        print(f"crash: killed after {c['acked']} acks; {c['stored']} stored, {c['lost']} lost, "
              f"integrity {c['integrity']}", flush=True)
    results["bar"] = ("0 errors, 0 lost/duplicated, p99 <= 100 ms, loop lag <= 50 ms; "
                      "crash: integrity ok, 0 lost")
    return results
