"""The ways typed text can carry a title: whole, or with its author ("war and peace by tolstoy",
"tolstoy - war and peace"), a subtitle, or a trailing note ("(Harry Potter, #1)")."""

from __future__ import annotations

import re
from dataclasses import dataclass

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
