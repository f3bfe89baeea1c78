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
from bot.commands import COMMANDS
from bot.rekey import follow_catalog
from bot.store import Read, Store, now_utc
from bot.throttle import Throttle
from engine.errors import WikishelfError
from engine.serve.picks import HistoryItem
from engine.serve.titles import Resolution, normalise
from engine.text import clean_link, wikipedia_url

log = logging.getLogger(__name__)

MAX_TEXT = 300  # characters of a title or page argument (Wikipedia titles stop at 255)
DEFAULT_K = 10
MAX_K = 25
SHELF_PAGE_SIZE = 10
MAX_IMPORT_READS = 2000  # rows matched per import; the rest are reported as cut off

RATING_HELP = "A rating is a whole number from 1 to 5 (e.g. `!read The Hobbit 5` or `rating=4`)."
# A trailing number after a title: whole numbers, and what people type when they mean one
# ("4.5", "-3", "five"), so a rating or count out of range is answered as such, never as a title.
_TRAILING_NUMBER = re.compile(
    r"^(?P<head>.*\S)\s+(?P<number>[-+]?(?:\d+(?:[.,]\d*)?|[.,]\d+)"
    r"|zero|one|two|three|four|five|six|seven|eight|nine|ten)$", re.S | re.I)
SHOWN_NUMBER = 20  # characters of a refused number echoed back
_EXPLICIT_RATING = [
    re.compile(r"^(?P<head>.*?)[\s,;]*\brating\s*[=:]\s*(?P<value>\S*)$", re.S | re.I),
    re.compile(r"^(?P<head>.*\S)\s+(?P<value>\S+?)\s*/\s*5$", re.S),
    re.compile(r"^(?P<head>.*\S)\s+(?P<value>\S+?)\s*stars?$", re.S | re.I),
    re.compile(r"^(?P<head>.*?)\s*(?P<stars>[★⭐☆]+)$", re.S),
]

HELP = [(command.usage, command.help) for command in COMMANDS]  # (usage, what it does)


def clean_text(text: object) -> str:
    """One line of printable text: control and format characters gone, spaces collapsed."""
    text = unicodedata.normalize("NFC", str(text or ""))
    kept = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in text)
    return " ".join(kept.split())


def parse_whole_number(raw: str, low: int, high: int) -> int | None:
    """An ASCII integer within [low, high], else None (rejects NaN, 4.5, -3, 1e9, '٣')."""
    raw = raw.strip()
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 4):
        return None
    value = int(raw)
    return value if low <= value <= high else None


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
        service._warming = asyncio.create_task(asyncio.to_thread(rec.resolver.warm))
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
    def _no_match(query: str, resolution: Resolution) -> a.NoMatch:
        return a.NoMatch(query, list(resolution.candidates)[:10],
                         ambiguous=resolution.status == "ambiguous")

    @staticmethod
    def _check_text(text: str, what: str) -> a.Problem | None:
        if not text:
            return a.Problem(f"Which {what}? Try `!help`.")
        if len(text) > MAX_TEXT:
            return a.Problem(f"That {what} is too long (at most {MAX_TEXT} characters).")
        return None

    async def _resolve_with_number(self, text: str, low: int, high: int
                                   ) -> tuple[Resolution, int | None, str | None]:
        """Resolve text that may end in a number (a rating, a count) without eating the number
        of titles like "1984" or "Apollo 13": the number is split off only when the rest names a
        book at least as well as the whole text does. Returns (resolution, number, stray), where
        stray is the text of a number out of range, or not a whole number, that followed a title
        that resolved on its own."""
        whole = await self._resolve(text)
        match = _TRAILING_NUMBER.match(text)
        if not match:
            return whole, None, None
        head = await self._resolve(match.group("head"))
        if not head.found:
            return whole, None, None
        number = parse_whole_number(match.group("number"), low, high)
        same_book = whole.found and whole.title == head.title
        if number is None:
            stray = match.group("number")[:SHOWN_NUMBER] if (same_book or not whole.found) else None
            return (head if stray is not None else whole), None, stray
        if whole.found and not same_book and whole.confidence >= head.confidence:
            return whole, None, None  # the number belongs to the title
        return head, number, None

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
    async def similar(self, text: str, k: int | None = None) -> a.Answer:
        text = clean_text(text)
        if problem := self._check_text(text, "title"):
            return problem
        if k is None:
            resolution, k, stray = await self._resolve_with_number(text, 1, MAX_K)
            if stray is not None and resolution.found:
                return a.Problem(f"How many books: a whole number from 1 to {MAX_K}, "
                                 f"not “{stray}”.")
        else:
            resolution = await self._resolve(text)
        if not resolution.found:
            return self._no_match(text, resolution)
        hits = await self._engine(self.rec.similar, resolution.title, self._clamp_k(k))
        if isinstance(hits, a.Problem):
            return hits
        note = getattr(hits, "reason", None) or (
            "" if hits else "This book has too few Wikipedia links to compare it with others.")
        book = self.book(resolution.title)
        items = [(self.book(n.title), float(n.similarity)) for n in hits]
        shared = [shared_labels(n.shared, book, other) for n, (other, _) in zip(hits, items,
                                                                                 strict=True)]
        return a.SimilarBooks(book, items, note, shared)

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
        try:
            from engine.pictures.neighbourhood import draw_neighbourhood
        except ImportError:
            return a.Problem("Maps are not available in this installation.")
        if self.maps_dir is None:
            return a.Problem("Maps are switched off here.")
        resolution = await self._resolve(text)
        if not resolution.found:
            return self._no_match(text, resolution)
        digest = hashlib.sha1(resolution.title.encode("utf-8")).hexdigest()[:12]
        out = Path(self.maps_dir) / f"map-{digest}.png"
        out.parent.mkdir(parents=True, exist_ok=True)
        path = await self._engine(draw_neighbourhood, self.rec, resolution.title, out,
                                  self._clamp_k(k))
        if isinstance(path, a.Problem):
            return path
        return a.MapImage(self.book(resolution.title), Path(path))

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
                if stray is not None and resolution.found:
                    return a.Problem(f"Ratings are whole numbers from 1 to 5, not “{stray}”. "
                                     f"{RATING_HELP}")
        if not resolution.found:
            return self._no_match(text, resolution)
        before = await self.store.log_read(user, resolution.title, rating)
        kept = rating if rating is not None else (before.rating if before else None)
        return a.Logged(self.book(resolution.title), kept, before)

    async def unread(self, user: str, text: str) -> a.Answer:
        text = clean_text(text)
        if problem := self._check_text(text, "title"):
            return problem
        await self._follow_catalog(user)
        # A shelf title from an older model may no longer resolve; an exact one still removes.
        if await self.store.get(user, text) is not None:
            title = text
        else:
            resolution = await self._resolve(text)
            if not resolution.found:
                return self._no_match(text, resolution)
            title = resolution.title
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
        picks = await self._engine(self.rec.recommend, history, self._clamp_k(k))
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
        not_read = sum(not r.is_read for r in rows)
        return a.ImportSummary(matched, unmatched, not_read, added, updated, truncated)

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
        return a.Export("wikishelf-export.csv", goodreads.write_export(rows), len(reads))

    async def forget(self, user: str, confirm: bool = False) -> a.Answer:
        count = await self.store.count(user)
        if not confirm:
            return a.ForgetPrompt(count)
        return a.Forgotten(await self.store.forget(user))

    async def help(self) -> a.Answer:
        return a.Help(list(HELP))


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
