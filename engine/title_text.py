"""Text folding for title matching: one key shape for catalog titles and for what people type,
and the ways a typed title can carry its author ("war and peace by tolstoy")."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from engine.text import strip_accents

# Letters from other scripts that look Latin (a Cyrillic "а" pasted into "The Hobbit"), letters
# that accents folding leaves alone, and invisible characters that only split words apart.
_LOOKALIKES = str.maketrans({
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p",
    "с": "c", "т": "t", "у": "y", "х": "x", "і": "i", "ј": "j", "ѕ": "s", "ԁ": "d", "ɡ": "g",
    "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p",
    "τ": "t", "υ": "u", "χ": "x", "ø": "o", "æ": "ae", "œ": "oe", "ð": "d", "đ": "d", "ł": "l",
    "þ": "th", "ı": "i", "ß": "ss", "&": " and ",
    "\u200b": None, "\u200c": None, "\u200d": None, "\u2060": None, "\ufeff": None, "\u00ad": None,
})
# Apostrophes vanish ("sorcerer's" and "sorcerers" meet); any other non-word run is one space.
_APOSTROPHES = re.compile(r"['`´‘’ʼʻ′]")
_NON_WORD = re.compile(r"[\W_]+")
_ASCII_FOLD = str.maketrans({c: " " for c in map(chr, range(128)) if not c.isalnum()}
                            | {"'": None, "`": None, "&": " and "})
# Dropped when a title starts with one and more words follow, on both sides of a comparison.
LEADING_ARTICLES = frozenset({"the", "a", "an", "le", "la", "les", "l", "der", "das", "el", "il",
                              "los", "las"})
# A trailing Wikipedia disambiguator or Goodreads series note: "Dune (novel)", "(Harry Potter, #1)".
TRAILING_PARENS = re.compile(r"\s*[(\[]([^()\[\]]*)[)\]]\s*$")
# What separates a title from its author in typed text; the author may stand on either side.
_AUTHOR_SEPARATORS = (
    (re.compile(r"\s+by\s+(?!.*\sby\s)", re.I), "after"),
    (re.compile(r"\s+[-–—−‐‒―]+\s+|\s*[–—―|]\s*"), "either"),
    (re.compile(r"\s*[,;]\s*(?!.*[,;])"), "either"),
)
# Words in an author hint that say nothing about who wrote the book.
AUTHOR_FILLER = frozenset({"by", "written", "author", "novel", "book", "the", "and", "von", "de",
                           "par", "from", "et", "al"})


def normalise(text: str) -> str:
    """Case, accents, Unicode look-alikes, punctuation and spacing folded away."""
    text = text or ""
    if text.isascii():  # most titles: one table lookup per character
        return " ".join(text.lower().translate(_ASCII_FOLD).split())
    text = strip_accents(unicodedata.normalize("NFKC", text).casefold().translate(_LOOKALIKES))
    return _NON_WORD.sub(" ", _APOSTROPHES.sub("", text)).strip()


def strip_article(key: str) -> str:
    """'the hobbit' -> 'hobbit'; a title that is only an article keeps it."""
    head, _, rest = key.partition(" ")
    return rest if rest and head in LEADING_ARTICLES else key


def split_subtitle(title: str) -> tuple[str, str]:
    """'Freud: His Life and His Mind' -> ('Freud', 'His Life and His Mind')."""
    for sep in (": ", " – ", " — ", " - "):
        head, found, tail = title.partition(sep)
        if found and head.strip() and tail.strip():
            return head, tail
    return title, ""


@dataclass(frozen=True)
class Reading:
    """One way to read typed text: the title part, and what may name its author."""

    title: str
    hint: str = ""
    strict: bool = False  # the hint came after "by" or a separator, so it should be the author


def readings(text: str) -> list[Reading]:
    """Every plausible (title, author hint) split of typed text, the whole text first."""
    text = " ".join(text.split())
    out = [Reading(text)]
    for pattern, side in _AUTHOR_SEPARATORS:
        for match in pattern.finditer(text):
            before = text[:match.start()]
            if before.count("(") > before.count(")"):  # "(Harry Potter, #1)" is one note
                continue
            left, right = before.strip(), text[match.end():].strip()
            if left and right:
                out.append(Reading(left, right, strict=True))
                if side == "either":
                    out.append(Reading(right, left, strict=True))
    for reading in list(out):
        # "war and peace (tolstoy)", "The Hobbit (Middle-earth Universe, #0) by J.R.R. Tolkien":
        # a trailing note may name the author or the series; it is no part of the title.
        match = TRAILING_PARENS.search(reading.title)
        if match and match.start() > 0:
            title = reading.title[:match.start()]
            out.insert(1, Reading(title, reading.hint, True) if reading.hint
                       else Reading(title, match.group(1)))
    return list(dict.fromkeys(out))[:8]
