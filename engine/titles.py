"""Turning what people type into one catalog book (rapidfuzz over titles normalised once)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process, utils

from engine.text import strip_accents

_DISAMBIGUATOR = re.compile(r"\s*\([^)]*\)\s*$")


def normalise(text: str) -> str:
    """Case, accents, Unicode look-alikes, punctuation and spacing folded away."""
    text = unicodedata.normalize("NFKC", text)
    text = strip_accents(text)
    return utils.default_process(text)


@dataclass
class Resolution:
    status: str  # "found", "ambiguous" or "not_found"
    book: int | None = None
    title: str | None = None
    confidence: float = 0.0
    candidates: list[str] = field(default_factory=list)  # choices or suggestions

    @property
    def found(self) -> bool:
        return self.status == "found"


class TitleResolver:
    def __init__(self, titles: list[str], authors: list[str] | None = None,
                 popularity: list[float] | None = None):
        self.titles = titles
        self.authors = authors or [""] * len(titles)
        self.keys = [normalise(_DISAMBIGUATOR.sub("", t)) for t in titles]
        self.exact: dict[str, list[int]] = {}
        for i, key in enumerate(self.keys):
            self.exact.setdefault(key, []).append(i)

    def resolve(self, text: str, limit: int = 5) -> Resolution:
        query = normalise(text or "")
        if not query:
            return Resolution("not_found")
        hits = self.exact.get(query)
        if hits and len(hits) == 1:
            return Resolution("found", hits[0], self.titles[hits[0]], 1.0)
        if hits:
            return Resolution("ambiguous", candidates=[self.titles[i] for i in hits[:limit]])
        matches = process.extract(query, self.keys, scorer=fuzz.WRatio, limit=limit,
                                  processor=None, score_cutoff=60)
        if not matches:
            return Resolution("not_found")
        best_key, best_score, best = matches[0]
        if best_score >= 90:
            return Resolution("found", best, self.titles[best], best_score / 100)
        return Resolution("not_found", candidates=[self.titles[m[2]] for m in matches])

    def complete(self, prefix: str, limit: int = 25) -> list[str]:
        """Titles for an autocomplete box: prefix matches first, then fuzzy ones."""
        query = normalise(prefix or "")
        if not query:
            return []
        matches = process.extract(query, self.keys, scorer=fuzz.WRatio, limit=limit, processor=None)
        return [self.titles[m[2]] for m in matches]
