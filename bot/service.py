"""The chat product without a transport: a user's words in, an answer object out.

Every engine call runs in a worker thread (fuzzy title matching takes tens of milliseconds on the
full catalog), so adapters can await the service from an event loop that must never block. User
text is only ever resolved with `Recommender.resolve`; exact catalog titles are what travels on.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import math
import re
import unicodedata
from pathlib import Path

from rapidfuzz import fuzz

from bot import answers as a
from bot import goodreads
from bot.book_keys import BookKeys
from bot.commands import COMMANDS, DISCORD_COMMANDS
from bot.rekey import follow_catalog
from bot.store import Read, Store, StoreError, now_utc
from bot.throttle import Throttle
from engine.errors import WikishelfError
from engine.serve.picks import HistoryItem
from engine.serve.readings import TRAILING_NUMBER
from engine.serve.readings import whole_number as parse_whole_number
from engine.serve.titles import Resolution, normalise
from engine.text import clean_link, wikipedia_url

log = logging.getLogger(__name__)

MAX_TEXT = 300  # characters of a title or page argument (Wikipedia titles stop at 255)
DEFAULT_K = 10
MAX_K = 25
SHELF_PAGE_SIZE = 10
MAX_IMPORT_READS = 2000  # rows matched per import; the rest are reported as cut off

RATING_HELP = "A rating is a whole number from 1 to 5 (e.g. `!read The Hobbit 5` or `rating=4`)."
_EXPLICIT_RATING = [
    re.compile(r"^(?P<head>.*?)[\s,;]*\brating\s*[=:]\s*(?P<value>\S*)$", re.S | re.I),
    re.compile(r"^(?P<head>.*\S)\s+(?P<value>\S+?)\s*/\s*5$", re.S),
    re.compile(r"^(?P<head>.*\S)\s+(?P<value>\S+?)\s*stars?$", re.S | re.I),
    re.compile(r"^(?P<head>.*?)\s*(?P<stars>[★⭐☆]+)$", re.S),
]

# (usage, what it does): the terminal has `pick` and `notforme` where Discord has menus.
HELP = [(command.usage, command.help) for command in DISCORD_COMMANDS]
CONSOLE_HELP = [(command.usage, command.help) for command in COMMANDS]
CHOOSABLE = frozenset(command.name for command in COMMANDS if command.names_a_book)
STALE_CHOICE = "That book is no longer in the catalog, so nothing was done; type the command again."
DISMISS_LOOKAHEAD = 100  # extra neighbours fetched so dismissed books leave `similar` still full


def clean_text(text: object) -> str:
    """One line of printable text: control and format characters gone, spaces collapsed."""
    text = unicodedata.normalize("NFC", str(text or ""))
    kept = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in text)
    return " ".join(kept.split())


def split_explicit_rating(text: str) -> tuple[str, int | None, str | None]:
    """(title text, rating, error) for 'rating=4', '4/5', '4 stars' and '★★★★' endings."""
    for pattern in _EXPLICIT_RATING:
        match = pattern.match(text)
        if not match:
            continue
        head = match.group("head").strip(" ,;")
        if "stars" in pattern.groupindex:
            filled = sum(ch in "★⭐" for ch in match.group("stars"))
            rating = filled if 1 <= filled <= 5 else None
        else:
            rating = parse_whole_number(match.group("value"), 1, 5)
        if rating is None:
            return head, None, RATING_HELP
        return head, rating, None
    return text, None, None


class ShelfService:
    def __init__(self, rec, store: Store, maps_dir: Path | None = None,
                 throttle: Throttle | None = None):
        self.rec = rec
        self.store = store
        self.maps_dir = maps_dir
        self.throttle = throttle  # None: unthrottled (the console has one local user)
        self._followed: set[str] = set()  # users whose shelves follow this model's catalog
        self._keys: BookKeys | None = None  # built on first use: one hash per catalog title

    def slow_down(self, user: str) -> a.Problem | None:
        """A short answer when `user` sends commands faster than the throttle allows."""
        wait = self.throttle.hit(user) if self.throttle is not None else 0.0
        return a.Problem(f"Slow down a little: try again in {math.ceil(wait)} s.") if wait else None

    @classmethod
    async def open(cls, model_dir: Path, db_path: Path, maps_dir: Path | None = None,
                   throttle: Throttle | None = None) -> ShelfService:
        """Load the model (in a thread: it reads ~60 MB) and open the database, together."""
        from engine.serve.recommender import Recommender

        rec, store = await asyncio.gather(asyncio.to_thread(Recommender.load, model_dir),
                                          Store.open(db_path), return_exceptions=True)
        for result in (rec, store):
            if isinstance(result, BaseException):
                if isinstance(store, Store):
                    await store.close()
                raise result
        service = cls(rec, store, maps_dir, throttle)
        # The resolver's rarer indexes (typos, autocomplete) build in the background, so the
        # first typo does not stall the event loop for half a second.
        service._warming = asyncio.create_task(asyncio.to_thread(service._warm))
        return service

    async def close(self) -> None:
        warming = getattr(self, "_warming", None)
        if warming is not None:
            await warming  # a thread cannot be cancelled; let it finish before the loop closes
        await self.store.close()

    # -- helpers --
    def book(self, title: str) -> a.Book:
        book_id = self.rec.title_to_id.get(title)
        meta = self.rec.meta[book_id] if book_id is not None else {}
        book = a.Book.from_meta(title, meta)
        return book if book.url else a.Book(**{**book.__dict__, "url": wikipedia_url(title)})

    async def _follow_catalog(self, user: str) -> None:
        """Before a user's shelf is first read under this model: move reads whose titles
        became redirects to their books, and report (never drop) titles the catalog lacks."""
        if user in self._followed:
            return
        report = await follow_catalog(self.store, self.rec, user)
        self._followed.add(user)
        if report.moved:
            log.info("re-keyed %d reads of one user to the new catalog: %s", len(report.moved),
                     ", ".join(f"{old} -> {new}" for old, new in report.moved[:5]))
        if report.unresolved:
            log.warning("%d stored titles of one user are not in this catalog (kept): %s",
                        len(report.unresolved), ", ".join(report.unresolved[:5]))

    async def _resolve(self, text: str) -> Resolution:
        return await asyncio.to_thread(self.rec.resolve, text)

    @staticmethod
    def _no_match(query: str, resolution: Resolution, number: int | None = None) -> a.NoMatch:
        """Suggestions or choices; `number` (a rating or count typed after the title) rides
        along so that picking one runs the command with it."""
        series = resolution.title if resolution.status == "series" else None
        if number is not None and (match := TRAILING_NUMBER.match(query)):
            query = match.group("head")  # "the martian 4" asks about "the martian"
        shown = 25 if series else 10  # a series lists as many books as one select menu holds
        return a.NoMatch(query, list(resolution.candidates)[:shown],
                         ambiguous=resolution.status in ("ambiguous", "series"),
                         number=number, series=series)

    def _warm(self) -> None:
        self._book_keys()  # ~80 ms on 37,000 titles: not on a menu's first answer
        self.rec.warm()  # last: it also freezes what is loaded so far out of the collector's walk

    def _book_keys(self) -> BookKeys:
        if self._keys is None:
            self._keys = BookKeys(self.rec.titles)
        return self._keys

    def title_for_key(self, key: object) -> str | None:
        """The catalog title behind a menu's book key (bot/book_keys.py), or None."""
        return self._book_keys().title(key)

    @staticmethod
    def _check_text(text: str, what: str) -> a.Problem | None:
        if not text:
            return a.Problem(f"Which {what}? Try `!help`.")
        if len(text) > MAX_TEXT:
            return a.Problem(f"That {what} is too long (at most {MAX_TEXT} characters).")
        return None

    async def _resolve_with_number(self, text: str, low: int, high: int
                                   ) -> tuple[Resolution, int | None, str | None]:
        """(resolution, number, stray) of text that may end in a rating or count; the resolver
        decides whether the number is the title's ("1984") or the command's ("the martian 4")."""
        return await asyncio.to_thread(self.rec.resolver.resolve_with_number, text, low, high)

    async def _stored_or_resolved(self, text: str, stored: bool) -> str | a.NoMatch:
        """The title a command about a stored row means: the text itself when it is stored
        exactly as typed (a title an older catalog had), else the book it resolves to."""
        if stored:
            return text
        resolution = await self._resolve(text)
        return resolution.title if resolution.found else self._no_match(text, resolution)

    async def _engine(self, func, *args):
        """Run an engine call in a thread; its expected errors become a Problem."""
        try:
            return await asyncio.to_thread(func, *args)
        except WikishelfError as exc:
            return a.Problem(str(exc))

    @staticmethod
    def _clamp_k(k: int | None) -> int:
        if k is None or isinstance(k, bool) or not isinstance(k, int):
            return DEFAULT_K
        return max(1, min(MAX_K, k))

    # -- commands about books --
    async def similar(self, text: str, k: int | None = None, user: str | None = None) -> a.Answer:
        """Books like the one `text` names; with `user`, none they marked "not for me"."""
        text = clean_text(text)
        if problem := self._check_text(text, "title"):
            return problem
        if k is None:
            resolution, k, stray = await self._resolve_with_number(text, 1, MAX_K)
            if stray is not None:
                return a.Problem(f"How many books: a whole number from 1 to {MAX_K}, "
                                 f"not “{stray}”.")
        else:
            resolution = await self._resolve(text)
        if not resolution.found:
            return self._no_match(text, resolution, k)
        return await self._similar_to(resolution.title, k, user)

    async def _similar_to(self, title: str, k: int | None, user: str | None) -> a.Answer:
        k = self._clamp_k(k)
        dismissed = set(await self._dismissed_if_possible(user)) if user else set()
        hits = await self._engine(self.rec.similar, title,
                                  k + min(len(dismissed), DISMISS_LOOKAHEAD))
        if isinstance(hits, a.Problem):
            return hits
        note = getattr(hits, "reason", None) or (
            "" if hits else "This book has too few Wikipedia links to compare it with others.")
        hits = [n for n in hits if n.title not in dismissed][:k]
        book = self.book(title)
        items = [(self.book(n.title), float(n.similarity)) for n in hits]
        shared = [shared_labels((*self._kin_label(n, other), *n.shared), book, other)
                  for n, (other, _) in zip(hits, items, strict=True)]
        weaker = bool(hits) and all(getattr(n, "weaker", False) for n in hits)
        return a.SimilarBooks(book, items, note, shared, weaker)

    def _kin_label(self, neighbour, other: a.Book) -> tuple[str, ...]:
        """The author's name or the series' name when that is why a book is listed."""
        kin = getattr(neighbour, "kin", None)
        if kin == "author" and other.author:
            return (other.author,)
        if kin == "series":
            row = self.rec.title_to_id.get(neighbour.title)
            name = neighbour.meta.get("series") or (self.rec.series[row] if row is not None else "")
            return (f"series: {str(name).removeprefix('category:')}",) if name else ()
        return ()

    async def _dismissed_if_possible(self, user: str) -> list[str]:
        # `similar` needs no history: with the database away it answers, unfiltered.
        try:
            return await self.store.dismissed(user)
        except StoreError as exc:
            log.warning("similar without the user's dismissals: %s", exc)
            return []

    async def info(self, text: str) -> a.Answer:
        text = clean_text(text)
        if problem := self._check_text(text, "title"):
            return problem
        resolution = await self._resolve(text)
        if not resolution.found:
            return self._no_match(text, resolution)
        return a.BookInfo(self.book(resolution.title))

    async def pages(self, text: str, k: int | None = None) -> a.Answer:
        text = clean_text(text)
        if problem := self._check_text(text, "page"):
            return problem
        hits = await self._engine(self.rec.similar_pages, text, self._clamp_k(k))
        if isinstance(hits, a.Problem):
            return hits
        return a.RelatedPages(text, [(page, float(sim)) for page, sim in hits])

    async def about(self, text: str, k: int | None = None) -> a.Answer:
        text = clean_text(text)
        if problem := self._check_text(text, "page"):
            return problem
        hits = await self._engine(self.rec.books_about, text, self._clamp_k(k))
        if isinstance(hits, a.Problem):
            return hits
        return a.BooksAbout(text, [(self.book(n.title), float(n.similarity)) for n in hits])

    async def map(self, text: str, k: int = DEFAULT_K) -> a.Answer:
        text = clean_text(text)
        if problem := self._check_text(text, "title"):
            return problem
        if problem := self._maps_problem():
            return problem
        resolution = await self._resolve(text)
        if not resolution.found:
            return self._no_match(text, resolution)
        return await self._map_of(resolution.title, k)

    def _maps_problem(self) -> a.Problem | None:
        try:
            import engine.pictures.neighbourhood  # noqa: F401  (matplotlib may be missing)
        except ImportError:
            return a.Problem("Maps are not available in this installation.")
        if self.maps_dir is None:
            return a.Problem("Maps are switched off here.")
        return None

    async def _map_of(self, title: str, k: int = DEFAULT_K) -> a.Answer:
        if problem := self._maps_problem():
            return problem
        from engine.pictures.neighbourhood import draw_neighbourhood

        digest = hashlib.sha1(title.encode("utf-8")).hexdigest()[:12]
        out = Path(self.maps_dir) / f"map-{digest}.png"
        out.parent.mkdir(parents=True, exist_ok=True)
        path = await self._engine(draw_neighbourhood, self.rec, title, out, self._clamp_k(k))
        if isinstance(path, a.Problem):
            return path
        return a.MapImage(self.book(title), Path(path))

    # -- the user's shelf --
    async def read(self, user: str, text: str, rating: object = None) -> a.Answer:
        """Log a read. With `rating` given (a slash option) the text is all title; without, the
        text may end in a rating: '4', 'rating=4', '4/5', '4 stars' or '★★★★'."""
        text = clean_text(text)
        if rating is not None:
            rating = parse_whole_number(str(rating), 1, 5) if type(rating) in (int, str) else None
            if rating is None:
                return a.Problem(RATING_HELP)
            if problem := self._check_text(text, "title"):
                return problem
            resolution = await self._resolve(text)
        else:
            if problem := self._check_text(text, "title"):
                return problem
            head, rating, error = split_explicit_rating(text)
            if error:
                return a.Problem(RATING_HELP)
            if rating is not None:
                if problem := self._check_text(head, "title"):
                    return problem
                resolution = await self._resolve(head)
            else:
                resolution, rating, stray = await self._resolve_with_number(text, 1, 5)
                if stray is not None:
                    return a.Problem(f"Ratings are whole numbers from 1 to 5, not “{stray}”. "
                                     f"{RATING_HELP}")
        if not resolution.found:
            return self._no_match(text, resolution, rating)
        return await self._log(user, resolution.title, rating)

    async def _log(self, user: str, title: str, rating: int | None) -> a.Logged:
        before = await self.store.log_read(user, title, rating)
        kept = rating if rating is not None else (before.rating if before else None)
        return a.Logged(self.book(title), kept, before)

    async def unread(self, user: str, text: str) -> a.Answer:
        text = clean_text(text)
        if problem := self._check_text(text, "title"):
            return problem
        await self._follow_catalog(user)
        # A shelf title from an older model may no longer resolve; an exact one still removes.
        title = await self._stored_or_resolved(text, await self.store.get(user, text) is not None)
        if isinstance(title, a.NoMatch):
            return title
        removed = await self.store.remove_read(user, title)
        return a.Unlogged(self.book(title), removed)

    async def shelf(self, user: str, page: object = 1) -> a.Answer:
        await self._follow_catalog(user)
        total = await self.store.count(user)
        pages = max(1, math.ceil(total / SHELF_PAGE_SIZE))
        number = parse_whole_number(str(page), 1, 10**4) if page not in (None, "") else 1
        number = min(number or 1, pages)
        reads = await self.store.shelf(user, SHELF_PAGE_SIZE, (number - 1) * SHELF_PAGE_SIZE)
        entries = [a.ShelfEntry(self.book(r.title), r.rating, r.read_at) for r in reads]
        return a.Shelf(entries, number, pages, total)

    async def next(self, user: str, k: int | None = None) -> a.Answer:
        await self._follow_catalog(user)
        reads = await self.store.shelf(user)
        if not reads:
            return a.Problem("Your shelf is empty: log a few books with `!read <title> [1-5]` "
                             "and ask again.")
        history = [HistoryItem(r.title, r.rating, r.read_at) for r in reads]
        dismissed = await self.store.dismissed(user)
        picks = await self._engine(self.rec.recommend, history, self._clamp_k(k), dismissed)
        if isinstance(picks, a.Problem):
            return picks
        if not picks:  # the engine says why (all dislikes, no links, nothing new nearby)
            return a.Problem(picks.reason or "Nothing to suggest yet: rate a few books you liked "
                                             "(3 to 5).")
        items = []
        for p in picks:
            book = self.book(p.title)
            sources = [self.book(t) for t in p.because[:1]]
            items.append(a.Pick(book, float(p.score), list(p.because),
                                shared_labels(getattr(p, "shared", ()), book, *sources)))
        return a.Picks(items, len(reads), picks.reason or "")

    async def import_goodreads(self, user: str, data: bytes) -> a.Answer:
        try:
            text = goodreads.decode(data)
            rows, truncated = await asyncio.to_thread(goodreads.parse_export, text)
        except goodreads.ExportFormatError as exc:
            return a.Problem(f"Could not import: {exc}.")
        read_rows = [r for r in rows if r.is_read]
        if len(read_rows) > MAX_IMPORT_READS:
            read_rows, truncated = read_rows[:MAX_IMPORT_READS], True
        titles = await asyncio.to_thread(lambda: [self._match_row(r) for r in read_rows])
        matched, unmatched, reads = [], [], {}
        for row, title in zip(read_rows, titles, strict=True):
            if title is None:
                unmatched.append(row.title)
                continue
            matched.append((row.title, title))
            reads[title] = Read(title, row.rating, row.date_read or now_utc(), "goodreads")
        added, updated = await self.store.log_many(user, list(reads.values()))
        # An export's "not for me" rows carry exact catalog titles: those, and only those, return.
        not_for_me = [r.title for r in rows if r.shelf == goodreads.NOT_FOR_ME_SHELF]
        dismissed = [t for t in not_for_me if t in self.rec.title_to_id][:MAX_IMPORT_READS]
        await self.store.dismiss(user, dismissed)
        not_read = sum(not r.is_read for r in rows) - len(dismissed)
        return a.ImportSummary(matched, unmatched, not_read, added, updated, truncated,
                               len(set(dismissed)))

    def _match_row(self, row: goodreads.GoodreadsRow) -> str | None:
        """The catalog title for an exported row, or None. Fuzzy matches must agree on the
        author, since fuzzy matching also "finds" books the catalog does not have."""
        tried = []
        for text in (row.title, row.title_without_series, row.title_without_series.split(":")[0]):
            if not text.strip() or text in tried:
                continue
            tried.append(text)
            resolution = self.rec.resolve(text)
            options = [resolution.title] if resolution.found else (
                resolution.candidates if resolution.status == "ambiguous" else [])
            for title in options:
                catalog_author = self.book(title).author
                if row.author and catalog_author:
                    if _same_author(row.author, catalog_author):
                        return title
                elif resolution.found and resolution.confidence >= 0.999:
                    return title
        return None

    async def export(self, user: str) -> a.Answer:
        await self._follow_catalog(user)
        reads = await self.store.shelf(user)
        rows = []
        for r in reads:
            book = self.book(r.title)
            rows.append((r.title, book.author, r.rating, r.read_at, book.url))
        dismissed = [self.book(t) for t in await self.store.dismissed(user)]
        csv_text = goodreads.write_export(rows, [(b.title, b.author, b.url) for b in dismissed])
        return a.Export("wikishelf-export.csv", csv_text, len(reads))

    async def forget(self, user: str, confirm: bool = False) -> a.Answer:
        count = await self.store.count(user)
        if not confirm:
            return a.ForgetPrompt(count, len(await self.store.dismissed(user)))
        return a.Forgotten(await self.store.forget(user))

    async def help(self, console: bool = False) -> a.Answer:
        return a.Help(list(CONSOLE_HELP if console else HELP))

    # -- one tap instead of retyping: a book chosen from a menu, a pick marked "not for me" --
    async def choose(self, command: str, user: str, title: str, number: int | None = None
                     ) -> a.Answer:
        """Run `command` again on `title`, a catalog title chosen from its "did you mean" list,
        with the rating or count that was typed after the title (`number`)."""
        if command not in CHOOSABLE:
            return a.Problem("That menu is out of date, so nothing was done; type the command "
                             "again.")
        if title not in self.rec.title_to_id:
            return a.Problem(STALE_CHOICE)
        if command == "similar":
            return await self._similar_to(title, number, user)
        if command == "read":
            if number is not None and parse_whole_number(str(number), 1, 5) is None:
                return a.Problem(RATING_HELP)
            return await self._log(user, title, number)
        if command == "unread":
            return a.Unlogged(self.book(title), await self.store.remove_read(user, title))
        if command == "map":
            return await self._map_of(title)
        return a.BookInfo(self.book(title))

    async def dismiss(self, user: str, titles: list[str]) -> a.Answer:
        """Never pick these catalog titles for `user` again (`next`, and their `similar`)."""
        if not titles or any(t not in self.rec.title_to_id for t in titles):
            return a.Problem(STALE_CHOICE)
        await self.store.dismiss(user, titles)
        return a.Dismissed([self.book(t) for t in dict.fromkeys(titles)])

    async def undismiss(self, user: str, text: str = "") -> a.Answer:
        """Take a book off the user's "not for me" list; without a title, show the list."""
        text = clean_text(text)
        if not text:
            return a.Dismissals([self.book(t) for t in await self.store.dismissed(user)])
        if problem := self._check_text(text, "title"):
            return problem
        # Exact: also a title an older catalog had.
        title = await self._stored_or_resolved(text, text in await self.store.dismissed(user))
        if isinstance(title, a.NoMatch):
            return title
        return a.Undismissed(self.book(title), await self.store.undismiss(user, title))


def shared_labels(shared, *books: a.Book) -> tuple[str, ...]:
    """Shared pages as a reader reads them: an author's page in the catalog's spelling of the
    name ('J. K. Rowling', not 'j. k. rowling'), a category without its prefix."""
    authors = {clean_link(b.author): b.author for b in books if b.author}
    labels = []
    for page in (getattr(s, "page", s) for s in shared):
        label = authors.get(page) or page.removeprefix("category:")
        if label and label not in labels:
            labels.append(label)
    return tuple(labels)


def _same_author(left: str, right: str) -> bool:
    left, right = normalise(left), normalise(right)
    if not left or not right:
        return False
    if left.split()[-1] == right.split()[-1]:
        return True
    return fuzz.token_set_ratio(left, right) >= 85
