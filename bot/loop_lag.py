"""Event-loop lag, and what to blame for it: a ticker that times how late a short sleep wakes up,
and for each late tick, what the process's threads did meanwhile; garbage-collection pauses.
The reliability harness (bot/reliability.py, bot/load_server.py) measures the service with it."""

from __future__ import annotations

import asyncio
import gc
import os
import threading
import time

TICK_S = 0.01  # the loop-lag ticker's sleep
STALL_MS = 10.0  # a tick this late is explained (see `ticker`)
GC_PAUSE_MS = 2.0  # a collection this long is recorded (see `time_collections`)


def _thread_times() -> dict[str, float]:
    """Milliseconds so far on a core ("cpu") and runnable but waiting for one ("queued"), of
    this thread and of the process's other threads ("others_..."), from Linux's schedstat;
    elsewhere this thread's CPU time only."""
    me = threading.get_native_id()
    times = dict.fromkeys(("cpu", "queued", "others_cpu", "others_queued"), 0.0)
    try:
        for task in os.listdir("/proc/self/task"):
            with open(f"/proc/self/task/{task}/schedstat") as f:
                ran, queued, _ = f.read().split()
            prefix = "" if int(task) == me else "others_"
            times[prefix + "cpu"] += int(ran) / 1e6
            times[prefix + "queued"] += int(queued) / 1e6
    except (OSError, ValueError):  # not Linux, or a thread ended while it was read
        times["cpu"] = time.thread_time() * 1000
    return times


async def ticker(lags: list[float], stop: asyncio.Event, every: float = TICK_S,
                 stalls: list[dict] | None = None) -> None:
    """Event-loop lag: how late a 10 ms sleep wakes up. With `stalls`, each tick over STALL_MS
    also says what the process's threads did meanwhile (`_thread_times`): the loop's thread on
    a core means it ran code (a blocking call or a collection); queued means another process had
    the core; neither means it waited (for the interpreter lock another thread held, in a
    blocking call, or for a virtual machine's core that the host itself was not running), and
    the other threads' figures help say which."""
    loop = asyncio.get_running_loop()
    while not stop.is_set():
        started, before = loop.time(), _thread_times() if stalls is not None else {}
        await asyncio.sleep(every)
        lag = (loop.time() - started - every) * 1000
        lags.append(lag)
        if stalls is not None and lag > STALL_MS:
            after = _thread_times()
            stalls.append({"lag_ms": round(lag, 2),
                           **{f"{k}_ms": round(after[k] - before[k], 2) for k in after}})


def time_collections(pauses: list[dict]) -> None:
    """From now on, record in `pauses` every garbage collection of GC_PAUSE_MS or more (in any
    thread: each holds the interpreter, so the loop waits for it too)."""
    started: list[float] = []

    def callback(phase: str, info: dict) -> None:
        if phase == "start":
            started[:] = [time.perf_counter()]
        elif started:
            ms = (time.perf_counter() - started.pop()) * 1000
            if ms >= GC_PAUSE_MS:
                pauses.append({"generation": info["generation"], "ms": round(ms, 2)})
    gc.callbacks.append(callback)
