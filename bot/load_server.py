"""The reliability harness with the load from another process: a serving process (the real
service on the real store, the model warmed as the bot warms it) answers typed lines over a local
TCP socket and times its own event loop, while the driver plays bot/reliability.py's users (and
flooder) from its own process, one connection each, and keeps the record of acknowledged writes.

The protocol is one JSON object a line each way:
    {"user": U, "line": L}              -> {"kind", "title", "handled_ms", "text"} or {"error"}
    {"op": "titles", "count", "seed"}   -> {"titles": [...]}  (what the scripts draw from)
    {"op": "begin"} / {"op": "end"}     -> start the loop-lag ticker / {"lag_ms": [...]}
    {"op": "quit"}                      -> the process closes its store and exits

    python -m bot.load_server serve MODEL TARGET   (prints "ready PORT", then serves)
    python -m bot.load_server idle                 (a bare ticker; see `idle`)
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from dataclasses import asdict
from pathlib import Path

from bot.console import answer_line
from bot.loop_lag import STALL_MS, ticker, time_collections
from bot.reliability import (
    TITLES,
    LoadResult,
    Reply,
    lost_or_duplicated,
    play,
    reply_of,
    stored_reads,
    titles_of,
    user_names,
)
from bot.render_text import render
from bot.service import ShelfService
from bot.store import Store
from bot.throttle import Throttle
from engine import settings

READY_TIMEOUT_S = 300
LINE_LIMIT = 1 << 20  # bytes a line may hold (the titles reply is the longest)


# -- the serving side --

class LoadServer:
    def __init__(self, service: ShelfService):
        self.service = service
        self.lag_ms: list[float] = []
        self.stalls: list[dict] = []
        self.gc_pauses: list[dict] = []
        self.stop_ticker = asyncio.Event()
        self.ticking: asyncio.Task | None = None
        self.quitting = False
        self.done = asyncio.Event()

    async def connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        try:
            while not self.quitting and (line := await reader.readline()):
                writer.write(json.dumps(await self.respond(line)).encode() + b"\n")
                await writer.drain()
        except (ConnectionError, asyncio.LimitOverrunError, ValueError):
            pass  # the driver went away or sent an overlong line: only this connection ends
        finally:
            writer.close()
            if self.quitting:  # only once "quit" is answered, so no handler is left pending
                self.done.set()

    async def respond(self, line: bytes) -> dict:
        try:
            request = json.loads(line)
            if "op" in request:
                return await self.control(request)
            user, text = request["user"], request["line"]
            if not (isinstance(user, str) and isinstance(text, str)):
                raise TypeError
        except (ValueError, KeyError, TypeError):
            return {"error": "bad request"}
        started = time.perf_counter()
        try:
            answer = await answer_line(self.service, user, text)
            rendered = render(answer) if answer is not None else ""
        except Exception as exc:  # reported to the driver, which counts it as the bot's error
            return {"error": repr(exc)}
        handled_ms = (time.perf_counter() - started) * 1000
        return {**asdict(reply_of(answer)), "handled_ms": handled_ms, "text": rendered}

    async def control(self, request: dict) -> dict:
        match request["op"]:
            case "titles":
                return {"titles": titles_of(self.service.rec, int(request["count"]),
                                            int(request["seed"]))}
            case "begin":
                self.lag_ms.clear(), self.stalls.clear(), self.gc_pauses.clear()
                self.stop_ticker.clear()
                self.ticking = asyncio.create_task(ticker(self.lag_ms, self.stop_ticker,
                                                          stalls=self.stalls))
                return {}
            case "end":
                self.stop_ticker.set()
                if self.ticking is not None:
                    await self.ticking
                return {"lag_ms": self.lag_ms, "stalls": self.stalls,
                        "gc_pauses": self.gc_pauses}
            case "quit":
                self.quitting = True
                return {}
        return {"error": "unknown op"}


async def serve(model: str, target: str) -> None:
    from engine.serve.recommender import Recommender

    rec = await asyncio.to_thread(Recommender.load, model)
    await asyncio.to_thread(rec.warm)  # as the bot's service does once it has loaded the model
    store = await Store.open(target)
    server = LoadServer(ShelfService(rec, store, None, Throttle()))
    time_collections(server.gc_pauses)
    # Under PYTHONASYNCIODEBUG=1, asyncio logs each callback that holds the loop this long.
    asyncio.get_running_loop().slow_callback_duration = STALL_MS / 1000
    listening = await asyncio.start_server(server.connection, "127.0.0.1", 0, limit=LINE_LIMIT)
    print(f"ready {listening.sockets[0].getsockname()[1]}", flush=True)
    await server.done.wait()
    listening.close()
    await store.close()


async def idle() -> None:
    """Only the ticker, until a line comes on stdin: the lag this machine alone gives a loop
    with nothing to do, measured beside the serving process (on a shared machine, other
    processes taking the cores show up in both)."""
    lags: list[float] = []
    stop = asyncio.Event()
    ticking = asyncio.create_task(ticker(lags, stop))
    print("ready", flush=True)
    await asyncio.to_thread(sys.stdin.readline)
    stop.set()
    await ticking
    print(json.dumps(lags), flush=True)


# -- the driving side --

class RemoteError(Exception):
    """The serving process raised while answering (its repr of the exception)."""


class Connection:
    """One client's connection: one request in flight at a time, answers in order."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, port: int) -> Connection:
        return cls(*await asyncio.open_connection("127.0.0.1", port, limit=LINE_LIMIT))

    async def request(self, message: dict) -> dict:
        self.writer.write(json.dumps(message).encode() + b"\n")
        await self.writer.drain()
        line = await self.reader.readline()
        if not line:
            raise ConnectionError("the serving process closed the connection")
        return json.loads(line)

    async def ask(self, user: str, line: str) -> Reply:
        reply = await self.request({"user": user, "line": line})
        if "error" in reply:
            raise RemoteError(reply["error"])
        return Reply(reply["kind"], reply["title"], reply["handled_ms"])

    async def close(self) -> None:
        self.writer.close()
        await self.writer.wait_closed()


async def _start(*args: str) -> tuple[asyncio.subprocess.Process, str]:
    """A `python -m bot.load_server` child and what its "ready" line says after the word."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.load_server", *args, stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE, env=settings.child_env())
    line = (await asyncio.wait_for(proc.stdout.readline(), READY_TIMEOUT_S)).decode()
    if not line.startswith("ready"):
        raise RuntimeError(f"bot.load_server {args[0]} did not start (exit {await proc.wait()})")
    return proc, line.removeprefix("ready").strip()


async def run_remote_load(model: Path | str, db_path: Path | str, users: int, commands: int,
                          think_s: float, flood: bool = False, seed: int = 0,
                          prefix: str = "user") -> LoadResult:
    """`users` simulated users (and with `flood`, the flooder) in this process, each on its own
    connection to a serving process started here on `db_path`; its loop lag comes back in
    `lag_ms` (and an idle process's beside it in `idle_lag_ms`), and every acknowledged write is
    then looked for in the database."""
    result = LoadResult()
    children: list[asyncio.subprocess.Process] = []
    try:
        server, port = await _start("serve", str(model), str(db_path))
        children.append(server)
        control = await Connection.open(int(port))
        titles = (await control.request({"op": "titles", "count": TITLES, "seed": seed}))["titles"]
        connections = {user: await Connection.open(int(port))
                       for user in user_names(users, prefix) + (["flood"] if flood else [])}
        children.append((await _start("idle"))[0])
        await control.request({"op": "begin"})
        await play(lambda user: connections[user].ask, titles, users, commands, think_s, flood,
                   seed, result, prefix)
        timing = await control.request({"op": "end"})
        result.lag_ms, result.stalls = timing["lag_ms"], timing["stalls"]
        result.gc_pauses = timing["gc_pauses"]
        result.idle_lag_ms = json.loads((await children[1].communicate(b"stop\n"))[0])
        for connection in connections.values():
            await connection.close()
        await control.request({"op": "quit"})
        if exit_code := await asyncio.wait_for(server.wait(), READY_TIMEOUT_S):
            result.errors.append(f"the serving process exited with {exit_code}")
    finally:
        for child in children:
            if child.returncode is None:
                child.kill()
                await child.wait()
    result.errors += lost_or_duplicated(await stored_reads(db_path), result.acked)
    return result


if __name__ == "__main__":
    mode, *rest = sys.argv[1:]
    asyncio.run(serve(*rest) if mode == "serve" else idle())
