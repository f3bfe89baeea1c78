"""Turning what people type into one catalog book.

Titles are folded once at load (engine.text.normalise). A query is read every plausible way (whole,
or title + author hint), candidates come from exact keys and a word index (typo'd words corrected
against the catalog's vocabulary), and each candidate is scored by edit similarity, prefix and
word coverage. A book is "found" only when its score is high and no other book comes close, so a
book missing from the catalog is not matched to a look-alike.

A lone candidate is also taken when it is what a reader means: the title with one of a doubled
letter dropped in a word the catalog does not know ("the hobit"), the book's own part without
its series prefix ("deathly hallows"), or a long enough start of the title ("how to win
friends"). A series name answers with its books ("harry potter"), and a title the aliases know
as another work's ("frankenstein") is never swapped for a look-alike ("Frankenstein's Aunt").
"""

from __future__ import annotations

import bisect
import heapq
import math
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA, Levenshtein

from engine.serve.key_table import KeyLists, KeyTable, Lists, string_array, strings_of
from engine.serve.readings import (
    AUTHOR_FILLER,
    TRAILING_NUMBER,
    TRAILING_PARENS,
    Reading,
    readings,
    split_subtitle,
    whole_number,
)
from engine.text import normalise, strip_article

__all__ = ["Resolution", "TitleResolver", "normalise", "KEY_RULES", "title_key_tables"]

# The version of the rules that fold titles and claim alias keys (normalise, _fold_titles,
# _alias_keys, alias_cores). Bump it when they change: a model's stored key tables
# (title_key_tables) are then ignored and the titles and aliases folded again at load.
KEY_RULES = 1

FOUND = 0.85  # a confidence this high names one book
TIE = 0.03  # ranks this close are "about equally likely"
SUGGEST = 0.45  # weakest score still worth suggesting
OWN_PART = 0.9  # the title's own part after a series prefix: "deathly hallows"
SHORT_FORM = 0.87  # a long enough start of the title, or a doubled letter slipped
_SHORT_FORM_CHARS = 12  # letters a short form needs: "how to win friends", not "peter pan"
_SERIES_WORDS = frozenset({"series", "cycle", "saga", "trilogy", "sequence", "quartet", "books",
                           "novels", "chronicles", "universe"})
_COMMON_SERIES_WORD = 20  # a one-word series name in more titles than this is an ordinary word
_SERIES_NAME_WORD = 40  # a title prefix with a word this rare names a series ("potter")
_COMMON_WORD = 1000  # words in more titles than this do not fetch candidates
_RETRIEVED = 25  # candidates fetched through the word index per reading
_MAX_QUERY = 300  # characters; anything longer is not a title
_SHOWN_NUMBER = 20  # characters of a refused number echoed back
# Subtitles that make a book about another one: "The Lord of the Rings: A Reader's Companion"
# must not answer "the lord of the rings".
_DERIVED = frozenset({"companion", "guide", "readers", "critical", "annotated", "encyclopedia",
                      "handbook", "commentary", "concordance"})
# Openings of books about another book: "A Key to Uncle Tom's Cabin" is not "uncle tom's cabin".
# (Matched against a title's words after its leading article.)
_ABOUT_ANOTHER = re.compile(r"^(key to|making of|history of|annotated|companion to|guide to)\b")
# Small words weigh little in word coverage, wherever they stand in a title.
_SMALL_WORDS = frozenset({"a", "an", "the", "of", "and", "in", "on", "to", "for", "at", "by",
                          "with", "from", "or", "is", "de", "la", "le"})


@dataclass
class Resolution:
    status: str  # "found", "ambiguous", "series" or "not_found"
    book: int | None = None
    title: str | None = None  # the book found, or the series named
    confidence: float = 0.0
    candidates: list[str] = field(default_factory=list)  # choices, suggestions or the series' books

    @property
    def found(self) -> bool:
        return self.status == "found"


@dataclass(frozen=True)
class _Query:
    core: str  # normalised, leading article dropped
    ns: str  # the same without spaces: "harry potter" and "harrypotter" meet
    tokens: tuple[str, ...]
    main_ns: str  # the part before a subtitle, without spaces ("" when there is none)
    main_words: frozenset[str]

    @classmethod
    def of(cls, text: str, known: dict | None = None) -> _Query:
        core = strip_article(normalise(text))
        first, _, rest = core.partition(" ")
        if known is not None and first not in known:  # "TheSorrow of Belgium"
            for article in ("the", "a", "an"):
                if first.startswith(article) and len(first) > len(article) + 2 \
                        and first[len(article):] in known:
                    core = f"{first[len(article):]} {rest}".strip()
                    break
        head, tail = split_subtitle(text)
        main = strip_article(normalise(head)) if tail else ""
        return cls(core, core.replace(" ", ""), tuple(core.split()), main.replace(" ", ""),
                   frozenset(main.split()))


_SHARED = -1  # a key claimed by two books names neither


def _claim(books: dict[str, int], key: str, book: int) -> None:
    """Record that `key` names `book`, or that it is shared when another book claimed it
    (a dict of ints: ~3x faster to build than a dict of sets for 300,000 aliases)."""
    if books.setdefault(key, book) != book:
        books[key] = _SHARED


def _series_key(core: str) -> str:
    """A series name without the words that only say it is one: "the discworld series" ->
    "discworld", "the chronicles of narnia" -> "narnia"."""
    words = [w for w in core.split() if w not in _SERIES_WORDS]
    while words and words[0] in _SMALL_WORDS:
        words.pop(0)
    while words and words[-1] in _SMALL_WORDS:
        words.pop()
    return " ".join(words)


def _doubled_letter_slip(typed: str, title: str) -> bool:
    """Whether the two differ by one letter of a doubled pair: "hobit" / "hobbit"."""
    if abs(len(typed) - len(title)) != 1:
        return False
    short, long = sorted((typed, title), key=len)
    return any(long[:i] + long[i + 1:] == short for i in range(1, len(long))
               if long[i] == long[i - 1])


def _allowed_edits(word: str) -> int:
    """Typos forgiven in one word: none in short words or numbers ("1984" is not "1934")."""
    if len(word) < 4 or not word.isalpha():
        return 0
    return 1 if len(word) < 8 else 2


class TitleResolver:
    @classmethod
    def for_catalog(cls, titles: list[str], meta: list[dict], book_degrees,
                    aliases: dict[str, str] | None = None,
                    series: dict[str, list[str]] | None = None,
                    other_works: list[str] | None = None,
                    well_read: list[str] | None = None,
                    key_tables: dict[str, KeyTable] | None = None) -> TitleResolver:
        """The resolver the product serves: display authors as hints, a book's link count
        as its popularity (the better-known of two same-named books wins a close call),
        redirect and Goodreads titles as other names of their books (or `key_tables`, the
        same already folded: title_key_tables), series names with their books, the titles of
        books the catalog lacks, and the books readers know best."""
        row = {t: i for i, t in enumerate(titles)}
        return cls(titles, [m.get("author", "") for m in meta], [float(d) for d in book_degrees],
                   {alias: row[t] for alias, t in (aliases or {}).items() if t in row},
                   {name: [row[t] for t in books if t in row]
                    for name, books in (series or {}).items()}, other_works,
                   [row[t] for t in well_read or () if t in row], key_tables)

    def __init__(self, titles: list[str], authors: list[str] | None = None,
                 popularity: list[float] | None = None, aliases: dict[str, int] | None = None,
                 series: dict[str, list[int]] | None = None,
                 other_works: Iterable[str] | None = None, well_read: list[int] | None = None,
                 key_tables: dict[str, KeyTable] | None = None):
        self.titles = list(titles)
        n = len(self.titles)
        authors = list(authors) if authors is not None else [""] * n
        popularity = list(popularity) if popularity is not None else [0.0] * n
        if len(authors) != n or len(popularity) != n:
            raise ValueError("titles, authors and popularity must be the same length")
        self.popularity = [float(p or 0.0) for p in popularity]
        self.authors = authors
        self._key_tables = key_tables
        # Folded at build time (title_key_tables), or here for a model built before that.
        folded = key_tables if key_tables and "by_key" in key_tables else self._fold_titles()
        self.notes: list[str] = folded["notes"]  # the disambiguator: "novel", "King novel"
        self.keys: list[str] = folded["keys"]  # the folded title without its disambiguator
        self.core: list[str] = folded["core"]  # the same without a leading article
        self.main_ns: list[str] = folded["main_ns"]  # a subtitled book's main title, no spaces
        self.by_key = folded["by_key"]  # core, core without spaces, main title -> books
        # The whole title, disambiguator included: "Paranoia (novel)" typed in full is that book.
        self.by_full = folded["by_full"]
        self.postings = folded["postings"]  # title word -> books
        self.words: list[str] = folded["words"]  # every title word
        self._by_author = folded.get("by_author")
        self._prefix_order: list[int] | None = folded.get("prefix_order")
        self.by_alias = key_tables["by_alias"] if key_tables else self._alias_keys(aliases or {})
        self.core_ns = [c.replace(" ", "") for c in self.core]
        self._who: dict[int, tuple[frozenset[str], frozenset[str]]] = {}
        self._corrections: dict[str, list[str]] = {}
        self.max_idf = math.log(n + 1) + 0.1
        self.series = {name: books for name, books in (series or {}).items() if len(books) > 1}
        self.by_series = self._series_keys()
        # Titles of books the catalog lacks, unless they also name a catalog book.
        self.other_works = {key for key in map(normalise, other_works or ())
                            if key not in self.by_full and key not in self.by_alias}
        self._shared_prefix: dict[str, bool] = {}  # at most one entry per prefix of a title
        # Goodreads' most-read books: of two shortened forms that fit, the one readers know.
        self.well_read = frozenset(well_read or ())

    def _fold_titles(self) -> dict:
        """Every title folded every way it is looked up (what title_key_tables stores)."""
        notes, keys, cores, mains = [], [], [], []
        by_key, by_full, postings = Lists(), Lists(), Lists()
        for i, title in enumerate(self.titles):
            note = ""
            if title.endswith((")", "]")):
                match = TRAILING_PARENS.search(title)
                if match and match.start():
                    title, note = title[:match.start()], match.group(1)
            key = normalise(title) or normalise(self.titles[i])
            by_full.setdefault(normalise(self.titles[i]) if note else key, []).append(i)
            core = strip_article(key)
            main = ""
            if ":" in title or " - " in title or "–" in title or "—" in title:
                head, tail = split_subtitle(title)
                if tail and not _DERIVED.intersection(normalise(tail).split()):
                    main = strip_article(normalise(head)).replace(" ", "")
            notes.append(note)
            keys.append(key)
            cores.append(core)
            mains.append(main)
            by_key.setdefault(core, []).append(i)
            nospace = core.replace(" ", "")
            if nospace != core:
                by_key.setdefault(nospace, []).append(i)
            if main and main != nospace:
                by_key.setdefault(main, []).append(i)
            for word in set(core.split()):
                postings.setdefault(word, []).append(i)
        return {"notes": notes, "keys": keys, "core": cores, "main_ns": mains, "by_key": by_key,
                "by_full": by_full, "postings": postings, "words": list(postings)}

    def _idf(self, word: str) -> float:
        """How telling a title word is: rare words weigh most, small words little."""
        count = self.postings.count(word)
        if not count:
            return self.max_idf
        return 0.3 if word in _SMALL_WORDS else math.log((len(self.titles) + 1) / count) + 0.1

    def _tokens(self, book: int) -> tuple[str, ...]:
        return tuple(self.core[book].split())

    def _alias_keys(self, aliases: dict[str, int]) -> dict[str, int]:
        """Folded alias -> book, for aliases that name one book and are no catalog title."""
        books: dict[str, int] = {}
        for alias, book in aliases.items():
            key = normalise(alias)
            if key and key not in self.by_full:
                _claim(books, key, book)
        return {key: book for key, book in books.items() if book != _SHARED}

    @cached_property
    def alias_cores(self) -> dict[str, int] | KeyTable:
        return self._key_tables["alias_cores"] if self._key_tables else self._alias_cores()

    def _alias_cores(self) -> dict[str, int]:
        """Aliases as readers shorten them: without the leading article ("golden compass"),
        and their own part after the series prefix they share with their book ("sorcerer's
        stone"); only where no catalog title or other work is named so."""
        books: dict[str, int] = {}
        for key, book in self.by_alias.items():
            words = strip_article(key).split()
            _claim(books, " ".join(words), book)
            title = self._tokens(book)
            if not title or not words or words[0] != title[0]:
                continue  # most aliases: no series prefix shared with the title
            shared = next((k for k in range(1, min(len(words), len(title)))
                           if words[k] != title[k]), 0)
            part = words[shared:]
            if shared and len([w for w in part if w not in _SMALL_WORDS]) >= 2 \
                    and self._is_shared_prefix(title[:shared]):
                _claim(books, " ".join(part), book)
        return {key: book for key, book in books.items() if book != _SHARED
                and key not in self.by_key and key not in self.other_works}

    def _series_keys(self) -> dict[str, str]:
        """Folded ways to name each series -> its name: "The Chronicles of Narnia" is also
        "narnia", "Percy Jackson and the Olympians" also "percy jackson"."""
        names: dict[str, set[str]] = defaultdict(set)
        for name in self.series:
            core = strip_article(normalise(name))
            words = core.split()
            keys = {core, _series_key(core)}
            keys.update(" ".join(words[:k]) for k in range(2, len(words))
                        if words[k - 1] not in _SMALL_WORDS)
            for key in keys - {""}:
                if " " in key or self.postings.count(key) <= _COMMON_SERIES_WORD:
                    names[key].add(name)
        return {key: next(iter(found)) for key, found in names.items() if len(found) == 1}

    # The indexes below serve the rarer paths (typos, authors without a separator, autocomplete);
    # each is built on first use, which keeps loading a model fast.
    @cached_property
    def vocab(self) -> dict[tuple[int, str], list[str]]:
        """Catalog words by (length, first letter) and (length, last letter): one typo leaves
        one of the two ends alone, so a typo search reads two small lists."""
        vocab: dict[tuple[int, str], list[str]] = defaultdict(list)
        for word in self.words:
            vocab[len(word), word[0]].append(word)
            vocab[len(word), "$" + word[-1]].append(word)
        return dict(vocab)

    @cached_property
    def by_author(self) -> Lists | KeyLists:
        """Author words -> books, so that "the road cormac mccarthy" fetches The Road."""
        if self._by_author is not None:
            return self._by_author
        folded: dict[str, list[str]] = {}
        by_author = Lists()
        for i, author in enumerate(self.authors):
            if author:
                if author not in folded:
                    folded[author] = [w for w in set(normalise(author).split()) if len(w) > 2]
                for word in folded[author]:
                    by_author.setdefault(word, []).append(i)
        return by_author

    @cached_property
    def ends(self) -> dict[str, tuple[list[int], list[str], list[int]]]:
        """Space-free titles by first and by last letter, each sorted by length: a whole-title
        typo search reads two narrow bands (one typo leaves one end of the title alone)."""
        ends: dict[str, tuple[list[int], list[str], list[int]]] = {}
        for b in sorted(range(len(self.titles)), key=lambda i: len(self.core_ns[i])):
            key = self.core_ns[b]
            for end in (key[:1], "$" + key[-1:]):
                lens, keys, ids = ends.setdefault(end, ([], [], []))
                lens.append(len(key))
                keys.append(key)
                ids.append(b)
        return ends

    @cached_property
    def prefix_order(self) -> list[int]:
        """Books in the order of their core titles (ties by row), for prefix searches."""
        if self._prefix_order is not None:
            return self._prefix_order
        return sorted(range(len(self.core)), key=self.core.__getitem__)

    @cached_property
    def sorted_cores(self) -> list[str]:
        return [self.core[b] for b in self.prefix_order]

    def warm(self) -> None:
        """Build the lazy indexes now (about 0.5 s), so no user's query pays for them later."""
        for name in ("vocab", "by_author", "ends", "sorted_cores", "alias_cores"):
            getattr(self, name)

    # -- resolving --
    def resolve(self, text: str, limit: int = 5) -> Resolution:
        if not isinstance(text, str) or not normalise(text[:_MAX_QUERY]):
            return Resolution("not_found")
        text = text[:_MAX_QUERY]
        full = self.by_full.get(normalise(text), ())
        if len(full) == 1:
            return Resolution("found", full[0], self.titles[full[0]], 1.0)
        alias = self.by_alias.get(normalise(text))
        if alias is not None and not full:  # another name of a book: "1984", "Sorcerer's Stone"
            return Resolution("found", alias, self.titles[alias], 1.0)
        if (series := self._series(text)) is not None:
            return series
        scored: dict[int, tuple[float, float]] = {}  # book -> (rank, confidence)
        all_readings = readings(text)
        others = [normalise(r.title) for r in all_readings if normalise(r.title) in self.other_works]
        for reading in all_readings:  # the common case: a title typed right, and nothing to weigh
            exact = self.by_key.get(self._query(reading.title).core, ())
            if len(exact) == 1 and (not reading.strict
                                    or self._author_match(self._hint(reading), exact[0]) >= 0.99):
                if others and normalise(reading.title) != self.keys[exact[0]]:
                    continue  # "hamlet" is Shakespeare's, not "The Hamlet"
                return Resolution("found", exact[0], self.titles[exact[0]], 1.0)
        for reading in all_readings:  # another name of a book, shortened or with its author
            key = normalise(reading.title)
            book = self._alias(key)
            if book is not None and (not reading.strict
                                     or self._author_match(self._hint(reading), book) >= 0.99):
                return Resolution("found", book, self.titles[book], 1.0)
            if (book := self._alias_with_author(key)) is not None:
                return Resolution("found", book, self.titles[book], 1.0)
        for reading in all_readings:
            self._score_reading(reading, self._candidates(self._query(reading.title)), scored)
        if not scored or max(c for _, c in scored.values()) < FOUND:
            for reading in all_readings[:2]:  # nothing sure yet: a slower fuzzy pass over titles
                self._score_reading(reading, self._fuzzy_titles(self._query(reading.title)), scored)
        resolution = self._decide(scored, limit, [self._query(r.title) for r in all_readings])
        chosen = [resolution.book] if resolution.found else [
            b for b in scored if resolution.status == "ambiguous"
            and self.titles[b] in resolution.candidates]
        if others and chosen and not any(self.keys[b] in others for b in chosen):
            # The text names a book the catalog lacks: look-alikes are only suggestions.
            shown = [resolution.title] if resolution.found else list(resolution.candidates)
            shown += [self.titles[b] for b in self._ranked(scored)
                      if self.titles[b] not in shown and scored[b][1] >= SUGGEST]
            return Resolution("not_found", confidence=resolution.confidence,
                              candidates=shown[:limit])
        return resolution

    def _alias(self, key: str) -> int | None:
        return self.by_alias.get(key, self.alias_cores.get(strip_article(key)))

    def _alias_with_author(self, key: str) -> int | None:
        """An alias with its author's name before or after it: "1984 orwell"."""
        words = key.split()
        for k in (1, 2):
            for title, hint in ((words[:-k], words[-k:]), (words[k:], words[:k])):
                book = self._alias(" ".join(title)) if title else None
                if book is not None and self._author_match(hint, book) >= 0.99:
                    return book
        return None

    def _series(self, text: str) -> Resolution | None:
        """The series the text names, unless it is also the title of one of its books ("The
        Hunger Games", "Twilight" are books first)."""
        core = strip_article(normalise(text))
        name = self.by_series.get(core) or self.by_series.get(_series_key(core))
        if name is None:
            return None
        books = self.series[name]
        if set(self.by_key.get(core, ())) & set(books):
            return None
        return Resolution("series", title=name, confidence=1.0,
                          candidates=[self.titles[b] for b in books])

    def resolve_with_number(self, text: str, low: int, high: int
                            ) -> tuple[Resolution, int | None, str | None]:
        """Resolve text that may end in a number (a rating, a count) without eating the number
        of titles like "1984" or "Apollo 13": the number is split off when the rest names a book,
        a series or several books, and the whole text names no book better. Returns
        (resolution, number, stray): stray is the text of a number out of range, or not a whole
        number, that followed a title."""
        whole = self.resolve(text)
        match = TRAILING_NUMBER.match(text[:_MAX_QUERY]) if isinstance(text, str) else None
        if not match:
            return whole, None, None
        head = self.resolve(match.group("head"))
        if not head.found and head.status not in ("ambiguous", "series"):
            return whole, None, None
        if not head.found and whole.found \
                and match.group("number").lower() in self._tokens(whole.book):
            return whole, None, None  # "apollo 13": the number is the title's
        number = whole_number(match.group("number"), low, high)
        same_book = whole.found and whole.title == head.title
        if number is None:
            stray = match.group("number")[:_SHOWN_NUMBER] if (same_book or not whole.found) else None
            return (head if stray is not None else whole), None, stray
        if whole.found and not same_book and whole.confidence >= head.confidence:
            return whole, None, None  # the number belongs to the title
        return head, number, None

    def _decide(self, scored: dict[int, tuple[float, float]], limit: int,
                queries: list[_Query] = ()) -> Resolution:
        ranked = self._ranked(scored)
        if not ranked:
            return Resolution("not_found")
        best = ranked[0]
        rank, confidence = scored[best]
        confidence = round(min(1.0, confidence), 3)
        if confidence < FOUND:
            shown = [b for b in ranked if scored[b][1] >= SUGGEST][:limit]
            return Resolution("not_found", confidence=confidence,
                              candidates=[self.titles[b] for b in shown])
        # The less sure the best match, the wider the margin it needs over the next one.
        window = TIE + (1.0 - confidence) / 2
        close = [b for b in ranked if scored[b][0] >= rank - window and scored[b][1] >= FOUND]
        known = [b for b in close if b in self.well_read]
        if len(close) > 1 and confidence <= OWN_PART and len(known) == 1 \
                and any(self._reader_form(q, known[0]) for q in queries):
            # A shortened title ("tom sawyer") that fits one well-read book and lesser ones.
            return Resolution("found", known[0], self.titles[known[0]], confidence)
        if len(close) > 1:
            return Resolution("ambiguous", confidence=confidence,
                              candidates=[self.titles[b] for b in close[:max(limit, 2)]])
        return Resolution("found", best, self.titles[best], confidence)

    def _ranked(self, scored: dict[int, tuple[float, float]]) -> list[int]:
        # A title without a disambiguator is Wikipedia's primary topic among books of that name.
        names: dict[str, int] = defaultdict(int)
        for b in scored:
            names[self.core[b]] += 1
        for b, (rank, confidence) in scored.items():
            if not self.notes[b] and names[self.core[b]] > 1:
                scored[b] = (rank + 0.04, confidence)
        return sorted(scored, key=lambda b: (-scored[b][0], -self.popularity[b],
                                             len(self.titles[b])))

    def _score_reading(self, reading: Reading, candidates: set[int],
                       scored: dict[int, tuple[float, float]]) -> None:
        query = self._query(reading.title)
        if not query.ns:
            return
        hint = self._hint(reading)
        typed = normalise(reading.title)
        for b in candidates:
            confidence, rank = self._score(query, b)
            # Agreement beyond the folded key breaks ties: same spacing, same leading article.
            if query.core == self.core[b]:
                rank += 0.04
                if typed == self.keys[b]:
                    rank += 0.04
            if hint:
                agreement = self._author_match(hint, b)
                if agreement >= 0.99:
                    confidence, rank = confidence + 0.05, rank + 0.12
                elif agreement >= 0.5:
                    rank += 0.05
                elif reading.strict:  # "X by Y" where Y did not write X: probably another book
                    confidence, rank = confidence - 0.25, rank - 0.25
            if b not in scored or rank > scored[b][0]:
                scored[b] = (rank, confidence)

    @staticmethod
    def _hint(reading: Reading) -> list[str]:
        return [w for w in normalise(reading.hint).split() if w not in AUTHOR_FILLER]

    def _score(self, query: _Query, b: int) -> tuple[float, float]:
        """(confidence, rank) that `query` names book b, before any author hint."""
        ns = self.core_ns[b]
        words, leftover = self._word_score(query.tokens, b)
        extra = [w for w in leftover if w not in AUTHOR_FILLER]
        # Spelling similarity of the whole title, of its main title (subtitle left out), or of
        # the query's main title (a subtitle the catalog lacks).
        whole = OSA.normalized_similarity(query.ns, ns)
        if self.main_ns[b]:
            whole = max(whole, OSA.normalized_similarity(query.ns, self.main_ns[b]) - 0.04)
        unexplained = extra
        if query.main_ns:
            # The more the dropped subtitle says, the less sure the match.
            dropped = 1 - len(query.main_ns) / len(query.ns)
            main = OSA.normalized_similarity(query.main_ns, ns) - 0.04 - 0.1 * dropped
            if main > whole:
                whole = main
                unexplained = [w for w in extra if w in query.main_words]
        if extra:
            if self._author_match(extra, b) >= 0.99:  # "tolstoy war and peace"
                rest = "".join(w for w in query.tokens if w not in extra)
                if rest and rest == self.main_ns[b]:  # "catching fire wrangham"
                    words = max(words, FOUND + 0.05)
                return max(whole, words + 0.05), max(whole, words + 0.17)
            words *= 1 - sum(map(len, extra)) / max(1, len(query.ns))
        if unexplained:
            # A typed word that is in no way in the title: "Mexican Gothic" is not "American
            # Gothic", however close the letters.
            whole = min(whole, FOUND - 0.01)
        best = max(whole, words)
        if query.ns != ns and query.ns.rstrip("s") == ns.rstrip("s"):
            return min(best, FOUND - 0.01), best  # a plural is another title: "The Testaments"
        if best < OWN_PART and not unexplained:
            best = max(best, self._reader_form(query, b))
        return best, best

    def _reader_form(self, query: _Query, b: int) -> float:
        """A confidence for the shortened or misspelt forms readers type, 0.0 for none:
        the title's own part after a series prefix, a long enough start of it, or one typo in
        a word the catalog does not know."""
        title, typed = self._tokens(b), query.tokens
        n = len(typed)
        if not n or n > len(title):
            return 0.0
        content = [w for w in typed if w not in _SMALL_WORDS]
        prefix = title[:-n]
        if n < len(title) and title[-n:] == typed and self._is_shared_prefix(prefix) \
                and not self._derived(b) and (len(content) >= 2 or b in self.well_read):
            head, tail = split_subtitle(self.titles[b])
            if tail and strip_article(normalise(tail)) == query.core:
                return OWN_PART  # "The Dark Tower: The Gunslinger" asked as "the gunslinger"
            # A series prefix has a name in it ("harry potter and the"); a common opening
            # only for a book readers know ("the tale of" Peter Rabbit).
            if b in self.well_read or any(self.postings.count(w) <= _SERIES_NAME_WORD
                                          for w in prefix if w not in _SMALL_WORDS):
                return OWN_PART  # "Harry Potter and the Deathly Hallows" as "deathly hallows"
        if n < len(title) and title[:n] == typed and len(content) >= 2 \
                and len(query.ns) >= _SHORT_FORM_CHARS and not self._derived(b):
            title_content = [w for w in title if w not in _SMALL_WORDS]
            if len(content) >= 0.4 * len(title_content):
                return SHORT_FORM  # "how to win friends"
        # One of a doubled letter dropped or tripled, in a word the catalog does not know; any
        # other changed letter may be another name ("hamnet", "circe", "the testaments").
        if len(query.ns) >= 5 and _doubled_letter_slip(query.ns, self.core_ns[b]) \
                and any(w not in self.postings and w not in self.by_author for w in typed):
            return SHORT_FORM  # "the hobit"
        return 0.0

    def _is_shared_prefix(self, words: tuple[str, ...]) -> bool:
        """Whether two or more catalog titles start with these words: a series prefix."""
        prefix = " ".join(words) + " "
        if prefix not in self._shared_prefix:
            at = bisect.bisect_left(self.sorted_cores, prefix)
            following = self.sorted_cores[at:at + 2]
            self._shared_prefix[prefix] = len(following) == 2 and all(
                c.startswith(prefix) for c in following)
        return self._shared_prefix[prefix]

    def _derived(self, b: int) -> bool:
        """A book about another book: "The Lord of the Rings: A Reader's Companion", "A Key
        to Uncle Tom's Cabin", or one that quotes the other's title."""
        tail = split_subtitle(self.titles[b])[1]
        return '"' in self.titles[b] or bool(_DERIVED.intersection(normalise(tail).split())) \
            or bool(_ABOUT_ANOTHER.match(self.core[b]))

    def _word_score(self, words: tuple[str, ...], b: int) -> tuple[float, list[str]]:
        """How much of the title the typed words cover (rare words count most), in what order,
        and whether they start it; returns the typed words that are not in the title."""
        title = self._tokens(b)
        credit = [0.0] * len(title)  # 1 for a word typed right, less for a typo of it
        positions, leftover = [], []
        i = 0
        while i < len(words):
            word, spots, step = words[i], [], 1
            exact = next((j for j, t in enumerate(title) if not credit[j] and t == word), None)
            if exact is not None:
                spots, credit[exact] = [exact], 1.0
            elif edits := _allowed_edits(word):
                spot, distance = next(((j, d) for j, t in enumerate(title) if not credit[j]
                                       and abs(len(t) - len(word)) <= edits
                                       and (d := OSA.distance(word, t)) <= edits), (None, 0))
                if spot is not None:
                    spots, credit[spot] = [spot], 1 - 2 * distance / len(word)
            if not spots and i + 1 < len(words):  # "hob bit"
                joined = word + words[i + 1]
                spots = [j for j, t in enumerate(title) if not credit[j] and t == joined][:1]
                step = 2 if spots else 1
            if not spots:  # "harrypotter"
                spots = next(([j, j + 1] for j in range(len(title) - 1) if not credit[j]
                              and not credit[j + 1] and title[j] + title[j + 1] == word), [])
            for j in spots:
                credit[j] = credit[j] or 1.0
            if spots:
                positions.extend(spots)
            else:
                leftover.append(word)
            i += step
        if not positions:
            return 0.0, leftover
        weights = [self._idf(t) for t in title]
        coverage = sum(w * c for w, c in zip(weights, credit, strict=True)) / sum(weights)
        score = 0.5 + (0.45 if positions == sorted(positions) else 0.33) * coverage
        if positions == list(range(len(positions))) and len(positions) < len(title):
            score += 0.06  # the start of the title, the end left off
        return min(score, 0.97), leftover

    def _author_match(self, hint: list[str], b: int) -> float:
        """The share of hint words found among the book's author and disambiguator words;
        needs one real name, not only initials."""
        who, initials = self._names(b)
        if not who:
            return 0.0
        matched, named = 0, False
        for word in hint:
            if word in who or (_allowed_edits(word) and any(
                    abs(len(w) - len(word)) <= 1 and OSA.distance(word, w) <= 1 for w in who)):
                matched += 1
                named = named or len(word) > 2
            elif len(word) <= 3 and set(word) <= initials:  # "jrr", "jk"
                matched += 1
        return matched / len(hint) if named else 0.0

    def _names(self, b: int) -> tuple[frozenset[str], frozenset[str]]:
        """Book b's author and disambiguator words, and its author's initials (folded on
        first use: only candidates ever need them)."""
        if b not in self._who:
            author = normalise(self.authors[b] or "").split()
            words = author + normalise(self.notes[b]).split()
            self._who[b] = (frozenset(w for w in words if len(w) > 1),
                            frozenset(w[0] for w in author))
        return self._who[b]

    # -- candidates --
    def _query(self, text: str) -> _Query:
        return _Query.of(text, self.postings)

    def _candidates(self, query: _Query) -> set[int]:
        found = set(self.by_key.get(query.core, ())) | set(self.by_key.get(query.ns, ()))
        weights: dict[int, float] = {}
        words = sorted(set(self._known_words(query.tokens)), key=self.postings.count)
        # Common words fetch nothing, unless the query has nothing rarer: "love", "the road".
        for word in [w for w in words if self.postings.count(w) <= _COMMON_WORD] or words[:1]:
            idf = self._idf(word)
            for b in self.postings[word]:
                weights[b] = weights.get(b, 0.0) + idf
        if weights:  # the author named beside the title lifts that author's books
            for word in query.tokens:
                if self.by_author.count(word) <= _COMMON_WORD:
                    for b in self.by_author.get(word, ()):
                        if b in weights:
                            weights[b] += 4.0
        if weights:
            # Titles sharing only a minor word with the query cannot win: skip scoring them.
            floor = 0.5 * max(weights.values())
            top = heapq.nlargest(_RETRIEVED, weights, key=weights.__getitem__)
            found.update(b for b in top if weights[b] >= floor)
        return found

    def _known_words(self, words: tuple[str, ...]) -> list[str]:
        """The typed words as catalog words: run-together words split, split words joined,
        and typos corrected when no other telling word can fetch the title."""
        out, unknown = [], []
        for i, word in enumerate(words):
            if word in self.postings:
                out.append(word)
            elif i + 1 < len(words) and word + words[i + 1] in self.postings:
                out.append(word + words[i + 1])
            elif halves := next(((word[:k], word[k:]) for k in range(2, len(word) - 1)
                                 if word[:k] in self.postings and word[k:] in self.postings), None):
                out.extend(halves)
            elif _allowed_edits(word) and word not in self.by_author:
                unknown.append(word)
        if unknown and not any(self.postings.count(w) <= _COMMON_WORD for w in out):
            for word in unknown:
                out.extend(self._near_words(word))
        return out

    def _near_words(self, word: str) -> list[str]:
        """Catalog words within a typo or two of `word` (Levenshtein: a C fast path; the
        scoring counts a swap of two letters as one typo later)."""
        if word not in self._corrections:
            edits = _allowed_edits(word)
            choices = []
            for length in range(len(word) - edits, len(word) + edits + 1):
                choices += self.vocab.get((length, word[0]), [])
                choices += self.vocab.get((length, "$" + word[-1]), [])
            hits = process.extract(word, choices, scorer=Levenshtein.distance, processor=None,
                                   score_cutoff=edits + 1, limit=5)
            if len(self._corrections) > 50_000:
                self._corrections.clear()
            self._corrections[word] = list(dict.fromkeys(w for w, _, _ in hits))
        return self._corrections[word]

    def _fuzzy_titles(self, query: _Query) -> set[int]:
        """Whole titles within a few edits of the query, searched over a band of lengths."""
        if len(query.ns) < 4:
            return set()
        found = set()
        for end in (query.ns[0], "$" + query.ns[-1]):
            lens, keys, ids = self.ends.get(end, ([], [], []))
            # Only titles this close in length could still score FOUND.
            lo = bisect.bisect_left(lens, int(len(query.ns) * 0.85))
            hi = bisect.bisect_right(lens, int(len(query.ns) / 0.85) + 1)
            hits = process.extract(query.ns, keys[lo:hi], scorer=fuzz.ratio, processor=None,
                                   score_cutoff=78, limit=5)
            found.update(ids[lo + j] for _, _, j in hits)
        return found

    # -- autocomplete --
    def complete(self, prefix: str, limit: int = 25) -> list[str]:
        """Titles for an autocomplete box: titles starting with the text first, then titles
        holding its words."""
        limit = max(0, min(limit, 25))
        if not isinstance(prefix, str) or not limit:
            return []
        key = normalise(prefix[:_MAX_QUERY])
        if not key:
            return []
        core = strip_article(key)
        starts = []
        at = bisect.bisect_left(self.sorted_cores, core)
        for c, b in zip(self.sorted_cores[at:at + 200], self.prefix_order[at:at + 200], strict=True):
            if not c.startswith(core):
                break
            starts.append(b)
        starts.sort(key=lambda b: (-self.popularity[b], len(self.titles[b]), self.titles[b]))
        out = starts[:limit]
        if len(out) < limit:
            query = self._query(prefix[:_MAX_QUERY])
            more = sorted(self._candidates(query) - set(out),
                          key=lambda b: (-self._score(query, b)[1], -self.popularity[b]))
            out += more[:limit - len(out)]
        return [self.titles[b] for b in out]


KEY_TABLES = ("raw", "by_alias", "alias_cores")  # str -> one book
KEY_LISTS = ("by_key", "by_full", "postings", "by_author")  # str -> books
FOLDED_STRINGS = ("notes", "keys", "core", "main_ns")  # one per book


def title_key_tables(titles: list[str], meta: list[dict], book_degrees,
                     aliases: dict[str, str] | None = None,
                     series: dict[str, list[str]] | None = None,
                     other_works: list[str] | None = None, well_read: list[str] | None = None
                     ) -> tuple[int, dict[str, np.ndarray]]:
    """What a model directory stores so that serving need not fold its titles and aliases at
    start-up (engine.model_dir's serving tables, group "title_keys"): each title folded every
    way it is looked up, the word and author indexes, the titles' prefix order, and the aliases
    as typed ("raw"), folded ("by_alias") and shortened as readers shorten them
    ("alias_cores"), with the version of the rules that made them."""
    aliases = aliases or {}
    resolver = TitleResolver.for_catalog(titles, meta, book_degrees, aliases, series,
                                         other_works, well_read)
    row = {t: i for i, t in enumerate(titles)}
    tables = {"raw": {alias: row[t] for alias, t in aliases.items() if t in row},
              "by_alias": resolver.by_alias, "alias_cores": resolver.alias_cores}
    arrays: dict[str, np.ndarray] = {
        "words": string_array(resolver.words),
        "prefix_order": np.asarray(resolver.prefix_order, dtype=np.int32)}
    for name in FOLDED_STRINGS:
        arrays[name] = string_array(getattr(resolver, name))
    for name in KEY_TABLES:
        arrays.update(KeyTable.of(tables[name]).arrays(name))
    for name in KEY_LISTS:
        arrays.update(KeyLists.of(getattr(resolver, name)).arrays(name))
    return KEY_RULES, arrays


def stored_key_tables(arrays: dict[str, np.ndarray] | None, n_books: int) -> dict | None:
    """What title_key_tables stored, ready for TitleResolver(key_tables=...), or None when the
    model has none; ValueError when it is malformed."""
    if arrays is None:
        return None
    order, words = arrays.get("prefix_order"), arrays.get("words")
    if order is None or words is None or order.shape != (n_books,) \
            or (n_books and not np.array_equal(np.sort(order), np.arange(n_books))):
        raise ValueError("the title order is missing or not one row per book")
    tables: dict = {"prefix_order": order.tolist(), "words": strings_of(words, -1)}
    for name in FOLDED_STRINGS:
        tables[name] = strings_of(arrays.get(name, np.zeros(0, np.uint8)), n_books)
    # Most titles have no leading article: one string for both (~6 MB at 100,000 books).
    tables["core"] = [k if k == c else c for k, c in zip(tables["keys"], tables["core"], strict=True)]
    tables.update({name: KeyTable.from_arrays(arrays, name, n_books) for name in KEY_TABLES})
    tables.update({name: KeyLists.from_arrays(arrays, name, n_books) for name in KEY_LISTS})
    return tables
