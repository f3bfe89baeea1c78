"""The reliability harness: many simulated users, a flood and a crash, against the real service
and the real store (an SQLite file or a PostgreSQL database). The tests (test_load,
test_crash_durability) and the benchmarks (scripts/bench.py --sections reliability,scale) drive it,
the users either in the service's own process (`run_load`, and bot/cluster_load.py's workers) or
from outside it over a socket (bot/load_server.py).

Load: N simulated users all connected at once, each sending C mixed commands (through the same
line parser the console uses, to the service with the real store); per-command latency,
event-loop lag from a ticker task, and a check that every acknowledged write is in the database
exactly once. Flood: one user sending as fast as it can while the others work; the throttle
answers it "slow down" and the others' latency is compared with a run without the flood.
Crash: a subprocess writing a burst of reads is SIGKILLed mid-burst, then the database is checked.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from bot import answers as a
from bot.console import answer_line
from bot.loop_lag import ticker
from bot.service import ShelfService
from bot.store import Store
from bot.store.dsn import is_postgres
from bot.throttle import Throttle
from engine import settings

READ_SHARE = 0.3  # of commands that write (read/unread); the rest only look things up
TITLES = 400  # catalog titles the scripts draw from


@dataclass
class LoadResult:
    latencies_ms: dict[str, list[float]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    lag_ms: list[float] = field(default_factory=list)
    stalls: list[dict] = field(default_factory=list)  # late ticks, explained (bot.loop_lag)
    idle_lag_ms: list[float] = field(default_factory=list)  # an idle process's, meanwhile
    gc_pauses: list[dict] = field(default_factory=list)  # long collections (bot.loop_lag)
    acked: dict[str, dict[str, int | None]] = field(default_factory=dict)  # user -> title -> rating
    handled_ms: list[float] = field(default_factory=list)  # service-side, across a socket only
    throttled: int = 0
    flood_sent: int = 0
    wall_s: float = 0.0
    # Told of every write as it starts and once acknowledged ("start"/"ack"/"gone", user, title,
    # rating), so a parent process can keep the record outside a process it kills.
    journal: Callable[[str, str, str, int | None], None] | None = None

    def note(self, event: str, user: str, title: str, rating: int | None = None) -> None:
        if self.journal is not None:
            self.journal(event, user, title, rating)

    def all_latencies(self) -> list[float]:
        return [x for values in self.latencies_ms.values() for x in values]


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if len(values) else 0.0


def titles_of(rec, count: int, seed: int) -> list[str]:
    """Catalog titles that resolve to themselves (what a user picks from autocomplete)."""
    titles = list(rec.title_to_id)
    random.Random(seed).shuffle(titles)
    chosen = []
    for title in titles:
        resolution = rec.resolve(title)
        if resolution.found and resolution.title == title and not title[-1].isdigit():
            chosen.append(title)
            if len(chosen) == count:
                break
    return chosen


def script_for(user_index: int, commands: int, titles: list[str]
               ) -> list[tuple[str, str, int, str]]:
    """(kind, line, rating, title) commands for one user: mixed lookups and writes, seeded."""
    rng = random.Random(user_index)
    lines = []
    for _ in range(commands):
        title = rng.choice(titles)
        roll = rng.random()
        if roll < READ_SHARE:
            rating = rng.randint(1, 5)
            lines.append(("read", f"!read {title} rating={rating}", rating, title))
        elif roll < READ_SHARE + 0.05:
            lines.append(("unread", f"!unread {title}", 0, title))
        else:
            kind = rng.choice(["similar", "info", "shelf", "next", "about", "pages", "help"])
            arg = {"similar": title, "info": title.lower(), "shelf": "", "next": "5",
                   "about": title, "pages": title, "help": ""}[kind]
            lines.append((kind, f"!{kind} {arg}".strip(), 0, title))
    return lines


@dataclass(frozen=True)
class Reply:
    """What the harness checks of one answer: the same whether the service ran in this process
    or answered over a socket (bot/load_server.py)."""
    kind: str  # the answer's class name, or SLOW_DOWN for the throttle's refusal
    title: str | None = None  # the book a Logged or Unlogged answer names
    handled_ms: float | None = None  # the service's own time, where a socket adds a round trip


SLOW_DOWN = "SlowDown"


def reply_of(answer: a.Answer | None) -> Reply:
    if isinstance(answer, a.Problem) and answer.message.startswith("Slow down"):
        return Reply(SLOW_DOWN)
    title = answer.book.title if isinstance(answer, (a.Logged, a.Unlogged)) else None
    return Reply(type(answer).__name__, title)


# (user, line) -> the reply: in this process, or a request to a serving process.
Ask = Callable[[str, str], Awaitable[Reply]]


def local_ask(service: ShelfService) -> Ask:
    async def ask(user: str, line: str) -> Reply:
        return reply_of(await answer_line(service, user, line))
    return ask


async def simulated_user(ask: Ask, user: str, script, result: LoadResult, think_s: float,
                         rng: random.Random) -> None:
    acked = result.acked.setdefault(user, {})
    await asyncio.sleep(rng.uniform(0, think_s))  # users do not all press enter in one instant
    for kind, line, rating, title in script:
        if kind in ("read", "unread"):
            result.note("start", user, title)
        started = time.perf_counter()
        try:
            reply = await ask(user, line)
        except Exception as exc:  # any exception is an error of the bot
            result.errors.append(f"{user} {line[:60]}: {exc!r}")
            continue
        result.latencies_ms.setdefault(kind, []).append((time.perf_counter() - started) * 1000)
        if reply.handled_ms is not None:
            result.handled_ms.append(reply.handled_ms)
        if reply.kind == SLOW_DOWN:
            result.throttled += 1
        elif kind == "read" and reply.kind == "Logged":
            acked[reply.title] = rating
            result.note("ack", user, reply.title, rating)
        elif kind == "unread" and reply.kind == "Unlogged":
            acked.pop(reply.title, None)
            result.note("gone", user, reply.title)
        elif kind == "read":
            result.errors.append(f"{user} {line[:60]}: not logged: {reply}")
        if think_s:
            await asyncio.sleep(rng.expovariate(1 / think_s))


FLOOD_EVERY_S = 0.005  # 200 commands a second: far past what Discord lets one member send


async def flooder(ask: Ask, user: str, title: str, stop: asyncio.Event, result: LoadResult):
    """One user sending `!read` every FLOOD_EVERY_S on a fixed schedule, so the time an answer
    takes does not lower the rate (a late line goes at once; missed ones are not made up)."""
    loop = asyncio.get_running_loop()
    due = loop.time()
    while not stop.is_set():
        due = max(due + FLOOD_EVERY_S, loop.time())
        await asyncio.sleep(due - loop.time())
        reply = await ask(user, f"!read {title} 5")
        result.flood_sent += 1
        if reply.kind == SLOW_DOWN:
            result.throttled += 1
        elif reply.kind == "Logged":
            result.acked.setdefault(user, {})[reply.title] = 5
            result.note("ack", user, reply.title, 5)


def user_names(users: int, prefix: str) -> list[str]:
    return [f"{prefix}{i}" for i in range(users)]


async def play(ask_for: Callable[[str], Ask], titles: list[str], users: int, commands: int,
               think_s: float, flood: bool, seed: int, result: LoadResult, prefix: str) -> None:
    """The users' scripts (and the flooder's) at once, each user asking through `ask_for(user)`;
    fills `result` (its wall time too)."""
    stop = asyncio.Event()
    flood_task = (asyncio.create_task(flooder(ask_for("flood"), "flood", titles[0], stop, result))
                  if flood else None)
    started = time.perf_counter()
    try:
        await asyncio.gather(*[
            simulated_user(ask_for(user), user, script_for(i + seed * 100_000, commands, titles),
                           result, think_s, random.Random(i))
            for i, user in enumerate(user_names(users, prefix))])
    finally:
        result.wall_s = time.perf_counter() - started
        stop.set()
        if flood_task is not None:
            await flood_task


async def run_load(rec, db_path: Path | str, users: int, commands: int, think_s: float,
                   flood: bool = False, throttle: Throttle | None = None, seed: int = 0,
                   result: LoadResult | None = None, prefix: str = "user",
                   check: bool = True) -> LoadResult:
    """`users` simulated users at once on one service and store, all in this process and event
    loop (bot/load_server.py drives a serving process from outside); with `check`, then every
    acknowledged write is looked for in the database."""
    store = await Store.open(db_path)
    ask = local_ask(ShelfService(rec, store, None, throttle))
    result = result or LoadResult()
    stop = asyncio.Event()
    tick = asyncio.create_task(ticker(result.lag_ms, stop))
    try:
        await play(lambda user: ask, titles_of(rec, TITLES, seed), users, commands, think_s,
                   flood, seed, result, prefix)
    finally:
        stop.set()
        await tick
        await store.close()
    if check:
        result.errors += lost_or_duplicated(await stored_reads(db_path), result.acked)
    return result


async def rows_of(target: Path | str, sql: str) -> list[tuple]:
    """One query on a connection of its own (so only committed rows show), either backend."""
    if is_postgres(target):
        import asyncpg

        conn = await asyncpg.connect(target)
        try:
            return [tuple(r) for r in await conn.fetch(sql)]
        finally:
            await conn.close()
    with sqlite3.connect(target) as conn:
        return conn.execute(sql).fetchall()


async def stored_reads(target: Path | str) -> list[tuple[str, str, int | None]]:
    return await rows_of(target, "SELECT user_id, title, rating FROM reads")


def lost_or_duplicated(rows: list[tuple[str, str, int | None]],
                       acked: dict[str, dict[str, int | None]],
                       pending: dict[str, set[str]] | None = None) -> list[str]:
    """Every acknowledged read present once with its last acknowledged rating; nothing else.
    `pending`: titles per user whose last write was in flight when its process died (either
    outcome is then right)."""
    pending = pending or {}
    stored = {(u, t): r for u, t, r in rows}
    expected = {(u, t): r for u, books in acked.items() for t, r in books.items()}
    unsure = {(u, t) for u, titles in pending.items() for t in titles}
    problems = [f"lost {k}" for k in expected.keys() - stored.keys() - unsure]
    problems += [f"unexpected {k}" for k in stored.keys() - expected.keys() - unsure]
    problems += [f"rating {k}: {stored[k]} != {r}" for k, r in expected.items()
                 if k in stored and k not in unsure and stored[k] != r]
    if len(rows) != len(stored):
        problems.append(f"{len(rows) - len(stored)} duplicated rows")
    return problems


# -- crash --

CRASH_WRITER = r"""
import asyncio, sys
from bot.store import Store

async def writer(store, lane, count):
    for i in range(count):
        await store.log_read(f"crash{lane}", f"Book {i}", i % 5 + 1)
        print(f"ack crash{lane} Book {i}", flush=True)

async def main():
    store = await Store.open(sys.argv[1])
    print("ready", flush=True)
    lanes, count = int(sys.argv[2]), int(sys.argv[3])
    await asyncio.gather(*[writer(store, lane, count) for lane in range(lanes)])
    print("done", flush=True)
    await asyncio.sleep(60)  # wait to be killed

asyncio.run(main())
"""


def crash_once(db_path: Path | str, kill_after: int, lanes: int = 20, per_lane: int = 500) -> dict:
    """Start a writer, SIGKILL it after `kill_after` acknowledged reads, check the database."""
    env = settings.child_env()
    proc = subprocess.Popen([sys.executable, "-c", CRASH_WRITER, str(db_path),
                             str(lanes), str(per_lane)], stdout=subprocess.PIPE, text=True, env=env)
    acked = set()
    try:
        for line in proc.stdout:
            if line.startswith("ack "):
                _, user, title = line.rstrip("\n").split(" ", 2)
                acked.add((user, title))
                if len(acked) >= kill_after:
                    break
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
    stored = {(u, t) for u, t, _ in asyncio.run(stored_reads(db_path))}
    # PostgreSQL keeps its own files whole (WAL replay); SQLite's file is checked here.
    integrity = "ok" if is_postgres(db_path) else asyncio.run(
        rows_of(db_path, "PRAGMA integrity_check"))[0][0]
    return {"acked": len(acked), "stored": len(stored), "lost": len(acked - stored),
            "integrity": integrity, "killed_by": -proc.returncode}
