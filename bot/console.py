"""The terminal chat: commands with their `!` on stdin, plain-text answers on stdout.

A prompt is shown on a terminal; piped input is read one command a line. Nothing a line
contains can end the loop except `!quit` or the end of input.
"""

from __future__ import annotations

import asyncio
import logging
import os
import stat
import sys
from pathlib import Path

from bot import answers as a
from bot.goodreads import MAX_BYTES
from bot.render_text import render
from bot.service import MAX_K, ShelfService, clean_text, parse_whole_number

log = logging.getLogger(__name__)
MAX_LINE = 2000
SHOWN_PATH = 120  # characters of a path echoed back in an answer


def console_user(name: str) -> str:
    # Console users live beside Discord ids in one database; the prefix keeps them apart.
    return f"console:{name}"


def _count(rest: str) -> int | None | a.Problem:
    if not rest:
        return None
    value = parse_whole_number(rest, 1, MAX_K)
    return a.Problem(f"Give a number from 1 to {MAX_K}.") if value is None else value


async def answer_line(service: ShelfService, user: str, line: str) -> a.Answer | None:
    """The answer to one typed line, or None for a blank line."""
    line = line.strip()
    if not line:
        return None
    if len(line) > MAX_LINE:
        return a.Problem(f"That line is too long (at most {MAX_LINE} characters).")
    if problem := service.slow_down(user):
        return problem
    command, _, rest = line.removeprefix("!").partition(" ")
    command, rest = command.lower(), rest.strip()
    if command in ("similar", "read", "unread", "info", "pages", "about", "map"):
        method = getattr(service, command)
        return await (method(user, rest) if command in ("read", "unread") else method(rest))
    if command == "shelf":
        return await service.shelf(user, rest or 1)
    if command == "next":
        k = _count(rest)
        return k if isinstance(k, a.Problem) else await service.next(user, k)
    if command == "import":
        return await _import(service, user, rest)
    if command == "export":
        return await service.export(user)
    if command == "forget":
        return await service.forget(user, confirm=rest.lower() == "confirm")
    if command == "help":
        return await service.help()
    return a.Problem(f"Unknown command “{command[:40]}”. Try !help.")


async def _import(service: ShelfService, user: str, rest: str) -> a.Answer:
    if not rest:
        return a.Problem("Give the path of your Goodreads export: !import PATH")
    path = Path(rest.strip("\"'")).expanduser()
    shown = clean_text(str(path))[:SHOWN_PATH]
    # Only regular .csv files: no /etc/passwd, /proc/self/environ, devices or pipes, and
    # answers never quote a file's content, only what a Goodreads export yields.
    if path.suffix.lower() != ".csv":
        return a.Problem("Only a .csv file can be imported (Goodreads → My Books → Export).")
    try:
        data = await asyncio.to_thread(_read_regular_file, path)
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "strerror", None) or "not a readable file"
        return a.Problem(f"Cannot read {shown}: {reason}.")
    if data is None:
        return a.Problem(f"{shown} is larger than {MAX_BYTES // 1_000_000} MB.")
    return await service.import_goodreads(user, data)


def _read_regular_file(path: Path) -> bytes | None:
    """The bytes of a regular file, or None when it is over MAX_BYTES (read no further)."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # a FIFO must not block the open
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(0, "not a regular file")
        data = handle.read(MAX_BYTES + 1)
    return None if len(data) > MAX_BYTES else data


async def run(service: ShelfService, user_name: str, stdin=None, stdout=None) -> int:
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    if hasattr(stdin, "reconfigure"):
        stdin.reconfigure(errors="replace")  # a line of invalid UTF-8 must not end the session
    interactive = stdin.isatty()
    user = console_user(user_name)
    if interactive:
        print("wikishelf: type !help for commands, !quit to leave.", file=stdout)
    while True:
        if interactive:
            print("> ", end="", file=stdout, flush=True)
        line = await asyncio.to_thread(stdin.readline)
        if not line:
            break
        if line.strip().lower() in ("!quit", "!exit", "quit", "exit"):
            break
        try:
            answer = await answer_line(service, user, line)
        except Exception:  # one bad line must not end the session
            log.exception("command failed: %r", line[:200])
            answer = a.Problem("Something went wrong with that command; it changed nothing.")
        if answer is not None:
            print(render(answer), file=stdout, flush=True)
            if not interactive:
                print(file=stdout, flush=True)
    return 0
