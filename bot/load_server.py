"""The reliability harness with the load from another process: a serving process (the real
service on the real store, the model warmed as the bot warms it) answers typed lines over a local
TCP socket and times its own event loop, while the driver plays bot/reliability.py's users (and
flooder) from its own process, one connection each, and keeps the record of acknowledged writes.

The protocol is one JSON object a line each way:
    {"user": U, "line": L}              -> {"kind", "title", "handled_ms", "text"} or {"error"}
    {"op": "titles", "count", "seed"}   -> {"titles": [...]}  (what the scripts draw from)
    {"op": "begin"} / {"op": "end"}     -> start the loop-lag ticker / {"lag_ms": [...]}
    {"op": "quit"}                      -> the process closes its store and exits

    python -m bot.load_server MODEL TARGET        (prints "ready PORT", then serves)
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from dataclasses import asdict
from pathlib import Path

from bot.console import answer_line
from bot.reliability import (
    TITLES,
    Ask,
    LoadResult,
    Reply,
    lost_or_duplicated,
    play,
    reply_of,
    stored_reads,
    ticker,
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
                self.lag_ms = []
                self.stop_ticker.clear()
                self.ticking = asyncio.create_task(ticker(self.lag_ms, self.stop_ticker))
                return {}
            case "end":
                self.stop_ticker.set()
                if self.ticking is not None:
                    await self.ticking
                return {"lag_ms": self.lag_ms}
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
    listening = await asyncio.start_server(server.connection, "127.0.0.1", 0, limit=LINE_LIMIT)
    print(f"ready {listening.sockets[0].getsockname()[1]}", flush=True)
    await server.done.wait()
    listening.close()
    await store.close()


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


async def _port(proc: asyncio.subprocess.Process) -> int:
    line = (await proc.stdout.readline()).decode()
    if not line.startswith("ready "):
        raise RuntimeError(f"the serving process did not start (exit {await proc.wait()})")
    return int(line.split()[1])


async def run_remote_load(model: Path | str, db_path: Path | str, users: int, commands: int,
                          think_s: float, flood: bool = False, seed: int = 0,
                          prefix: str = "user") -> LoadResult:
    """`users` simulated users (and with `flood`, the flooder) in this process, each on its own
    connection to a serving process started here on `db_path`; its loop lag comes back in
    `lag_ms`, and every acknowledged write is then looked for in the database."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.load_server", str(model), str(db_path),
        stdout=asyncio.subprocess.PIPE, env=settings.child_env())
    result = LoadResult()
    connections: dict[str, Connection] = {}
    try:
        port = await asyncio.wait_for(_port(proc), READY_TIMEOUT_S)
        control = await Connection.open(port)
        titles = (await control.request({"op": "titles", "count": TITLES, "seed": seed}))["titles"]
        for user in user_names(users, prefix) + (["flood"] if flood else []):
            connections[user] = await Connection.open(port)

        def ask_for(user: str) -> Ask:
            return connections[user].ask

        await control.request({"op": "begin"})
        await play(ask_for, titles, users, commands, think_s, flood, seed, result, prefix)
        result.lag_ms = (await control.request({"op": "end"}))["lag_ms"]
        for connection in connections.values():
            await connection.close()
        await control.request({"op": "quit"})
        if exit_code := await asyncio.wait_for(proc.wait(), READY_TIMEOUT_S):
            result.errors.append(f"the serving process exited with {exit_code}")
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    result.errors += lost_or_duplicated(await stored_reads(db_path), result.acked)
    return result


if __name__ == "__main__":
    asyncio.run(serve(*sys.argv[1:3]))
