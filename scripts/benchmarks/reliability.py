"""Reliability under load and crashes, with figures. The service runs in a serving process of its
own and the users (and the flood) are played from this one over a local socket (the harness is
bot.load_server on bot.reliability), so the loop lag measured is the service's alone.

    python scripts/bench.py --sections reliability [--quick]
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
from pathlib import Path

from bot.load_server import run_remote_load
from bot.loop_lag import GC_PAUSE_MS, STALL_MS
from bot.reliability import FLOOD_EVERY_S, crash_once, percentile

THINK_S = 3.0  # mean pause between one user's commands (exponential)
LAG_BAR_MS = 50.0  # p99.9 and max, median of the runs


def _spread(values: list[float], prefix: str) -> dict:
    return {f"{prefix}_p50_ms": round(percentile(values, 50), 2),
            f"{prefix}_p99_ms": round(percentile(values, 99), 2),
            f"{prefix}_p99.9_ms": round(percentile(values, 99.9), 2),
            f"{prefix}_max_ms": round(max(values, default=0.0), 2)}


def _stall_causes(stalls: list[dict]) -> dict:
    """Ticks over STALL_MS by what the loop's thread did for half the lag or more: stood ready
    while its core ran another process; else ran code (the service or a collection blocked the
    loop; its CPU time counts the whole tick, so this is an upper bound); else neither: waited
    (for the interpreter lock a thread held, in a blocking call, or for a virtual core the host
    was not running: an idle process sees those too)."""
    causes = {"off_the_core": 0, "running_code": 0, "waiting": 0}
    for stall in stalls:
        cause = ("off_the_core" if stall["queued_ms"] >= stall["lag_ms"] / 2 else
                 "running_code" if stall["cpu_ms"] >= stall["lag_ms"] / 2 else "waiting")
        causes[cause] += 1
    return causes


def _figures(r) -> dict:
    latencies = r.all_latencies()
    return {
        "commands": len(latencies), "errors": len(r.errors), "first_errors": r.errors[:5],
        "wall_s": round(r.wall_s, 1), "commands_per_s": round(len(latencies) / r.wall_s, 1),
        "lag_samples": len(r.lag_ms), **_spread(r.lag_ms, "loop_lag"),
        f"stalls_over_{STALL_MS:.0f}_ms": len(r.stalls), "stall_causes": _stall_causes(r.stalls),
        "worst_stalls": sorted(r.stalls, key=lambda x: -x["lag_ms"])[:3],
        # A process that only ticks, beside the serving one: what the machine alone costs.
        **_spread(r.idle_lag_ms, "idle_process_lag"),
        f"gc_pauses_over_{GC_PAUSE_MS:.0f}_ms": len(r.gc_pauses),
        "gc_pause_max_ms": max((p["ms"] for p in r.gc_pauses), default=0.0),
        "longest_gc_pauses": sorted(r.gc_pauses, key=lambda x: -x["ms"])[:3],  # wall time
        # At the driver: the service's work plus the socket round trip and the driver's own loop.
        **_spread(latencies, "latency"),
        # In the serving process, from the line read to the answer rendered.
        **_spread(r.handled_ms, "handled"),
        "latency_p99_ms_by_command": {k: round(percentile(v, 99), 2)
                                      for k, v in sorted(r.latencies_ms.items())},
        "acked_reads": sum(len(b) for b in r.acked.values()),
        "throttled": r.throttled, "flood_sent": r.flood_sent,
        "flood_per_s": round(r.flood_sent / r.wall_s, 1)}


def _medians(runs: list[dict]) -> dict:
    """The median of each number over the runs (errors: the sum, so one bad run shows)."""
    numbers = [k for k, v in runs[0].items() if isinstance(v, int | float)]
    medians = {k: round(statistics.median(run[k] for run in runs), 2) for k in numbers}
    medians["errors"] = sum(run["errors"] for run in runs)
    return medians


def _line(name: str, f: dict) -> str:
    stalls = (f"; stalls over {STALL_MS:.0f} ms: {f['stall_causes']}, GC pauses over "
              f"{GC_PAUSE_MS:.0f} ms: {f[f'gc_pauses_over_{GC_PAUSE_MS:.0f}_ms']:.0f} "
              f"(longest {f['gc_pause_max_ms']} ms)" if "stall_causes" in f else "")
    return (f"{name}: {f['commands']:.0f} commands, {f['errors']} errors, loop lag p50/p99/p99.9/"
            f"max {f['loop_lag_p50_ms']}/{f['loop_lag_p99_ms']}/{f['loop_lag_p99.9_ms']}/"
            f"{f['loop_lag_max_ms']} ms (an idle process meanwhile p99.9/max "
            f"{f['idle_process_lag_p99.9_ms']}/{f['idle_process_lag_max_ms']} ms); latency at "
            f"the driver p50/p99/max {f['latency_p50_ms']}/{f['latency_p99_ms']}/"
            f"{f['latency_max_ms']} ms (handled in the service p99 {f['handled_p99_ms']} ms); "
            f"throttled {f['throttled']:.0f}, flood {f['flood_per_s']}/s{stalls}")


def run(args) -> dict:
    quick = getattr(args, "quick", False)
    users, commands, runs = (200, 10, 1) if quick else (1000, 20, 3)
    results: dict = {"model": str(args.model), "users": users, "commands_per_user": commands,
                     "mean_think_s": THINK_S, "flood_commands_per_s": round(1 / FLOOD_EVERY_S),
                     "runs": runs, "load_from": "another process, one TCP connection per user"}
    with tempfile.TemporaryDirectory() as tmp:
        per_run: dict[str, list[dict]] = {"load": [], "load_with_flood": []}
        for i in range(runs):  # alternated, so drift on the shared machine falls on both
            for name, flood in (("load", False), ("load_with_flood", True)):
                r = asyncio.run(run_remote_load(args.model, Path(tmp) / f"{name}{i}.db", users,
                                                commands, THINK_S, flood=flood))
                per_run[name].append(_figures(r))
                print(_line(f"{name} run {i + 1}", per_run[name][-1]), flush=True)
        for name, figures in per_run.items():
            results[name] = {"median": _medians(figures), "runs": figures}
            print(_line(f"{name} median of {runs}", results[name]["median"]), flush=True)
        crashes = [crash_once(Path(tmp) / f"crash{i}.db", kill_after)
                   for i, kill_after in enumerate((50, 500, 2000) if not quick else (50, 500))]
    results["crash"] = crashes
    for c in crashes:
        print(f"crash: killed after {c['acked']} acks; {c['stored']} stored, {c['lost']} lost, "
              f"integrity {c['integrity']}", flush=True)
    results["bar"] = (f"0 errors, 0 lost/duplicated, p99 <= 100 ms, loop lag p99.9 and max <= "
                      f"{LAG_BAR_MS:.0f} ms (median of {runs}); crash: integrity ok, 0 lost")
    return results
