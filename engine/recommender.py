"""The facade the bot calls. Loads a model directory without TensorFlow and answers in
milliseconds: `resolve`, `similar`, `similar_pages`, `books_about`, `recommend`.

Answers are plain lists. An empty one means "nothing to show"; `recommend` returns a PickList
whose `.reason` says why in one sentence. Text that names no book raises UnknownTitle (with the
Resolution, so the caller can offer its suggestions); a page no one links raises UnknownPage.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine.errors import ModelDirError, WikishelfError
from engine.index import DEFAULT_SEARCH_K, VectorIndex, load_annoy, top_k
from engine.model_dir import (
    check_annoy_file,
    open_pairs,
    open_vectors,
    read_json_list,
    read_manifest,
)
from engine.picks import HistoryItem, Pick, PickList, recommend_from_history
from engine.text import clean_link
from engine.titles import Resolution, TitleResolver

__all__ = ["Recommender", "Neighbour", "HistoryItem", "Pick", "PickList", "Resolution",
           "UnknownTitle", "UnknownPage", "WikishelfError", "ModelDirError"]

PAGE_MATCH_CUTOFF = 85  # rapidfuzz ratio: a typo or two; "evolutionary psychology" is not "…biology"


@dataclass(frozen=True)
class Neighbour:
    title: str
    similarity: float
    meta: dict


class UnknownTitle(WikishelfError):
    def __init__(self, text: str, resolution: Resolution):
        super().__init__(f"no book matches {text!r}")
        self.resolution = resolution


class UnknownPage(WikishelfError):
    def __init__(self, text: str):
        super().__init__(f"no Wikipedia page in the model matches {text!r}")
        self.text = text


def limit_blas_threads(threads: int) -> None:
    """Serving does one small matrix product per answer. On a busy 2-core machine OpenBLAS's
    thread pool made a 37k x 50 product ~40x slower at the median than one thread (bench.py)."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=threads, user_api="blas")


class Recommender:
    def __init__(self, model_dir: Path, manifest: dict, titles: list[str], meta: list[dict],
                 pages: list[str], book_vectors: np.ndarray, page_vectors: np.ndarray,
                 pairs: np.ndarray, book_index: VectorIndex, page_index: VectorIndex):
        self.model_dir = model_dir
        self.manifest = manifest
        self.titles = titles
        self.meta = meta
        self.pages = pages
        self.book_vectors = book_vectors
        self.page_vectors = page_vectors
        self.book_index = book_index
        self.page_index = page_index
        self.title_to_id = {t: i for i, t in enumerate(titles)}
        self.page_to_id = {p: i for i, p in enumerate(pages)}
        degrees = np.bincount(pairs[:, 0], minlength=len(titles))
        # A book with no kept links was never trained: its vector is noise, so it is never
        # an answer (and asking about it gets an empty list).
        self.has_links = degrees > 0
        self.series_links = _series_links(pairs, pages)
        # Pairs sorted by page: the books that really link a page, for books_about.
        by_page = np.argsort(pairs[:, 1], kind="stable")
        self._linkers = pairs[by_page, 0]
        self._linker_starts = np.searchsorted(pairs[by_page, 1], np.arange(len(pages) + 1))
        self.resolver = TitleResolver(titles, [m.get("author", "") for m in meta],
                                      degrees.tolist())

    @classmethod
    def load(cls, model_dir: Path | str, blas_threads: int | None = 1) -> Recommender:
        """Load a model directory read-only (vectors and Annoy files memory-mapped), or raise
        ModelDirError naming the build command. `blas_threads` caps numpy's BLAS pool for the
        whole process (None leaves it alone)."""
        model_dir = Path(model_dir)
        manifest = read_manifest(model_dir)
        rows = read_json_list(model_dir, "books.json")
        pages = read_json_list(model_dir, "pages.json")
        counts = manifest.get("counts", {})
        if counts.get("books", len(rows)) != len(rows) or counts.get("pages", len(pages)) != len(pages):
            raise ModelDirError(model_dir, "books.json/pages.json disagree with the manifest counts")
        if not all(isinstance(r, dict) and isinstance(r.get("title"), str) for r in rows):
            raise ModelDirError(model_dir, "books.json has rows without a title")
        book_vectors = open_vectors(model_dir, "book_vectors.npy", len(rows))
        dim = book_vectors.shape[1]
        page_vectors = open_vectors(model_dir, "page_vectors.npy", len(pages), dim)
        pairs = open_pairs(model_dir, len(rows), len(pages))
        search_k = int(manifest.get("index", {}).get("search_k", DEFAULT_SEARCH_K))
        annoys = []
        for name, n in (("books.ann", len(rows)), ("pages.ann", len(pages))):
            path = check_annoy_file(model_dir, name, n, dim)
            try:
                annoys.append(load_annoy(path, dim))
            except OSError as exc:
                raise ModelDirError(model_dir, f"{name} cannot be loaded ({exc})") from None
        if annoys[0].get_n_items() != len(rows) or annoys[1].get_n_items() != len(pages):
            raise ModelDirError(model_dir, "the Annoy indexes and the catalog disagree in size")
        untrained = np.bincount(pairs[:, 0], minlength=len(rows)) == 0
        book_index = VectorIndex(book_vectors, annoys[0], search_k, excluded=untrained)
        page_index = VectorIndex(page_vectors, annoys[1], search_k)
        if blas_threads:
            limit_blas_threads(blas_threads)
        titles = [r.pop("title") for r in rows]
        return cls(model_dir, manifest, titles, rows, pages, book_vectors, page_vectors, pairs,
                   book_index, page_index)

    # -- lookups --
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

    def neighbour(self, book: int, similarity: float) -> Neighbour:
        return Neighbour(self.titles[book], round(float(similarity), 4), self.meta[book])

    def _k(self, k) -> int:
        return max(0, min(int(k), len(self.titles)))

    # -- answers --
    def similar(self, title: str, k: int = 10) -> list[Neighbour]:
        """Nearest books by cosine, the book itself and untrained books excluded. Empty when the
        book itself has no links (nothing is known to be near it)."""
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
        linkers = self._linkers[self._linker_starts[pid]:self._linker_starts[pid + 1]]
        ranking[linkers] += 2.0  # cosines lie in [-1, 1]: +2 puts every linker above the rest
        return [self.neighbour(int(i), scores[i]) for i in top_k(ranking, k)
                if np.isfinite(ranking[i])]

    def recommend(self, history: list[HistoryItem], k: int = 10) -> PickList:
        """Personalised picks; see engine.picks for the rules. An empty or unusable history gives
        an empty PickList whose `.reason` says what to do."""
        return recommend_from_history(self, history, self._k(k))


def _series_links(pairs: np.ndarray, pages: list[str]) -> dict[int, str]:
    """Books linking a page that names a series ('category:alex cross (novel series)')."""
    series_pages = [i for i, p in enumerate(pages) if "series" in p and p != "book series"]
    out: dict[int, str] = {}
    for book, page in pairs[np.isin(pairs[:, 1], series_pages)]:
        out.setdefault(int(book), pages[int(page)])
    return out
