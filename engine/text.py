"""Text cleaning and folding, in one place: display titles, link names, infobox values, and the
folded keys that catalog titles and typed text are matched by."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

_SPACES = re.compile(r"\s+")
# The upstream table pads quotes: `Behind  " The Lord of the Rings "` -> `Behind "The Lord of the Rings"`.
_PADDED_QUOTE = re.compile(r'"\s*([^"]*?)\s*"')
_SPACE_BEFORE_PUNCT = re.compile(r'"\s+([:;,.!?])')


def clean_title(raw: str) -> str:
    """A Wikipedia article title as people read it: single spaces, tidy quotes."""
    text = _SPACES.sub(" ", raw).strip()
    if '"' in text:
        text = _PADDED_QUOTE.sub(r'"\1"', text)
        text = _SPACE_BEFORE_PUNCT.sub(r'"\1', text)
    return text


def clean_link(raw: str) -> str:
    """A link name as the article's cleaning keeps it: lowercase, single spaces."""
    return _SPACES.sub(" ", raw.replace("_", " ")).strip().lower()


def wikipedia_url(title: str) -> str:
    return "https://en.wikipedia.org/wiki/" + quote(title.replace(" ", "_"), safe="()_,'!:-.")


def display_name(lowercased: str) -> str:
    """'j. r. r. tolkien' -> 'J. R. R. Tolkien'; infobox values arrive lowercased."""
    return " ".join(w[:1].upper() + w[1:] for w in lowercased.split(" "))


def strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


# Wiki markup left in infobox values: comments, references, line breaks, other tags.
_COMMENT = re.compile(r"<\s*!--.*?(--\s*>|$)", re.S)
_REF = re.compile(r"<\s*ref[^>]*?(/\s*>|>.*?<\s*/\s*ref\s*>|$)", re.S | re.I)
_BREAK = re.compile(r"<\s*br\s*/?\s*>", re.I)
_TAG = re.compile(r"<[^>]*>?")


def clean_infobox_value(raw: str) -> str:
    """'Richard Cook < br > Brian Morton < !-- x -- >' -> 'Richard Cook, Brian Morton'."""
    text = _COMMENT.sub(" ", raw)
    text = _REF.sub(" ", text)
    text = _BREAK.sub(", ", text)
    text = _TAG.sub(" ", text)
    text = _SPACES.sub(" ", text).strip()
    text = re.sub(r"\s*,(\s*,)*", ",", text).replace(",", ", ")
    return _SPACES.sub(" ", text).strip(" ,")


# ---------------------------------------------------------------- folding for matching
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
