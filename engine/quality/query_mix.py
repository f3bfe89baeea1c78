"""Honest query mixes for the serving benchmark: what readers type, drawn at random from the
catalog itself rather than from a curated list, in stated proportions.

A curated set flatters the resolver (it holds the titles someone already looked at); these mixes
damage random catalog titles the ways people do, so the latency tail is the catalog's tail.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from engine.text import normalise

# Share of each kind in the typed mix. Exact and lower-case titles are what most readers type or
# paste; typos and partial titles are the next most common; the rest are rarer habits. "absent"
# queries name no catalog book and must not be matched.
MIX = {
    "exact": 0.15, "case": 0.15, "typo": 0.20, "missing_article": 0.05, "partial": 0.10,
    "title_author": 0.10, "trailing_rating": 0.10, "unicode": 0.05, "absent": 0.10,
}
HISTORY_SIZES = (1, 10, 50, 200)
_ARTICLES = ("the ", "a ", "an ")
_UNICODE_SWAPS = {"'": "’", '"': "”", "-": "–", "&": "and", " and ": " & "}


@dataclass(frozen=True)
class TypedQuery:
    kind: str
    text: str
    expected: str | None  # the catalog title meant; None for an "absent" query


def _typo(text: str, rng: np.random.Generator, edits: int) -> str:
    """`edits` random deletions, substitutions, transpositions or insertions on letters (an
    edit that changes nothing, such as swapping "ll", is drawn again)."""
    for _ in range(20):
        typed = _edit(text, rng, edits)
        if typed != text:
            return typed
    return text + "x"


def _edit(text: str, rng: np.random.Generator, edits: int) -> str:
    chars = list(text)
    for _ in range(edits):
        letters = [i for i, ch in enumerate(chars) if ch.isalpha()]
        if not letters:
            break
        i = int(rng.choice(letters))
        op = int(rng.integers(4))
        letter = chr(int(rng.integers(ord("a"), ord("z") + 1)))
        if op == 0 and len(letters) > 3:
            del chars[i]
        elif op == 1:
            chars[i] = letter
        elif op == 2 and i + 1 < len(chars):
            chars[i], chars[i + 1] = chars[i + 1], chars[i]
        else:
            chars.insert(i, letter)
    return "".join(chars)


def _unicode_variant(text: str, rng: np.random.Generator) -> str:
    """The same title as another keyboard or phone writes it: curly quotes, dashes, '&',
    decomposed accents, or accents dropped."""
    for plain, fancy in _UNICODE_SWAPS.items():
        if plain in text:
            return text.replace(plain, fancy)
    if any(ord(ch) > 127 for ch in text):
        if rng.random() < 0.5:
            return unicodedata.normalize("NFD", text)
        return "".join(ch for ch in unicodedata.normalize("NFD", text)
                       if not unicodedata.combining(ch))
    return text.replace(" ", "  ", 1).upper()  # no quote or accent to change: shouting, spaced


def _absent(words: Sequence[str], keys: set[str], rng: np.random.Generator) -> str:
    """A plausible title made of catalog words that names no catalog book."""
    while True:
        size = int(rng.integers(2, 6))
        text = " ".join(str(words[int(i)]) for i in rng.integers(0, len(words), size))
        if normalise(text) not in keys:
            return text.title()


def typed_mix(titles: Sequence[str], authors: Sequence[str], n: int, seed: int = 0,
              mix: dict[str, float] = MIX) -> list[TypedQuery]:
    """`n` typed queries, kinds drawn in `mix`'s proportions, each damaging a title drawn at
    random from the whole catalog. Titles keep their disambiguator off ("Dune (novel)" is typed
    "dune"), as readers never type it."""
    rng = np.random.default_rng(seed)
    kinds = list(mix)
    weights = np.asarray([mix[k] for k in kinds], dtype=float)
    drawn = rng.choice(len(kinds), n, p=weights / weights.sum())
    keys = {normalise(t) for t in titles}
    words = sorted({w for t in titles[:20_000] for w in normalise(t).split() if len(w) > 2})
    with_article = [i for i, t in enumerate(titles) if t.lower().startswith(_ARTICLES)]
    out = []
    for kind_index in drawn:
        kind = kinds[int(kind_index)]
        pool = with_article if kind == "missing_article" and with_article else None
        book = int(rng.choice(pool) if pool else rng.integers(len(titles)))
        title = titles[book]
        typed = title.split(" (")[0] if title.endswith(")") and " (" in title else title
        if kind == "absent":
            out.append(TypedQuery(kind, _absent(words, keys, rng), None))
            continue
        if kind == "case":
            text = typed.lower()
        elif kind == "typo":
            text = _typo(typed.lower(), rng, int(rng.integers(1, 3)))
        elif kind == "missing_article":
            text = typed.split(" ", 1)[1] if " " in typed else typed
        elif kind == "partial":
            head = typed.split(":")[0]
            parts = head.split()
            text = " ".join(parts[:max(2, len(parts) - 1)]) if len(parts) > 2 else head
        elif kind == "title_author":
            surname = (authors[book] or "").split(",")[0].split()[-1:] or [""]
            text = f"{typed} {surname[0]}".strip()
        elif kind == "trailing_rating":
            text = f"{typed.lower()} {int(rng.integers(1, 6))}"
        elif kind == "unicode":
            text = _unicode_variant(typed, rng)
        else:
            text = typed
        out.append(TypedQuery(kind, text, title))
    return out


def keystrokes(titles: Sequence[str], n_titles: int, seed: int = 0) -> list[str]:
    """Autocomplete queries as a reader types them, key by key: every prefix of `n_titles`
    random titles, lower-cased."""
    rng = np.random.default_rng(seed)
    out = []
    for book in rng.choice(len(titles), min(n_titles, len(titles)), replace=False):
        typed = titles[int(book)].lower()
        out.extend(typed[:end] for end in range(1, len(typed) + 1))
    return out


def random_histories(titles: Sequence[str], eligible: np.ndarray, count: int, size: int,
                     seed: int = 0) -> list[list]:
    """`count` reading histories of `size` books drawn at random from the `eligible` rows,
    most rated 1-5, read over about five years."""
    from engine.serve.picks import HistoryItem

    rng = np.random.default_rng(seed)
    start = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    size = min(size, len(eligible))
    return [[HistoryItem(titles[int(b)], int(rng.integers(1, 6)) if rng.random() < 0.8 else None,
                         start + dt.timedelta(days=int(rng.integers(0, 2000))))
             for b in rng.choice(eligible, size, replace=False)] for _ in range(count)]
