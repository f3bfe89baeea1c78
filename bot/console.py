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
from bot.commands import COMMANDS_BY_NAME, Arg, Command
from bot.goodreads import MAX_BYTES
from bot.render_text import render
from bot.service import MAX_K, ShelfService, clean_text, parse_whole_number
from bot.store import StoreError

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


# How each command calls the service with its argument, read from the line by `_argument`.
CALLS = {
    "similar": lambda service, user, text: service.similar(text),
    "read": lambda service, user, text: service.read(user, text),
    "unread": lambda service, user, text: service.unread(user, text),
    "shelf": lambda service, user, page: service.shelf(user, page),
    "next": lambda service, user, k: service.next(user, k),
    "info": lambda service, user, text: service.info(text),
    "pages": lambda service, user, text: service.pages(text),
    "about": lambda service, user, text: service.about(text),
    "map": lambda service, user, text: service.map(text),
    "import": lambda service, user, data: service.import_goodreads(user, data),
    "export": lambda service, user, _: service.export(user),
    "forget": lambda service, user, confirm: service.forget(user, confirm=confirm),
    "help": lambda service, user, _: service.help(),
}


async def answer_line(service: ShelfService, user: str, line: str) -> a.Answer | None:
    """The answer to one typed line, or None for a blank line."""
    line = line.strip()
    if not line:
        return None
    if len(line) > MAX_LINE:
        return a.Problem(f"That line is too long (at most {MAX_LINE} characters).")
    if problem := service.slow_down(user):
        return problem
    name, _, rest = line.removeprefix("!").partition(" ")
    name, rest = name.lower(), rest.strip()
    if name not in COMMANDS_BY_NAME:
        return a.Problem(f"Unknown command “{name[:40]}”. Try `!help`.")
    value = await _argument(COMMANDS_BY_NAME[name], rest)
    return value if isinstance(value, a.Problem) else await CALLS[name](service, user, value)


async def _argument(command: Command, rest: str) -> object:
    """The rest of the line read as the command's first argument kind, or a Problem. A title
    keeps a trailing count or rating: the service splits it off only where it is no part of the
    title ("1984", "Apollo 13")."""
    match command.args[:1]:
        case [Arg.TITLE | Arg.PAGE_NAME]:
            return rest
        case [Arg.COUNT]:
            return _count(rest)
        case [Arg.SHELF_PAGE]:
            return rest or 1
        case [Arg.CONFIRM]:
            return rest.lower() == "confirm"
        case [Arg.FILE]:
            return await _read_export(rest)
    return None  # no arguments: the rest of the line is ignored


async def _read_export(rest: str) -> bytes | a.Problem:
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
    return data


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
        except StoreError as exc:  # the database is away: one line, and the session goes on
            log.warning("%s", exc)
            answer = a.STORE_DOWN
        except Exception:  # one bad line must not end the session
            log.exception("command failed: %r", line[:200])
            answer = a.Problem("Something went wrong with that command; it changed nothing.")
        if answer is not None:
            print(render(answer), file=stdout, flush=True)
            if not interactive:
                print(file=stdout, flush=True)
    return 0
