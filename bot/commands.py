"""Every chat command in one table: name, arguments, cooldown class and help line.

A command used to be written out in half a dozen places (the help text, the cog, the console,
the hostile-input sweep, the README) that drifted apart. Now they all read this table, and
tests/test_commands.py checks the hand-written handlers (slash options need real annotations)
and the README against it. No Discord import: the console reads this table too.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import NamedTuple


class Arg(Enum):
    """An argument kind: `param` is its name in the cog's handler (and so the slash option's),
    `shown` how a usage line writes it ("" where usage leaves it out), `option` the kind of
    slash option (an `AppCommandOptionType` name)."""

    TITLE = "title", "<title>", "string"  # a book title: the rest of the line
    OPTIONAL_TITLE = "title", "[title]", "string"  # a book title, or nothing
    PAGE_NAME = "page", "<page>", "string"  # a Wikipedia page name: the rest of the line
    COUNT = "k", "[k]", "integer"  # how many answers, 1 to MAX_K
    RATING = "rating", "[1-5]", "integer"
    SHELF_PAGE = "page", "[page]", "integer"  # a page of the user's shelf
    CONFIRM = "confirm", "", "string"  # the word "confirm"; without it, forget asks first
    FILE = "file", "", "attachment"  # a Goodreads CSV: attached in Discord, a path in the terminal
    POSITION = "n", "<n>", "integer"  # a line of the last list shown (the terminal's menus)
    USER_NAME = "name", "<name>", "string"  # a local user of the terminal
    SUBCOMMAND = "action", "", ""  # a group's subcommand and its words: the rest of the line

    def __init__(self, param: str, shown: str, option: str):
        self.param, self.shown, self.option = param, shown, option


class Cooldown(NamedTuple):
    rate: int  # commands per user ...
    per: float  # ... in this many seconds


# Per user, on top of the service's throttle; maps, imports, exports and forget cost more,
# so they are rarer.
COOLDOWNS = {"everyday": Cooldown(5, 10.0), "heavy": Cooldown(2, 60.0)}


@dataclass(frozen=True)
class Command:
    name: str
    args: tuple[Arg, ...]
    cooldown: str | None  # a key of COOLDOWNS; None only for the owner's command
    help: str  # one line: `!help` and the slash command's description (at most 100 characters)
    # The terminal's stand-in for Discord's menus: not registered with Discord, not in its help.
    console_only: bool = False
    # A command group (`club join`, `club pick ...`): its subcommands, in usage order.
    subcommands: tuple[str, ...] = ()

    @property
    def description(self) -> str:
        """The slash command's description: the help line as a sentence."""
        return self.help[:1].upper() + self.help[1:]

    @property
    def names_a_book(self) -> bool:
        """Its answer can be "did you mean", so a chosen book can run it again."""
        return Arg.TITLE in self.args

    @property
    def usage(self) -> str:
        if self.subcommands:
            return f"{self.name} {'|'.join(self.subcommands)}"
        return " ".join([self.name, *(arg.shown for arg in self.args if arg.shown)])


# What users see, in `!help` order.
COMMANDS: tuple[Command, ...] = (
    Command("similar", (Arg.TITLE, Arg.COUNT), "everyday",
            "books like this one, with similarity and Wikipedia link"),
    Command("read", (Arg.TITLE, Arg.RATING), "everyday",
            "log a book you read, optionally rated (again = update)"),
    Command("unread", (Arg.TITLE,), "everyday", "take a book off your shelf"),
    Command("shelf", (Arg.SHELF_PAGE,), "everyday", "your reading history, newest first"),
    Command("next", (Arg.COUNT,), "everyday",
            "picks for you from your shelf; ratings of 1-2 count as dislikes"),
    Command("info", (Arg.TITLE,), "everyday", "author, year, series, country, genre and Wikipedia link"),
    Command("pages", (Arg.PAGE_NAME,), "everyday", "Wikipedia pages related to a page"),
    Command("about", (Arg.PAGE_NAME,), "everyday", "books about a Wikipedia page or topic"),
    Command("map", (Arg.TITLE,), "heavy", "a picture of the book's neighbourhood"),
    Command("undismiss", (Arg.OPTIONAL_TITLE,), "everyday",
            "pick a book marked “not for me” again; without a title, list them"),
    Command("pick", (Arg.POSITION,), "everyday",
            "choose book n of the last “did you mean” list (the same command runs on it)",
            console_only=True),
    Command("notforme", (Arg.POSITION,), "everyday",
            "never pick book n of the last list for me again (several: `!notforme 2 5`)",
            console_only=True),
    Command("as", (Arg.USER_NAME,), "everyday",
            "go on as another local user (to try a club alone), e.g. `!as bob`",
            console_only=True),
    Command("club", (Arg.SUBCOMMAND,), "everyday",
            "this server's book club: join, leave, pick [@members] [k] [poll], shelf, who <title>, "
            "current",
            subcommands=("join", "leave", "pick", "shelf", "who", "current")),
    Command("import", (Arg.FILE,), "heavy",
            "import a Goodreads library export (CSV): attach it, or a path in the terminal"),
    Command("export", (), "heavy", "your data as CSV"),
    Command("forget", (Arg.CONFIRM,), "heavy", "delete all your data (asks first)"),
    Command("help", (), "everyday", "this list"),
)
COMMANDS_BY_NAME = {command.name: command for command in COMMANDS}
# Discord offers `pick` and `notforme` as menus on the answers themselves.
DISCORD_COMMANDS = tuple(command for command in COMMANDS if not command.console_only)

# Discord only, owner only, hidden from help: publishes the slash commands.
SYNC = Command("sync", (), None, "publish the slash commands (owner only)")
EVERY_COMMAND = (*DISCORD_COMMANDS, SYNC)  # everything the Discord bot registers
