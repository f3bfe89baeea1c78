"""The facade the bot calls. Loads a model directory without TensorFlow and answers in
milliseconds: `resolve`, `similar`, `similar_pages`, `books_about`, `recommend`.

Answers are plain lists. An empty one means "nothing to show"; `recommend` returns a PickList
whose `.reason` says why in one sentence. Text that names no book raises UnknownTitle (with the
Resolution, so the caller can offer its suggestions); a page no one links raises UnknownPage.
"""

from __future__ import annotations

import gc
from collections.abc import Collection
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from engine.errors import ModelDirError, WikishelfError
from engine.model_dir import ModelFiles, open_model
from engine.serve.evidence import (
    CANDIDATE_POOL,
    KIN_BONUS,
    KNOWN_KIN_BONUS,
    RANK_BLEND,
    SHOWN_MIN_STRENGTH,
    STORED_EVIDENCE,
    Evidence,
    SharedPage,
)
from engine.serve.index import DEFAULT_SEARCH_K, VectorIndex, top_k
from engine.serve.kinship import STORED_KINSHIP, Kinship
from engine.serve.picks import (
    MAX_READS,
    HistoryItem,
    Pick,
    PickList,
    book_series,
    recommend_from_history,
)
from engine.serve.titles import KEY_RULES, Resolution, TitleResolver, stored_key_tables
from engine.text import clean_link

__all__ = ["Recommender", "Neighbour", "NeighbourList", "HistoryItem", "Pick", "PickList",
           "Resolution", "SharedPage", "UnknownTitle", "UnknownPage", "WikishelfError",
           "ModelDirError"]

PAGE_MATCH_CUTOFF = 85  # rapidfuzz ratio: a typo or two; "evolutionary psychology" is not "…biology"


@dataclass(frozen=True)
class Neighbour:
    title: str
    similarity: float
    meta: dict
    shared: tuple[SharedPage, ...] = ()  # the strongest pages both books link, strongest first
    evidence: float = 0.0  # the summed strength of every shared page
    kin: str | None = None  # "series" or "author" when the two books share one (kinship.py)
    weaker: bool = False  # a fallback pick: not close, the nearest sharing one strong-ish page


class NeighbourList(list):
    """A plain list of Neighbours, best first, plus `reason`: why it is shorter than asked, in one
    sentence (None when it is full)."""

    def __init__(self, items=(), reason: str | None = None):
        super().__init__(items)
        self.reason = reason


def few_matches_reason(found: int, weaker: bool = False) -> str:
    if weaker:
        return ("No close matches: these are only the nearest books sharing a Wikipedia page with "
                "it (weaker evidence, shown under each).")
    if found == 0:
        return ("No close matches: this book shares no specific Wikipedia page (an author, a "
                "series, a narrow genre) with another book.")
    return (f"Only {found} close match{'' if found == 1 else 'es'}: this book has few links "
            "shared with others.")


class UnknownTitle(WikishelfError):
    def __init__(self, text: str, resolution: Resolution):
        super().__init__(f"No book matches “{text}”.")
        self.resolution = resolution


class UnknownPage(WikishelfError):
    def __init__(self, text: str):
        super().__init__(f"No Wikipedia page in the model matches “{text}”.")
        self.text = text


def limit_blas_threads(threads: int) -> None:
    """Serving does one small matrix product per answer. On a busy 2-core machine OpenBLAS's
    thread pool made a 37k x 50 product ~40x slower at the median than one thread (bench.py)."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=threads, user_api="blas")


class Recommender:
    """Answers from one opened model directory (engine.model_dir.ModelFiles)."""

    def __init__(self, files: ModelFiles, book_index: VectorIndex, page_index: VectorIndex):
        self.files = files
        self.model_dir = files.directory
        self.manifest = files.manifest
        self.titles = files.titles
        self.meta = files.meta
        self.pages = files.pages
        self.book_vectors = files.book_vectors
        self.page_vectors = files.page_vectors
        self.book_index = book_index
        self.page_index = page_index
        self.title_to_id = {t: i for i, t in enumerate(self.titles)}
        self.page_to_id = {p: i for i, p in enumerate(self.pages)}
        pairs = files.pairs
        degrees = files.book_degrees()
        # A book with no kept links was never trained: its vector is noise, so it is never
        # an answer (and asking about it gets an empty list).
        self.has_links = degrees > 0
        self.series = book_series(self.meta, pairs, self.pages)
        # None for a model built before them, or by code with other folding rules.
        self.key_tables = self._stored("title_keys", KEY_RULES,
                                       lambda arrays: stored_key_tables(arrays, len(self.titles)),
                                       lambda: None)
        self.resolver = TitleResolver.for_catalog(
            self.titles, self.meta, degrees, None if self.key_tables else files.aliases,
            files.named_series, files.other_works, files.well_read, self.key_tables)

    @classmethod
    def load(cls, model_dir: Path | str, blas_threads: int | None = 1) -> Recommender:
        """Load a model directory read-only (vectors and Annoy files memory-mapped), or raise
        ModelDirError naming the build command. `blas_threads` caps numpy's BLAS pool for the
        whole process (None leaves it alone)."""
        files = open_model(model_dir)
        search_k = int(files.manifest.get("index", {}).get("search_k", DEFAULT_SEARCH_K))
        book_index = VectorIndex(files.book_vectors, files.book_annoy(), search_k,
                                 excluded=files.book_degrees() == 0, pools=files.book_pools)
        page_index = VectorIndex(files.page_vectors, files.page_annoy(), search_k)
        if blas_threads:
            limit_blas_threads(blas_threads)
        return cls(files, book_index, page_index)

    def warm(self) -> None:
        """Build every lazy index now, so no user's query pays for one, then move the loaded
        catalog out of the garbage collector's sight: it lives as long as the process, and a full
        collection walking it stalled answers by ~45 ms on the shared catalog (club picks p99
        91 -> 49 ms, measured in the session that added this)."""
        self.resolver.warm()
        _ = self.evidence, self.kinship, self.well_read
        linked = np.flatnonzero(self.has_links)[:MAX_READS]
        if len(linked):  # numpy's and the picks' first calls cost ~10 ms once: not a user's
            self.recommend([HistoryItem(self.titles[i]) for i in linked.tolist()], 10)
        gc.freeze()

    def find_book(self, title: str) -> int | None:
        """The row of an exact catalog title, else of what `resolve` finds; None if nothing."""
        try:
            return self.book_id(title)
        except UnknownTitle:
            return None

    # -- lookups --
    def canonical_title(self, title: str) -> str | None:
        """The catalog title a stored key names now: itself, or the book a redirect of that
        title points to; None when the catalog no longer has it. Exact only: a stored key is
        never moved to a look-alike."""
        if title in self.title_to_id:
            return title
        if self.key_tables:
            row = self.key_tables["raw"].get(title)
            return None if row is None else self.titles[row]
        return self.aliases.get(title)

    @property
    def aliases(self) -> dict[str, str]:
        """Every other name -> its catalog title (read from the model on first use)."""
        return self.files.aliases

    def resolve(self, text: str) -> Resolution:
        return self.resolver.resolve(text)

    def book_id(self, title_or_text: str) -> int:
        """The row of an exact catalog title, else of what `resolve` finds; UnknownTitle if none."""
        if title_or_text in self.title_to_id:
            return self.title_to_id[title_or_text]
        resolution = self.resolve(title_or_text)
        if not resolution.found:
            raise UnknownTitle(title_or_text, resolution)
        return resolution.book

    def page_id(self, text: str) -> int:
        """The row of a Wikipedia page by name (any case/spacing, small typos); UnknownPage if none."""
        key = clean_link(text if isinstance(text, str) else "")
        if key in self.page_to_id:
            return self.page_to_id[key]
        if key:
            from rapidfuzz import fuzz, process

            match = process.extractOne(key, self.pages, scorer=fuzz.ratio,
                                       score_cutoff=PAGE_MATCH_CUTOFF)
            if match:
                return match[2]
        raise UnknownPage(text)

    rank_blend = RANK_BLEND
    kin_bonus = KIN_BONUS
    known_kin_bonus = KNOWN_KIN_BONUS

    @cached_property
    def well_read(self) -> np.ndarray:
        """bool per book: among the titles readers know best (the model directory's list)."""
        known = np.zeros(len(self.titles), dtype=bool)
        known[[self.title_to_id[t] for t in self.files.well_read if t in self.title_to_id]] = True
        return known

    @cached_property
    def kinship(self) -> Kinship:
        """Books of one author or one series (built on first use, ~0.1 s on the shared catalog)."""
        return self._stored("kinship", STORED_KINSHIP,
                            lambda arrays: Kinship.stored(arrays, len(self.titles)),
                            lambda: Kinship.of_catalog(self.titles, self.meta, self.series))

    def kin_of(self, book: int) -> dict[int, str]:
        """The trained books of `book`'s author or series -> "series" / "author"."""
        return {i: kind for i, kind in self.kinship.of(book).items() if self.has_links[i]}

    @cached_property
    def evidence(self) -> Evidence:
        """Shared pages and their strengths, built from the pairs on first use (~0.1 s, < 1 MB
        for the shared catalog)."""
        return self._stored("evidence", STORED_EVIDENCE,
                            lambda arrays: Evidence.stored(self.files.pairs, len(self.titles),
                                                           self.pages, arrays),
                            lambda: Evidence.measured(self.files.pairs, self.meta, self.pages))

    def _stored(self, group: str, version: int, read, derive):
        """A group of the model's serving tables read back, or derived here when the model
        has none of this version; damaged tables are a ModelDirError."""
        arrays = self.files.serving_group(group, version)
        if arrays is None:
            return derive()
        try:
            return read(arrays)
        except ValueError as exc:
            raise ModelDirError(self.model_dir, f"its {group.replace('_', ' ')} tables are "
                                                f"damaged ({exc})") from None

    @property
    def pool_closeness(self) -> np.ndarray | None:
        """Per book, which of its pool (book_pools.npy) share enough evidence to vote for it,
        stored with this model's evidence (engine.serve.picks.neighbour_lists reads it)."""
        return self.evidence.close_mask if self.book_index.pools is not None else None

    def neighbour(self, book: int, similarity: float, of: int | None = None,
                  evidence: float = 0.0, kin: str | None = None, weaker: bool = False) -> Neighbour:
        shared = () if of is None else tuple(self.evidence.shared(of, book))
        if kin:  # the author or series is the reason: a country shared besides says nothing
            shared = tuple(p for p in shared if p.strength >= SHOWN_MIN_STRENGTH)
        return Neighbour(self.titles[book], round(float(similarity), 4), self.meta[book], shared,
                         round(float(evidence), 2), kin, weaker)


    def _k(self, k) -> int:
        return max(0, min(int(k), len(self.titles)))

    # -- answers --
    def similar(self, title: str, k: int = 10) -> NeighbourList:
        """The books shown as "like this", best first: among the CANDIDATE_POOL nearest by cosine
        (the book itself and untrained books excluded), those sharing enough evidence, plus the
        books of the same author or series; ranked by cosine + RANK_BLEND x evidence + KIN_BONUS
        for kin, each with its strongest shared pages (and `kin`). Shorter than k (with a
        `reason`) when fewer are close. With nothing close and no kin, the nearest books sharing
        one WEAKER_PAGE_MIN page, marked `weaker` and said so; empty when the book has no links
        or nothing honest can be said."""
        book = self.book_id(title)
        k = self._k(k)
        if not self.has_links[book] or k == 0:
            return NeighbourList()
        hits = self.book_index.by_item(book, max(k, CANDIDATE_POOL))
        kin = self.kin_of(book)
        kept = self.evidence.close_hits(book, hits, self.rank_blend, self._kin_scores(book, kin))[:k]
        if kept:
            reason = few_matches_reason(len(kept)) if len(kept) < min(k, len(hits)) else None
            return NeighbourList([self.neighbour(i, s, book, e, kin.get(i)) for i, s, e in kept],
                                 reason)
        weaker = self.evidence.weaker_hits(book, hits)[:k]
        if not weaker:
            return NeighbourList([], few_matches_reason(0) if hits else None)
        return NeighbourList([self.neighbour(i, s, book, e, weaker=True) for i, s, e in weaker],
                             few_matches_reason(len(weaker), weaker=True))

    def _kin_scores(self, book: int, kin: dict[int, str]) -> dict[int, tuple[float, float]]:
        """Kin book -> (cosine with `book`, its ranking bonus)."""
        vectors = np.asarray(self.book_vectors)
        ids = np.fromiter(kin, dtype=np.int64, count=len(kin))
        cosines = (vectors[ids] @ vectors[book]).tolist() if len(ids) else []
        bonus = self.kin_bonus + self.known_kin_bonus * self.well_read[ids]
        return {i: (c, float(b)) for i, c, b in zip(ids.tolist(), cosines, bonus, strict=True)}

    def nearest(self, title: str, k: int = 10) -> list[Neighbour]:
        """The k nearest books by cosine alone, no evidence cut (for measuring and maps)."""
        book = self.book_id(title)
        k = self._k(k)
        if not self.has_links[book] or k == 0:
            return []
        return [self.neighbour(i, s) for i, s in self.book_index.by_item(book, k)]

    def similar_pages(self, page: str, k: int = 10) -> list[tuple[str, float]]:
        """Nearest Wikipedia pages by cosine (the article's "pages closest to steven pinker")."""
        pid = self.page_id(page)
        k = max(0, min(int(k), len(self.pages)))
        return [(self.pages[i], round(s, 4)) for i, s in self.page_index.by_item(pid, k)]

    def books_about(self, page: str, k: int = 10) -> list[Neighbour]:
        """Books scoring highest with a page: book . page, the task the model was trained on.
        (Training flips the page vectors when the head learned a negative weight, so higher is
        always "more likely linked".) Books whose articles really link the page come first, in
        the model's order: on a page with few links the model's guesses are the weaker evidence."""
        pid = self.page_id(page)
        k = self._k(k)
        scores = np.asarray(self.book_vectors) @ np.asarray(self.page_vectors[pid])
        ranking = np.where(self.has_links, scores, -np.inf)
        linkers = self.evidence.books_of(pid)
        ranking[linkers] += 2.0  # cosines lie in [-1, 1]: +2 puts every linker above the rest
        return [self.neighbour(int(i), scores[i]) for i in top_k(ranking, k)
                if np.isfinite(ranking[i])]

    def recommend(self, history: list[HistoryItem], k: int = 10,
                  exclude: Collection[str] = ()) -> PickList:
        """Personalised picks; see engine.serve.picks for the rules. An empty or unusable history gives
        an empty PickList whose `.reason` says what to do. `exclude`: titles never to pick."""
        return recommend_from_history(self, history, self._k(k), exclude)
