"""The blind reader panel: wikishelf's `similar` lists against TF-IDF item-kNN's, judged side by
side by readers who see only titles and authors (docs/panel/README.md says how to run it).

    books    the fixed book list (docs/panel/books.txt) from goodbooks-10k and a model's catalog
    prepare  both systems' top-5 lists, the blinded sheets and the key that unblinds them
    score    the judges' verdict files, unblinded: win/tie/loss, a sign test, pick labels
"""

from __future__ import annotations

import argparse
import csv
import math
import random
import re
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine import settings
from engine.errors import WikishelfError
from engine.model_dir import ModelFiles, open_model
from engine.text import normalise, strip_article

PANEL_DIR = settings.PROJECT_ROOT / "docs" / "panel"
BOOKS_FILE = "books.txt"
LISTS_FILE = "lists.tsv"
KEY_FILE = "key.tsv"
SHEET = "sheet_{}.md"
VERDICTS = "verdict_*.tsv"
SYSTEMS = ("wikishelf", "tfidf")
PICKS = 5
CHUNKS = 4
BLIND_SEED = 12  # issue 12: the A/B order of every book
LABELS = ("good", "ok", "embarrassing")
PREFERENCES = ("A", "B", "tie")
VERDICT_COLUMNS = ("item", "A", "B", "prefer", "reason")


class PanelError(WikishelfError):
    """Bad panel input (a verdict file, a book list): the message says what and where."""


# ---------------------------------------------------------------- the fixed book list
PER_GENRE = 20
# A book's panel genre, from the catalog's free-text genre field: the first group with a word
# in it, in this order (so "science fantasy" is SF, "true crime" crime, "children's fantasy"
# children's); anything else, no genre included, is "other fiction".
GENRE_GROUPS = (
    ("children's", ("children", "picture book")),
    ("sf/fantasy", ("science fiction", "fantasy", "dystop", "apocalyp")),
    ("crime/thriller/horror", ("thriller", "mystery", "crime", "detective", "horror", "suspense")),
    ("non-fiction", ("biograph", "memoir", "non-fiction", "nonfiction", "essay", "self-help",
                     "history", "philosophy", "journalism", "travel")),
)
OTHER_GENRE = "other fiction"
_NOTE = re.compile(r"\s*\([^()]*\)$")  # "(novel)", "(Harry Potter, #1)"


def panel_genre(genre: str | None) -> str:
    text = (genre or "").lower()
    for name, words in GENRE_GROUPS:
        if any(word in text for word in words):
            return name
    return OTHER_GENRE


def _title_key(title: str) -> str:
    return strip_article(normalise(_NOTE.sub("", title)))


def _surname(authors: str) -> str:
    words = normalise(authors.split(",")[0]).split()
    return words[-1] if words else ""


def choose_books(goodbooks_rows: list[dict], titles: list[str], meta: list[dict],
                 degrees: np.ndarray, per_genre: int = PER_GENRE) -> list[str]:
    """The rule of docs/panel/README.md: Goodreads' most-rated books first; a book counts when
    its original title (else its Goodreads title) names exactly one catalog book, up to case,
    punctuation, a leading article and a disambiguator, whose author has the first Goodreads
    author's surname, and that book has links; one book per author; the first `per_genre` of
    each panel genre. Returned in Goodreads order, so every chunk of the list mixes genres."""
    by_key = defaultdict(list)
    for i, title in enumerate(titles):
        by_key[_title_key(title)].append(i)
    rows = sorted(goodbooks_rows, key=lambda r: -int(r["ratings_count"]))
    chosen, authors, taken = [], set(), Counter()
    for row in rows:
        surname = _surname(row["authors"])
        matches = []
        for name in (row["original_title"].strip(), row["title"].strip()):
            matches = [i for i in by_key.get(_title_key(name), []) if name and surname
                       and surname in normalise(meta[i].get("author", "")).split()]
            if matches:
                break
        if len(matches) != 1 or degrees[matches[0]] == 0 or surname in authors:
            continue
        book = matches[0]
        genre = panel_genre(meta[book].get("genre"))
        if taken[genre] == per_genre or titles[book] in chosen:
            continue
        taken[genre] += 1
        authors.add(surname)
        chosen.append(titles[book])
    return chosen


def read_goodbooks(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def read_books(path: Path) -> list[str]:
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
