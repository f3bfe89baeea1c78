"""Text cleaning, in one place: display titles, link names, and keys for matching."""

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
