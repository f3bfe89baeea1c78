"""The reliability harness across processes: several shard clusters (each its own process, its
own memory-mapped model, service, throttle and store connection) driven at once through the
service layer against one database, as bot/reliability.py drives one.

Each worker writes a journal line to its stdout when a write starts and when it is
acknowledged; the parent keeps that record, so a worker it SIGKILLs mid-burst is checked against
what it had acknowledged: every such write must be in the database, with only the one write in
flight per user allowed either outcome.

    python -m bot.cluster_load users MODEL TARGET INDEX USERS COMMANDS THINK_S   (a worker)
    python -m bot.cluster_load flood MODEL TARGET SECONDS                         (a flooder)
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from bot.reliability import (
    LoadResult,
    flooder,
    local_ask,
    lost_or_duplicated,
    percentile,
    run_load,
    stored_reads,
    titles_of,
)
from engine import settings

READY_TIMEOUT_S = 300
KILL_WINDOW_S = 3.0  # how long after a SIGKILL the survivors' answers are watched


# -- the worker side --

def _journal(event: str, user: str, title: str, rating: int | None) -> None:
    print(f"{event}\t{user}\t{title}\t{'' if rating is None else rating}", flush=True)


def _load(model: str):
    from engine.serve.recommender import Recommender

    rec = Recommender.load(model)
    rec.warm()  # as the bot's service does once it has loaded the model
    print("ready", flush=True)
    sys.stdin.readline()  # "go": every worker starts its users at once
    return rec


async def _users(model, target, index, users, commands, think_s) -> None:
    from bot.throttle import Throttle

    rec = await asyncio.to_thread(_load, model)
    result = LoadResult(journal=_journal)
    await run_load(rec, target, int(users), int(commands), float(think_s), throttle=Throttle(),
                   seed=int(index), result=result, prefix=f"c{index}-u", check=False)
    print("result\t" + json.dumps({"latencies_ms": result.latencies_ms, "errors": result.errors,
                                   "lag_ms": result.lag_ms, "throttled": result.throttled,
                                   "wall_s": result.wall_s}), flush=True)


async def _flood(model, target, seconds) -> None:
    from bot.service import ShelfService
    from bot.store import Store
    from bot.throttle import Throttle

    rec = await asyncio.to_thread(_load, model)
    store = await Store.open(target)
    result = LoadResult(journal=_journal)
    stop = asyncio.Event()
    ask = local_ask(ShelfService(rec, store, None, Throttle()))
    task = asyncio.create_task(flooder(ask, "flood", titles_of(rec, 1, 0)[0], stop, result))
    await asyncio.sleep(float(seconds))
    stop.set()
    await task
    await store.close()
    print("result\t" + json.dumps({"throttled": result.throttled}), flush=True)


# -- the parent side --

@dataclass
class Worker:
    proc: subprocess.Popen
    ready: threading.Event = field(default_factory=threading.Event)
    events: list[tuple[float, str, str, str, int | None]] = field(default_factory=list)
    result: dict | None = None

    def read(self) -> None:
        for line in self.proc.stdout:
            line = line.rstrip("\n")
            if line == "ready":
                self.ready.set()
            elif line.startswith("result\t"):
                self.result = json.loads(line.split("\t", 1)[1])
            elif line.count("\t") == 3:
                event, user, title, rating = line.split("\t")
                self.events.append((time.monotonic(), event, user, title,
                                    int(rating) if rating else None))

    def acks(self) -> int:
        return sum(e[1] == "ack" for e in self.events)

    def state(self) -> tuple[dict[str, dict[str, int | None]], dict[str, set[str]]]:
        """(acknowledged state per user, titles whose write was still in flight)."""
        acked: dict[str, dict[str, int | None]] = {}
        pending: dict[str, set[str]] = {}
        for _, event, user, title, rating in self.events:
            if event == "start":
                pending[user] = {title}
                continue
            pending.pop(user, None)
            if event == "ack":
                acked.setdefault(user, {})[title] = rating
            else:
                acked.setdefault(user, {}).pop(title, None)
        return acked, pending


def spawn(args: list[str]) -> Worker:
    env = settings.child_env()
    proc = subprocess.Popen([sys.executable, "-m", "bot.cluster_load", *map(str, args)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
    worker = Worker(proc)
    threading.Thread(target=worker.read, daemon=True).start()
    return worker


def start_together(workers: list[Worker]) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    for worker in workers:
        while not worker.ready.wait(0.1):
            if worker.proc.poll() is not None:
                raise RuntimeError(f"a worker exited before it was ready ({worker.proc.returncode})")
            if time.monotonic() > deadline:
                raise RuntimeError("a worker did not load the model in time")
    for worker in workers:
        worker.proc.stdin.write("go\n")
        worker.proc.stdin.flush()


def run_cluster(model: Path, target: Path | str, processes: int, users: int, commands: int,
                think_s: float, kill_after: int | None = None, timeout_s: float = 1800) -> dict:
    """`processes` workers × `users` × `commands`; with `kill_after`, worker 0 is SIGKILLed once
    it has acknowledged that many writes. Returns the figures and the durability check."""
    workers = [spawn(["users", model, target, i, users, commands, think_s])
               for i in range(processes)]
    killed_at = None
    try:
        start_together(workers)  # (a failure here still reaches the finally below)
        started = time.monotonic()
        if kill_after is not None:
            while workers[0].acks() < kill_after and workers[0].proc.poll() is None:
                time.sleep(0.005)
            os.kill(workers[0].proc.pid, signal.SIGKILL)
            killed_at = time.monotonic()
        for worker in workers:
            worker.proc.wait(timeout_s)
        wall_s = time.monotonic() - started
    finally:
        for worker in workers:
            if worker.proc.poll() is None:
                worker.proc.kill()
                worker.proc.wait()
    time.sleep(0.2)  # let the reader threads take the last lines
    acked: dict[str, dict[str, int | None]] = {}
    pending: dict[str, set[str]] = {}
    for worker in workers:
        worker_acked, worker_pending = worker.state()
        acked.update(worker_acked)
        pending.update(worker_pending)
    survivors = workers[1:] if killed_at is not None else workers
    problems = lost_or_duplicated(asyncio.run(stored_reads(target)), acked, pending)
    errors = [e for w in survivors for e in (w.result or {"errors": ["no result"]})["errors"]]
    by_kind: dict[str, list[float]] = {}
    for worker in survivors:
        for kind, values in (worker.result or {}).get("latencies_ms", {}).items():
            by_kind.setdefault(kind, []).extend(values)
    everything = [x for values in by_kind.values() for x in values]
    lags = [x for w in survivors for x in (w.result or {}).get("lag_ms", [])]
    figures = {
        "processes": processes, "users": processes * users, "commands_per_user": commands,
        "mean_think_s": think_s, "commands": len(everything), "errors": len(errors),
        "first_errors": errors[:5], "lost_or_duplicated": len(problems),
        "first_problems": problems[:5], "wall_s": round(wall_s, 1),
        "commands_per_s": round(len(everything) / wall_s, 1),
        "p50_ms": round(percentile(everything, 50), 2),
        "p99_ms": round(percentile(everything, 99), 2),
        "p99_ms_by_command": {k: round(percentile(v, 99), 2) for k, v in sorted(by_kind.items())},
        "loop_lag_p99_ms": round(percentile(lags, 99), 2),
        "acked_writes": sum(w.acks() for w in workers),
    }
    if killed_at is not None:
        # Right after the kill, while the survivors' users are all still busy (later gaps are
        # only users thinking at the end of their scripts).
        after = sorted(t for w in survivors for t, *_ in w.events
                       if killed_at <= t <= killed_at + KILL_WINDOW_S)
        gaps = [b - a for a, b in zip([killed_at, *after], after, strict=False)]
        figures.update({
            "killed": {"acked_before_kill": workers[0].acks(),
                       "in_flight_at_kill": len(workers[0].state()[1]),
                       "exit": workers[0].proc.returncode},
            "survivors_finished": all(w.proc.returncode == 0 and w.result for w in survivors),
            "survivor_writes_in_3_s_after_kill": len(after),
            "longest_silence_after_kill_ms": round(max(gaps, default=0) * 1000, 1)})
    return figures


def flood_cluster(model: Path, target: Path | str, processes: int, seconds: float) -> dict:
    """One user flooding through `processes` processes at once: how many commands get through
    the per-process throttles (the cost of not sharing throttle state)."""
    workers = [spawn(["flood", model, target, seconds]) for _ in range(processes)]
    try:
        start_together(workers)
        for worker in workers:
            worker.proc.wait(READY_TIMEOUT_S)
    finally:
        for worker in workers:
            if worker.proc.poll() is None:
                worker.proc.kill()
                worker.proc.wait()
    time.sleep(0.2)
    accepted = sum(w.acks() for w in workers)
    refused = sum((w.result or {}).get("throttled", 0) for w in workers)
    return {"processes": processes, "seconds": seconds, "accepted": accepted, "refused": refused,
            "accepted_per_s": round(accepted / seconds, 2)}


if __name__ == "__main__":
    mode, *rest = sys.argv[1:]
    asyncio.run(_users(*rest) if mode == "users" else _flood(*rest))
