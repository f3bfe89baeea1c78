"""Book clubs, one per server, without a transport: who joined, picks for the members, what the
club has read, who would like a book, the current book.

Privacy: only members who joined a server's club share their shelf there, and only while the
transport still sees them in that server (`present`: user key -> display name, given by the
adapter at each call, so someone who left the server is left out at once). Members are named by
their display names, never mentioned; the renderers escape those names.
"""

from __future__ import annotations

import asyncio
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence

import numpy as np

from bot import answers as a
from bot.service import ShelfService, clean_text, shared_labels
from engine.serve.group_picks import group_picks
from engine.serve.picks import HistoryItem

CLUB_SHELF_SHOWN = 10
WHO_SHOWN = 5
LIKED = 3  # ratings from this up (or none) count as liked when asking who would like a book
NOT_A_MEMBER = ("Join this server's club first with `!club join`: clubs use only the shelves of "
                "members who joined.")


class Clubs:
    def __init__(self, service: ShelfService):
        self.service = service  # its store, catalog and helpers
        self.store = service.store

    async def _members(self, guild: str, present: Mapping[str, str]) -> list[str]:
        """Joined members still in the server, earliest joined first."""
        return [m for m in await self.store.club_members(guild) if m in present]

    async def _check_member(self, guild: str, user: str, present) -> a.Problem | list[str]:
        members = await self._members(guild, present)
        return members if user in members else a.Problem(NOT_A_MEMBER)

    async def join(self, guild: str, user: str) -> a.Answer:
        changed = await self.store.join_club(guild, user)
        return a.ClubMembership(True, changed, len(await self.store.club_members(guild)))

    async def leave(self, guild: str, user: str) -> a.Answer:
        changed = await self.store.leave_club(guild, user)
        return a.ClubMembership(False, changed, len(await self.store.club_members(guild)))

    async def pick(self, guild: str, user: str, present: Mapping[str, str],
                   asked: Sequence[str] | None = None, k: int | None = None) -> a.Answer:
        """Picks for the joined members named in `asked` (user keys), or for the whole club."""
        members = await self._check_member(guild, user, present)
        if isinstance(members, a.Problem):
            return members
        notes = []
        if asked is not None:
            asked = list(dict.fromkeys(asked))
            outside = [present.get(m, "someone who is not in this server") for m in asked
                       if m not in members]
            if outside:
                notes.append("Not in the club (they can `club join`), so left out: "
                             + ", ".join(outside) + ".")
            members = [m for m in asked if m in members]
        if not members:
            return a.Problem(" ".join([*notes, "None of them is in the club, so there is "
                                                "nobody to pick for."]))
        histories, exclude = {}, set()
        for member in members:
            await self.service._follow_catalog(member)
            reads = await self.store.shelf(member)
            histories[member] = [HistoryItem(r.title, r.rating, r.read_at) for r in reads]
            exclude.update(await self.store.dismissed(member))
        picks = await self.service._engine(group_picks, self.service.rec, histories,
                                           self.service._clamp_k(k), sorted(exclude))
        if isinstance(picks, a.Problem):
            return picks
        for member, why in picks.unscored.items():
            notes.append(f"{present[member]}'s shelf cannot vote yet ({why.rstrip('.')}).")
        if picks.reason and (picks or not picks.unscored):
            notes.append(picks.reason)
        items = []
        for pick in picks:
            book = self.service.book(pick.title)
            first = next((titles[0] for titles in pick.because.values() if titles), None)
            shared = () if first is None else await asyncio.to_thread(self._shared, pick.title,
                                                                       first)
            items.append(a.ClubPick(book, [present[m] for m in pick.suits],
                                    {present[m]: titles for m, titles in pick.because.items()},
                                    shared))
        if not items:
            return a.Problem(" ".join(notes) or "Nothing to pick yet.")
        return a.ClubPicks(items, [present[m] for m in members], notes)

    def _shared(self, title: str, read: str) -> tuple[str, ...]:
        rec = self.service.rec
        ids = rec.title_to_id.get(title), rec.title_to_id.get(read)
        if None in ids:
            return ()
        return shared_labels(rec.evidence.shared(*ids), self.service.book(title),
                             self.service.book(read))

    async def shelf(self, guild: str, user: str, present: Mapping[str, str]) -> a.Answer:
        members = await self._check_member(guild, user, present)
        if isinstance(members, a.Problem):
            return members
        readers: Counter[str] = Counter()
        ratings: dict[str, list[int]] = defaultdict(list)
        for member in members:
            for read in await self.store.shelf(member):
                readers[read.title] += 1
                if read.rating is not None:
                    ratings[read.title].append(read.rating)
        most = sorted(readers.items(), key=lambda kv: (-kv[1], kv[0]))[:CLUB_SHELF_SHOWN]
        means = sorted(((t, sum(r) / len(r), len(r)) for t, r in ratings.items()),
                       key=lambda row: (-row[1], -row[2], row[0]))[:CLUB_SHELF_SHOWN]
        current = await self.store.club_book(guild)
        return a.ClubShelf(len(members), [(self.service.book(t), n) for t, n in most],
                           [(self.service.book(t), round(m, 2), n) for t, m, n in means],
                           self.service.book(current.title) if current else None)

    async def who(self, guild: str, user: str, present: Mapping[str, str], text: str
                  ) -> a.Answer:
        """The joined members whose liked reads sit closest to a book (for a buddy read)."""
        members = await self._check_member(guild, user, present)
        if isinstance(members, a.Problem):
            return members
        found = await self._title(text)
        if not isinstance(found, str):
            return found
        rec = self.service.rec
        target = rec.book_vectors[rec.title_to_id[found]]
        closest, read_it = [], []
        for member in members:
            reads = await self.store.shelf(member)
            if any(r.title == found for r in reads):
                read_it.append(present[member])
                continue
            liked = [rec.title_to_id[r.title] for r in reads
                     if r.title in rec.title_to_id and (r.rating is None or r.rating >= LIKED)]
            if liked:
                sims = _cosines(rec.book_vectors[liked], target)
                best = int(np.argmax(sims))
                closest.append((present[member], round(float(sims[best]), 2),
                                rec.titles[liked[best]]))
        closest.sort(key=lambda row: -row[1])
        return a.ClubWho(self.service.book(found), closest[:WHO_SHOWN], read_it)

    async def current(self, guild: str, user: str, present: Mapping[str, str], text: str = ""
                      ) -> a.Answer:
        """The club's current book; with a title, set it (members only)."""
        members = await self._check_member(guild, user, present)
        if isinstance(members, a.Problem):
            return members
        if not text.strip():
            book = await self.store.club_book(guild)
            return a.ClubCurrent(self.service.book(book.title) if book else None)
        found = await self._title(text)
        if not isinstance(found, str):
            return found
        await self.store.set_club_book(guild, found, user)
        return a.ClubCurrent(self.service.book(found), set_now=True)

    async def poll_won(self, guild: str, title: str, by: str) -> None:
        """A club poll ended with `title` ahead: it becomes the club's current book. The poll
        was the members' choice, so no member check; a server without a club gets none."""
        if await self.store.club_members(guild):
            await self.store.set_club_book(guild, title, by)

    async def _title(self, text: str) -> str | a.Answer:
        text = clean_text(text)
        if problem := self.service._check_text(text, "title"):
            return problem
        resolution = await self.service._resolve(text)
        if not resolution.found:
            return self.service._no_match(text, resolution)
        return resolution.title


def _cosines(rows: np.ndarray, target: np.ndarray) -> np.ndarray:
    rows = np.asarray(rows, dtype=np.float32)
    norms = np.linalg.norm(rows, axis=1) * (np.linalg.norm(target) or 1.0)
    return rows @ target / np.where(norms > 0, norms, 1.0)
