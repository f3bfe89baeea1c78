"""The terminal chat: commands with their `!` on stdin, plain-text answers on stdout.

A prompt is shown on a terminal; piped input is read one command a line. Nothing a line
contains can end the loop except `!quit` or the end of input.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import stat
import sys
from dataclasses import dataclass, field
from pathlib import Path

from bot import answers as a
from bot.clubs import Clubs
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


CONSOLE_SERVER = "console"  # the terminal's one local server, where its users' club meets
USER_NAME = re.compile(r"^[\w.-]{1,64}$")


async def _club(session: Session, rest: str) -> a.Answer:
    """`club join|leave|pick [names] [k]|shelf|who <title>|current [title]` for the terminal's
    local server: every local user who joined is present, named by their user name."""
    action, _, words = rest.partition(" ")
    action, words = action.lower(), words.strip()
    clubs = Clubs(session.service)
    store = session.service.store
    if action == "join":
        return await clubs.join(CONSOLE_SERVER, session.user)
    if action == "leave":
        return await clubs.leave(CONSOLE_SERVER, session.user)
    present = {key: key.removeprefix("console:")
               for key in await store.club_members(CONSOLE_SERVER)}
    if action == "pick":
        asked, k = [], None
        for word in words.split():
            number = parse_whole_number(word, 1, MAX_K)
            if number is not None and k is None:
                k = number
            elif USER_NAME.match(word.lstrip("@")):
                asked.append(console_user(word.lstrip("@")))
            else:
                return a.Problem(f"`!club pick` takes user names and a number from 1 to {MAX_K}.")
        for key in asked:
            present.setdefault(key, key.removeprefix("console:"))  # named, so it can be said
        return await clubs.pick(CONSOLE_SERVER, session.user, present, asked or None, k)
    if action == "shelf":
        return await clubs.shelf(CONSOLE_SERVER, session.user, present)
    if action == "who":
        return await clubs.who(CONSOLE_SERVER, session.user, present, words)
    if action == "current":
        return await clubs.current(CONSOLE_SERVER, session.user, present, words)
    return a.Problem(f"Which one? `!{COMMANDS_BY_NAME['club'].usage}`")


def _count(rest: str) -> int | None | a.Problem:
    if not rest:
        return None
    value = parse_whole_number(rest, 1, MAX_K)
    return a.Problem(f"Give a number from 1 to {MAX_K}.") if value is None else value


@dataclass
class Memory:
    """The last lists one terminal session showed: what `!pick n` and `!notforme n` refer to
    (Discord carries the same in menus on the answers themselves)."""

    choices: tuple[str, a.NoMatch] | None = None  # (command, its "did you mean" answer)
    picks: list[str] = field(default_factory=list)  # titles of the last `next` or `similar`

    def remember(self, command: str, answer: a.Answer | None) -> None:
        if isinstance(answer, a.NoMatch) and answer.options and \
                COMMANDS_BY_NAME[command].names_a_book:
            self.choices = (command, answer)
        elif isinstance(answer, a.Picks):
            self.picks = [pick.book.title for pick in answer.items]
        elif isinstance(answer, a.SimilarBooks):
            self.picks = [book.title for book, _ in answer.items]


@dataclass
class Session:
    service: ShelfService
    user: str
    memory: Memory


async def _pick(session: Session, numbers: list[int]) -> a.Answer:
    if session.memory.choices is None:
        return a.Problem("Nothing to pick from: !pick chooses from the last “did you mean” list.")
    command, choices = session.memory.choices
    if len(numbers) != 1 or numbers[0] > len(choices.options):
        return a.Problem(f"Choose one number from 1 to {len(choices.options)}, e.g. !pick 1.")
    title = choices.options[numbers[0] - 1]
    return await session.service.choose(command, session.user, title, choices.number)


async def _not_for_me(session: Session, numbers: list[int]) -> a.Answer:
    picks = session.memory.picks
    if not picks:
        return a.Problem("Nothing to dismiss: !notforme works on the last !next or !similar list.")
    if max(numbers) > len(picks):
        return a.Problem(f"The last list has {len(picks)} books: give numbers from 1 to "
                         f"{len(picks)}.")
    return await session.service.dismiss(session.user, [picks[n - 1] for n in numbers])


async def _switch_user(session: Session, name: str) -> a.Answer:
    # Only the answer is made here: the session loop takes the new user from it.
    if not USER_NAME.match(name):
        return a.Problem("Give a user name: letters, digits, . _ or -, e.g. !as bob.")
    return a.SwitchedUser(name)


# How each command calls the service with its argument, read from the line by `_argument`.
CALLS = {
    "similar": lambda s, text: s.service.similar(text, user=s.user),
    "read": lambda s, text: s.service.read(s.user, text),
    "unread": lambda s, text: s.service.unread(s.user, text),
    "shelf": lambda s, page: s.service.shelf(s.user, page),
    "next": lambda s, k: s.service.next(s.user, k),
    "info": lambda s, text: s.service.info(text),
    "pages": lambda s, text: s.service.pages(text),
    "about": lambda s, text: s.service.about(text),
    "map": lambda s, text: s.service.map(text),
    "undismiss": lambda s, text: s.service.undismiss(s.user, text),
    "pick": _pick,
    "notforme": _not_for_me,
    "as": _switch_user,
    "club": lambda s, rest: _club(s, rest),
    "import": lambda s, data: s.service.import_goodreads(s.user, data),
    "export": lambda s, _: s.service.export(s.user),
    "forget": lambda s, confirm: s.service.forget(s.user, confirm=confirm),
    "help": lambda s, _: s.service.help(console=True),
}


async def answer_line(service: ShelfService, user: str, line: str,
                      memory: Memory | None = None) -> a.Answer | None:
    """The answer to one typed line, or None for a blank line. `memory` holds the session's
    last lists (for `!pick` and `!notforme`); without it they have nothing to refer to."""
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
    if isinstance(value, a.Problem):
        return value
    memory = memory if memory is not None else Memory()
    answer = await CALLS[name](Session(service, user, memory), value)
    memory.remember(name, answer)
    return answer


async def _argument(command: Command, rest: str) -> object:
    """The rest of the line read as the command's first argument kind, or a Problem. A title
    keeps a trailing count or rating: the service splits it off only where it is no part of the
    title ("1984", "Apollo 13")."""
    match command.args[:1]:
        case [Arg.TITLE | Arg.PAGE_NAME | Arg.OPTIONAL_TITLE | Arg.USER_NAME]:
            return rest
        case [Arg.POSITION]:
            return _positions(rest)
        case [Arg.COUNT]:
            return _count(rest)
        case [Arg.SHELF_PAGE]:
            return rest or 1
        case [Arg.CONFIRM]:
            return rest.lower() == "confirm"
        case [Arg.SUBCOMMAND]:
            return rest
        case [Arg.FILE]:
            return await _read_export(rest)
    return None  # no arguments: the rest of the line is ignored


def _positions(rest: str) -> list[int] | a.Problem:
    """'2', '2 5' or '2, 5': line numbers of a list shown (at most MAX_K lines long)."""
    numbers = [parse_whole_number(word, 1, MAX_K) for word in re.split(r"[\s,]+", rest) if word]
    if not numbers or None in numbers:
        return a.Problem(f"Give the number of a book in the last list, from 1 to {MAX_K}.")
    return list(dict.fromkeys(numbers))


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
    memory = Memory()
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
            answer = await answer_line(service, user, line, memory)
        except StoreError as exc:  # the database is away: one line, and the session goes on
            log.warning("%s", exc)
            answer = a.STORE_DOWN
        except Exception:  # one bad line must not end the session
            log.exception("command failed: %r", line[:200])
            answer = a.Problem("Something went wrong with that command; it changed nothing.")
        if isinstance(answer, a.SwitchedUser):  # `!as NAME`: a fresh session as that user
            user, memory = console_user(answer.name), Memory()
        if answer is not None:
            print(render(answer), file=stdout, flush=True)
            if not interactive:
                print(file=stdout, flush=True)
    return 0
