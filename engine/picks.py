"""Personalised picks from a reading history.

Each read book votes for its own neighbours (no single mean vector, so two interests stay two),
weighted by rating (low ratings vote against) and recency; every pick keeps the reads that voted
for it, and no author fills the list.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass, field


@dataclass(frozen=True)
class HistoryItem:
    title: str
    rating: int | None = None  # 1-5; None = read, no opinion
    when: dt.datetime | None = None


@dataclass
class Pick:
    title: str
    score: float
    because: list[str]
    meta: dict = field(default_factory=dict)


NEIGHBOURS_PER_READ = 50
HALF_LIFE_DAYS = 180
MAX_PER_AUTHOR = 2


def rating_weight(rating: int | None) -> float:
    """5 -> 1.0, 4 -> 0.6, None -> 0.5, 3 -> 0.2, 2 -> -0.6, 1 -> -1.0."""
    if rating is None:
        return 0.5
    return {5: 1.0, 4: 0.6, 3: 0.2, 2: -0.6, 1: -1.0}[int(rating)]


def recency_weight(when: dt.datetime | None, now: dt.datetime, rank: int) -> float:
    if when is None:  # fall back on the order of the history (newest first)
        return 0.5 ** (rank / 20)
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    days = max((now - when).total_seconds() / 86400, 0.0)
    return 0.5 ** (days / HALF_LIFE_DAYS)


def recommend_from_history(rec, history: list[HistoryItem], k: int = 10) -> list[Pick]:
    now = dt.datetime.now(dt.UTC)
    read_ids: dict[int, HistoryItem] = {}
    for item in history:
        try:
            read_ids[rec.book_id(item.title)] = item
        except Exception:  # a title from an older model: skip, never fail the whole list
            continue
    if not read_ids:
        return []
    ordered = sorted(read_ids.items(),
                     key=lambda kv: kv[1].when or dt.datetime.min.replace(tzinfo=dt.UTC),
                     reverse=True)
    scores: dict[int, float] = defaultdict(float)
    votes: dict[int, list[tuple[float, int]]] = defaultdict(list)
    for rank, (book, item) in enumerate(ordered):
        weight = rating_weight(item.rating) * recency_weight(item.when, now, rank)
        if not rec.has_links[book]:
            continue
        for cand, sim in rec.book_index.by_item(book, NEIGHBOURS_PER_READ + 1):
            if cand in read_ids or not rec.has_links[cand] or sim <= 0:
                continue
            contribution = weight * sim
            scores[cand] += contribution
            votes[cand].append((contribution, book))
    ranked = sorted((c for c in scores if scores[c] > 0), key=lambda c: -scores[c])
    picks: list[Pick] = []
    per_author: dict[str, int] = defaultdict(int)
    for cand in ranked:
        author = rec.meta[cand].get("author", "").lower()
        if author and per_author[author] >= MAX_PER_AUTHOR:
            continue
        per_author[author] += 1
        because = [rec.titles[b] for c, b in sorted(votes[cand], reverse=True) if c > 0][:3]
        picks.append(Pick(rec.titles[cand], round(math.fsum([scores[cand]]), 4), because,
                          rec.meta[cand]))
        if len(picks) == k:
            break
    return picks
