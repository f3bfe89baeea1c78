"""The ways typed text can carry a title: whole, or with its author ("war and peace by tolstoy",
"tolstoy - war and peace"), a subtitle, a trailing note ("(Harry Potter, #1)"), or a trailing
rating or count ("the martian 4")."""

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


# A trailing number after a title: whole numbers, and what people type when they mean one
# ("4.5", "-3", "five"), so a rating or count out of range is answered as such, never as a title.
TRAILING_NUMBER = re.compile(
    r"^(?P<head>.*\S)\s+(?P<number>[-+]?(?:\d+(?:[.,]\d*)?|[.,]\d+)"
    r"|zero|one|two|three|four|five|six|seven|eight|nine|ten)$", re.S | re.I)


def whole_number(raw: str, low: int, high: int) -> int | None:
    """An ASCII integer within [low, high], else None (rejects NaN, 4.5, -3, 1e9, '٣')."""
    raw = raw.strip()
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 4):
        return None
    value = int(raw)
    return value if low <= value <= high else None


def split_subtitle(title: str) -> tuple[str, str]:
    """'Freud: His Life and His Mind' -> ('Freud', 'His Life and His Mind')."""
    for sep in (": ", " – ", " — ", " - "):
        head, found, tail = title.partition(sep)
        if found and head.strip() and tail.strip():
            return head, tail
    return title, ""


_DIGITS = re.compile(r"(?<![\w.,])\d{1,3}(?:,\d{3})+(?![\w.,]\d)|(?<![\w.,])\d{1,6}(?![\w.,]\d)")
_ONES = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
         "fifteen sixteen seventeen eighteen nineteen").split()
_TENS = "twenty thirty forty fifty sixty seventy eighty ninety".split()


def spell_number(n: int) -> str:
    """80 -> 'eighty', 20000 -> 'twenty thousand' (below a million), as titles spell them."""
    if n < 20:
        return _ONES[n]
    if n < 100:
        return _TENS[n // 10 - 2] + ("" if n % 10 == 0 else " " + _ONES[n % 10])
    if n < 1000:
        rest = n % 100
        return _ONES[n // 100] + " hundred" + (" and " + spell_number(rest) if rest else "")
    rest = n % 1000
    return spell_number(n // 1000) + " thousand" + (" " + spell_number(rest) if rest else "")


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
    if any(ch.isdigit() for ch in text):  # "around the world in 80 days"
        spelled = _DIGITS.sub(lambda m: spell_number(int(m.group().replace(",", ""))), text)
        if spelled != text:
            out.append(Reading(spelled))
    for reading in list(out):
        # "war and peace (tolstoy)", "The Hobbit (Middle-earth Universe, #0) by J.R.R. Tolkien":
        # a trailing note may name the author or the series; it is no part of the title.
        match = TRAILING_PARENS.search(reading.title)
        if match and match.start() > 0:
            title = reading.title[:match.start()]
            out.insert(1, Reading(title, reading.hint, True) if reading.hint
                       else Reading(title, match.group(1)))
    return list(dict.fromkeys(out))[:8]
