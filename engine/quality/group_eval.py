"""Simulated book clubs for choosing the group fairness rule (engine/serve/group_picks.py).

Each simulated reader's shelf is part of one or two author or series groups of the catalog (the
leave-one-out groups of metrics.py); the rest of those groups is held out. A club is 2-8 such
readers on disjoint books. A member is served when one of the club's top-k picks is among their
held-out books. Each club is split TRIALS times afresh, so every member has a hit rate, and the
club's worst-served member is the one with the lowest.

Beside the rules: `single_fixed` (the first member's own picks for everyone), `single_best` (in
hindsight, whichever member's own picks serve the club best: a reference no real rule can reach
without the answers) and `mean_vectors` (the nearest books to the mean vector of all the
members' reads).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from engine.quality.metrics import EvalCatalog
from engine.serve.group_picks import RULES, choose_books, score_members
from engine.serve.picks import HistoryItem, recommend_from_history

GROUP_SIZES = tuple(range(2, 9))
MAX_SHELF_PER_GROUP = 10  # as leave-one-out caps a history at 20
BASELINES = ("single_fixed", "single_best", "mean_vectors")


# Fresh read/held-out splits of each club: a member's hit rate is over these. With 4, a club of
# 7-8 had nearly always some member never served in so few splits, so the worst-served rate sat
# at 0 for every rule and the spread hid any difference; 8 lets it show.
TRIALS = 8


@dataclass
class SimulatedClub:
    tastes: list[list[np.ndarray]]  # per member: their one or two author/series groups

    def split(self, rng: np.random.Generator) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Per member: shelf (about half, at most MAX_SHELF_PER_GROUP, of each of their groups)
        and the held-out rest."""
        shelves, held = [], []
        for groups in self.tastes:
            read, rest = [], []
            for group in groups:
                books = rng.permutation(group)
                n_read = min(MAX_SHELF_PER_GROUP, max(1, len(books) // 2))
                read.append(books[:n_read])
                rest.append(books[n_read:])
            shelves.append(np.sort(np.concatenate(read)))
            held.append(np.sort(np.concatenate(rest)))
        return shelves, held


def simulated_clubs(groups: Sequence[np.ndarray], size: int, count: int,
                    rng: np.random.Generator) -> list[SimulatedClub]:
    """`count` clubs of `size` readers, each with one or two groups (even odds); no book is in
    two members' groups."""
    clubs = []
    for _ in range(count):
        used: set[int] = set()
        tastes = []
        for _ in range(size):
            wanted = 1 + int(rng.random() < 0.5)
            mine: list[np.ndarray] = []
            for _ in range(50 * wanted):  # redraw groups that overlap books already in the club
                group = groups[int(rng.integers(len(groups)))]
                if not used.intersection(group.tolist()):
                    mine.append(group)
                    used.update(group.tolist())
                    if len(mine) == wanted:
                        break
            tastes.append(mine)
        clubs.append(SimulatedClub(tastes))
    return clubs


def served(picked: Sequence[int], held: list[np.ndarray]) -> np.ndarray:
    """Per member: is one of the picks among their held-out books."""
    return HeldOut(held).served(picked)


class HeldOut:
    """A split's held-out books by owner, so each method's picks are looked up at once (no book
    is held out for two members of a club)."""

    def __init__(self, held: list[np.ndarray], n_books: int | None = None):
        top = max((int(h.max()) for h in held if len(h)), default=-1) + 1
        self.owner = np.full(max(top, n_books or 0), -1, dtype=np.int64)
        for member, books in enumerate(held):
            self.owner[books] = member
        self.members = len(held)

    def served(self, picked: Sequence[int]) -> np.ndarray:
        picked = np.asarray(list(picked), dtype=np.int64)
        owners = self.owner[picked[picked < len(self.owner)]]
        hits = np.zeros(self.members, dtype=bool)
        hits[owners[owners >= 0]] = True
        return hits


def _solo(catalog: EvalCatalog, history: list[HistoryItem], blocked: np.ndarray,
          k: int) -> list[int]:
    """A member's own picks (the single reader's recommender), minus the club's reads."""
    books = [catalog.title_to_id[p.title] for p in recommend_from_history(catalog, history, 2 * k)]
    return [b for b in books if not blocked[b]][:k]


def _mean_vector(vectors: np.ndarray, shelves: list[np.ndarray], allowed: np.ndarray,
                 k: int) -> list[int]:
    centre = vectors[np.concatenate(shelves)].mean(0)
    sims = np.where(allowed, vectors @ centre, -np.inf)
    top = np.argpartition(-sims, k)[:k]
    return top[np.lexsort((top, -sims[top]))].tolist()


def trial_results(catalog: EvalCatalog, vectors: np.ndarray, shelves: list[np.ndarray],
                  held: list[np.ndarray], k: int = 10) -> dict[str, np.ndarray]:
    """Per method: which members one split serves (a bool per member)."""
    titles = catalog.titles
    histories = [[HistoryItem(titles[b]) for b in shelf.tolist()] for shelf in shelves]
    scores = score_members(catalog, histories)
    answers = HeldOut(held, len(titles))
    out = {rule: answers.served(choose_books(catalog, scores, k, rule)[0]) for rule in RULES}
    solos = [answers.served(_solo(catalog, history, scores.blocked, k)) for history in histories]
    out["single_fixed"] = solos[0]
    # In hindsight: the member whose picks leave the worst-served member best off, then the most.
    out["single_best"] = max(solos, key=lambda s: (s.min(), s.mean()))
    out["mean_vectors"] = answers.served(
        _mean_vector(vectors, shelves, catalog.has_links & ~scores.blocked, k))
    return out


def evaluate_clubs(catalog: EvalCatalog, vectors: np.ndarray, clubs: Sequence[SimulatedClub],
                   rng: np.random.Generator, k: int = 10, trials: int = TRIALS) -> dict[str, dict]:
    """Per method: `member` (mean member hit rate) and `worst` (per club, the hit rate of its
    worst-served member over `trials` fresh splits; then the mean over clubs)."""
    member: dict[str, list[float]] = {}
    worst: dict[str, list[float]] = {}
    for club in clubs:
        rates: dict[str, np.ndarray] = {}
        for _ in range(trials):
            shelves, held = club.split(rng)
            for method, hits in trial_results(catalog, vectors, shelves, held, k).items():
                rates[method] = rates.get(method, 0) + hits / trials
        for method, rate in rates.items():
            member.setdefault(method, []).append(float(rate.mean()))
            worst.setdefault(method, []).append(float(rate.min()))
    return {m: {"member": float(np.mean(member[m])), "worst": float(np.mean(worst[m]))}
            for m in member}


def books_read(clubs_by_size: dict[int, list[SimulatedClub]]) -> np.ndarray:
    """Every book a shelf may hold: the neighbour table needs these."""
    books = [g for clubs in clubs_by_size.values() for c in clubs for t in c.tastes for g in t]
    return np.unique(np.concatenate(books)) if books else np.zeros(0, np.int64)
