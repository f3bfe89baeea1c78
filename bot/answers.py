"""What the service answers: plain data the Discord and console adapters render their own way.

Text that came from a user (`query`) is kept raw here; each renderer sanitises it for its medium.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Book:
    """A catalog book as answers show it."""
    title: str
    url: str = ""
    author: str = ""
    year: str = ""
    genre: str = ""
    country: str = ""
    series: str = ""  # the infobox series, kept by the catalog

    @classmethod
    def from_meta(cls, title: str, meta: dict) -> Book:
        def text(key: str) -> str:
            value = meta.get(key)
            return "" if value is None else " ".join(str(value).split())
        return cls(title, text("url"), text("author"), text("year"), text("genre"), text("country"),
                   text("series"))

    def facts(self) -> list[tuple[str, str]]:
        """(label, value) of the fields `info` shows, in order, the empty ones left out."""
        fields = (("Author", self.author), ("Year", self.year), ("Series", self.series),
                  ("Country", self.country), ("Genre", self.genre))
        return [(label, value) for label, value in fields if value]


@dataclass(frozen=True)
class Problem:
    """Bad input or a failure the user can act on; nothing was changed."""
    message: str


# The answer when the database cannot be reached (the log gets the one-line reason).
STORE_DOWN = Problem("The reading history is unavailable right now; try again in a moment.")


@dataclass(frozen=True)
class NoMatch:
    """A title that did not resolve: suggestions ("did you mean") or choices (ambiguous, or the
    books of a series)."""
    query: str
    options: list[str]
    ambiguous: bool = False
    number: int | None = None  # the rating or count that followed the title, for a one-tap rerun
    series: str | None = None  # set when the query named a series: the options are its books


@dataclass(frozen=True)
class SimilarBooks:
    book: Book
    items: list[tuple[Book, float]]
    note: str = ""  # why the list is empty or shorter than asked
    # Per item, the strongest Wikipedia pages both books link (the evidence shown), or ().
    shared: list[tuple[str, ...]] = field(default_factory=list)
    # True when nothing is close: the items are only the nearest books sharing one page.
    weaker: bool = False

    @property
    def heading(self) -> str:
        return "Nearest to" if self.weaker else "Books like"

    def why(self, i: int) -> tuple[str, ...]:
        return self.shared[i] if i < len(self.shared) else ()


@dataclass(frozen=True)
class RelatedPages:
    page: str
    items: list[tuple[str, float]]


@dataclass(frozen=True)
class BooksAbout:
    page: str
    items: list[tuple[Book, float]]


@dataclass(frozen=True)
class BookInfo:
    book: Book


@dataclass(frozen=True)
class Logged:
    book: Book
    rating: int | None
    previous: object | None = None  # the store's Read before this update; None if new
    note: str = ""


@dataclass(frozen=True)
class Unlogged:
    book: Book
    removed: bool


@dataclass(frozen=True)
class ShelfEntry:
    book: Book
    rating: int | None
    read_at: dt.datetime


@dataclass(frozen=True)
class Shelf:
    entries: list[ShelfEntry]
    page: int
    pages: int
    total: int


@dataclass(frozen=True)
class Pick:
    book: Book
    score: float
    because: list[str]
    shared: tuple[str, ...] = ()  # the strongest pages the pick and because[0] both link


@dataclass(frozen=True)
class Picks:
    items: list[Pick]
    history_size: int
    note: str = ""  # why the list is shorter than asked


@dataclass(frozen=True)
class ImportSummary:
    matched: list[tuple[str, str]]  # (title as exported, catalog title)
    unmatched: list[str]
    not_read: int  # rows on other shelves (to-read, currently-reading), skipped
    added: int
    updated: int
    truncated: bool = False
    dismissed: int = 0  # rows of the "not-for-me" shelf (a wikishelf export) marked so again


@dataclass(frozen=True)
class Export:
    filename: str
    csv_text: str
    count: int


@dataclass(frozen=True)
class ForgetPrompt:
    count: int
    dismissed: int = 0  # books marked "not for me", deleted with the shelf


@dataclass(frozen=True)
class Dismissed:
    """Books marked "not for me": never picked for this user again."""
    books: list[Book]


@dataclass(frozen=True)
class Undismissed:
    book: Book
    removed: bool  # False: it was not on the list


@dataclass(frozen=True)
class Dismissals:
    """The user's "not for me" list, newest first."""
    books: list[Book]


@dataclass(frozen=True)
class Forgotten:
    count: int


@dataclass(frozen=True)
class MapImage:
    book: Book
    path: Path


@dataclass(frozen=True)
class SwitchedUser:
    """The terminal's `!as NAME`: the session goes on as this local user."""
    name: str


@dataclass(frozen=True)
class Help:
    commands: list[tuple[str, str]] = field(default_factory=list)  # (usage, what it does)


Answer = (Problem | NoMatch | SimilarBooks | RelatedPages | BooksAbout | BookInfo | Logged
          | Unlogged | Shelf | Picks | ImportSummary | Export | ForgetPrompt | Forgotten
          | MapImage | SwitchedUser | Help | Dismissed | Undismissed | Dismissals)


# -- book clubs: one per server; members are shown by display name, never mentioned --
@dataclass(frozen=True)
class ClubMembership:
    """The answer to `club join` / `club leave`."""
    joined: bool  # in the club after this command
    changed: bool  # False: they already were (or were not) in it
    members: int  # members the club has now


@dataclass(frozen=True)
class ClubPick:
    book: Book
    suits: list[str]  # names of the members whose own shelves vote for it
    because: dict[str, list[str]]  # name -> their reads behind it
    shared: tuple[str, ...] = ()  # pages the pick and the first of those reads both link


@dataclass(frozen=True)
class ClubPicks:
    items: list[ClubPick]
    members: list[str]  # names of the members the picks are for, in the club's order
    notes: list[str] = field(default_factory=list)  # who was left out and why, why it is short

    def suits_line(self, pick: ClubPick) -> str:
        size = len(self.members)
        return f"suits {len(pick.suits)} of {size} member{'s' if size != 1 else ''}"


@dataclass(frozen=True)
class ClubShelf:
    members: int
    most_read: list[tuple[Book, int]]  # (book, members who read it)
    best_rated: list[tuple[Book, float, int]]  # (book, mean rating, members who rated it)
    current: Book | None = None


@dataclass(frozen=True)
class ClubWho:
    book: Book
    closest: list[tuple[str, float, str]]  # (name, closeness, their nearest read)
    read_it: list[str] = field(default_factory=list)  # names of members who read it already


@dataclass(frozen=True)
class ClubCurrent:
    book: Book | None  # None: no current book yet
    set_now: bool = False


ClubAnswer = ClubMembership | ClubPicks | ClubShelf | ClubWho | ClubCurrent
