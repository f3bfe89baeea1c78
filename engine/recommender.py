"""The facade the bot calls. Loads a model directory without TensorFlow and answers in
milliseconds: `resolve`, `similar`, `similar_pages`, `books_about`, `recommend`."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine.errors import ModelDirError, WikishelfError
from engine.index import VectorIndex
from engine.model_dir import read_manifest
from engine.picks import HistoryItem, Pick, recommend_from_history
from engine.text import clean_link
from engine.titles import Resolution, TitleResolver

__all__ = ["Recommender", "Neighbour", "HistoryItem", "Pick", "Resolution"]


@dataclass(frozen=True)
class Neighbour:
    title: str
    similarity: float
    meta: dict


class UnknownTitle(WikishelfError):
    def __init__(self, text: str, resolution: Resolution):
        super().__init__(f"no book matches {text!r}")
        self.resolution = resolution


class Recommender:
    def __init__(self, model_dir: Path, manifest: dict, titles: list[str], meta: list[dict],
                 pages: list[str], book_vectors: np.ndarray, page_vectors: np.ndarray,
                 book_index: VectorIndex, page_index: VectorIndex):
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
        self.has_links = np.asarray([bool(m.get("linked", True)) for m in meta])
        self.resolver = TitleResolver(titles, [m.get("author", "") for m in meta])

    @classmethod
    def load(cls, model_dir: Path | str) -> Recommender:
        model_dir = Path(model_dir)
        manifest = read_manifest(model_dir)
        try:
            rows = json.loads((model_dir / "books.json").read_text(encoding="utf-8"))
            pages = json.loads((model_dir / "pages.json").read_text(encoding="utf-8"))
            # Memory-mapped: the OS shares the pages between processes and loads them lazily.
            book_vectors = np.load(model_dir / "book_vectors.npy", mmap_mode="r")
            page_vectors = np.load(model_dir / "page_vectors.npy", mmap_mode="r")
            dim = book_vectors.shape[1]
            book_index = VectorIndex(model_dir / "books.ann", dim)
            page_index = VectorIndex(model_dir / "pages.ann", dim)
        except (OSError, ValueError, KeyError) as exc:
            raise ModelDirError(model_dir, f"a file could not be read ({exc})") from None
        titles = [r.pop("title") for r in rows]
        if not (len(titles) == len(book_vectors) == len(book_index)
                and len(pages) == len(page_vectors) == len(page_index)):
            raise ModelDirError(model_dir, "catalog, vectors and indexes disagree in size")
        degrees = np.bincount(np.load(model_dir / "pairs.npy")[:, 0], minlength=len(titles))
        for row, degree in zip(rows, degrees, strict=True):
            row["linked"] = bool(degree)
        return cls(model_dir, manifest, titles, rows, pages, book_vectors, page_vectors,
                   book_index, page_index)

    # -- lookups --
    def resolve(self, text: str) -> Resolution:
        return self.resolver.resolve(text)

    def book_id(self, title_or_text: str) -> int:
        if title_or_text in self.title_to_id:
            return self.title_to_id[title_or_text]
        resolution = self.resolve(title_or_text)
        if not resolution.found:
            raise UnknownTitle(title_or_text, resolution)
        return resolution.book

    def resolve_page(self, text: str) -> int | None:
        key = clean_link(text or "")
        if key in self.page_to_id:
            return self.page_to_id[key]
        from rapidfuzz import fuzz, process

        match = process.extractOne(key, self.pages, scorer=fuzz.WRatio, score_cutoff=88)
        return match[2] if match else None

    def neighbour(self, book: int, similarity: float) -> Neighbour:
        return Neighbour(self.titles[book], round(float(similarity), 4), self.meta[book])

    # -- answers --
    def similar(self, title: str, k: int = 10) -> list[Neighbour]:
        """Nearest books by cosine, the book itself (and untrained books) excluded."""
        book = self.book_id(title)
        if not self.has_links[book]:
            return []
        hits = self.book_index.by_item(book, k + 1 + 4)
        out = [self.neighbour(i, s) for i, s in hits if i != book and self.has_links[i]]
        return out[:k]

    def similar_pages(self, page: str, k: int = 10) -> list[tuple[str, float]]:
        pid = self.resolve_page(page)
        if pid is None:
            raise WikishelfError(f"no Wikipedia page in the model matches {page!r}")
        hits = self.page_index.by_item(pid, k + 1)
        return [(self.pages[i], round(s, 4)) for i, s in hits if i != pid][:k]

    def books_about(self, page: str, k: int = 10) -> list[Neighbour]:
        """Books scoring highest with a page (book · page, the task the model was trained on)."""
        pid = self.resolve_page(page)
        if pid is None:
            raise WikishelfError(f"no Wikipedia page in the model matches {page!r}")
        scores = self.book_vectors @ self.page_vectors[pid]
        scores = np.where(self.has_links, scores, -np.inf)
        top = np.argpartition(-scores, k)[:k]
        top = top[np.argsort(-scores[top])]
        return [self.neighbour(int(i), scores[i]) for i in top]

    def recommend(self, history: list[HistoryItem], k: int = 10) -> list[Pick]:
        return recommend_from_history(self, history, k)
