"""The methods the embedding model is measured against, and the model itself, behind one small
interface: fit on (book, page) pairs, then score pages for books and books against books.

    fitted = METHOD.fit(pairs, n_books, n_pages, seed)
    fitted.page_scores(books)      native page scores, or None where a method has none
    fitted.book_similarity(books)  similarity rows over all books (drives neighbours and picks)

Any fitted method can also score pages through its book neighbours (`knn_page_scores`):
a page scores the summed similarity ** alpha of the k nearest books that link to it, with
each method's own (k, alpha) (`knn`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import sparse

KNN_NEIGHBOURS = 50
KNN_ALPHA = 1.0
# Each method scores pages through its own best (neighbours, alpha), chosen by one grid over
# k in {50, 100, 200} x alpha in {1, 2, ..., 16} on the held-out split (EVALUATION.md):
# flat cosines (the embedding's) want a sharp alpha, TF-IDF's spread-out cosines a milder one.


def link_matrix(pairs: np.ndarray, n_books: int, n_pages: int) -> sparse.csr_matrix:
    data = np.ones(len(pairs), dtype=np.float32)
    return sparse.csr_matrix((data, (pairs[:, 0], pairs[:, 1])), shape=(n_books, n_pages))


def unit_rows(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return (matrix / np.maximum(norms, 1e-12)).astype(np.float32)


@dataclass
class Fitted:
    links: sparse.csr_matrix  # the training links, books x pages
    book_vectors: np.ndarray | sparse.csr_matrix | None = None  # unit rows: cosine = dot
    page_vectors: np.ndarray | None = None  # native score = book_vectors @ page_vectors.T
    popularity: np.ndarray | None = None  # methods that rank the same list for everyone
    scoring_books: np.ndarray | None = None  # raw book factors for native scores, if not unit
    info: dict = field(default_factory=dict)

    @property
    def has_native(self) -> bool:
        return self.page_vectors is not None or self.popularity is not None

    def page_scores(self, books: np.ndarray) -> np.ndarray:
        if self.popularity is not None:
            return np.tile(self.links_per_page, (len(books), 1))
        books_side = self.book_vectors if self.scoring_books is None else self.scoring_books
        return np.asarray(books_side[books] @ self.page_vectors.T)

    @property
    def links_per_page(self) -> np.ndarray:
        return np.asarray(self.links.sum(0)).ravel()

    def book_similarity(self, books: np.ndarray) -> np.ndarray:
        if self.popularity is not None:
            return np.tile(self.popularity, (len(books), 1))
        sims = self.book_vectors[books] @ self.book_vectors.T
        return sims.toarray() if sparse.issparse(sims) else np.asarray(sims)

    def knn_page_scores(self, books: np.ndarray, k: int = KNN_NEIGHBOURS,
                        alpha: float = KNN_ALPHA) -> np.ndarray:
        """A page scores the summed sim ** alpha of the k nearest books linking to it: alpha > 1
        lets the closest neighbours outvote a crowd of distant ones."""
        sims = self.book_similarity(books).astype(np.float32)
        k = min(k, sims.shape[1] - 1)
        sims[np.arange(len(books)), books] = -np.inf
        linked = np.asarray(self.links.sum(1)).ravel() > 0
        sims[:, ~linked] = -np.inf
        top = np.argpartition(-sims, k - 1, axis=1)[:, :k]
        weights = np.take_along_axis(sims, top, 1)
        weights = np.where(np.isfinite(weights) & (weights > 0), weights, 0.0) ** alpha
        rows = np.repeat(np.arange(len(books)), k)
        mix = sparse.csr_matrix((weights.ravel(), (rows, top.ravel())),
                                shape=(len(books), self.links.shape[0]))
        return (mix @ self.links).toarray()


class Popularity:
    name = "popularity"

    def fit(self, pairs, n_books, n_pages, seed=0) -> Fitted:
        links = link_matrix(pairs, n_books, n_pages)
        degree = np.asarray(links.sum(1)).ravel()
        return Fitted(links, popularity=degree / max(degree.max(), 1))


class TfidfKnn:
    """Cosine between TF-IDF rows of the book x page matrix: hub pages (countries, languages)
    weigh little, rare shared pages a lot."""
    name = "tfidf_knn"
    knn = (200, 4.0)

    def fit(self, pairs, n_books, n_pages, seed=0) -> Fitted:
        links = link_matrix(pairs, n_books, n_pages)
        df = np.asarray(links.sum(0)).ravel()
        idf = np.log(n_books / np.maximum(df, 1)).astype(np.float32)
        weighted = links @ sparse.diags(idf)
        norms = np.sqrt(np.asarray(weighted.multiply(weighted).sum(1)).ravel())
        vectors = sparse.diags(1 / np.maximum(norms, 1e-12)) @ weighted
        return Fitted(links, book_vectors=sparse.csr_matrix(vectors, dtype=np.float32))


class ImplicitFactors:
    """implicit's ALS (BM25-weighted confidences) or BPR, books as users and pages as items."""

    def __init__(self, kind: str, factors: int = 50, iterations: int | None = None):
        self.kind, self.factors = kind, factors
        self.knn = (KNN_NEIGHBOURS, KNN_ALPHA)
        self.iterations = iterations or (15 if kind == "als" else 100)
        self.name = kind

    def fit(self, pairs, n_books, n_pages, seed=0) -> Fitted:
        from threadpoolctl import threadpool_limits

        links = link_matrix(pairs, n_books, n_pages)
        # implicit runs its own threads; a BLAS thread pool under it slows ALS down many times.
        with threadpool_limits(1, "blas"):
            model = self._train(links, seed)
        books = np.asarray(model.user_factors, dtype=np.float32)
        pages = np.asarray(model.item_factors, dtype=np.float32)
        # Native scores use the raw factors; neighbours use cosine between book factors.
        return Fitted(links, book_vectors=unit_rows(books), page_vectors=pages, scoring_books=books)

    def _train(self, links, seed):
        from implicit.als import AlternatingLeastSquares
        from implicit.bpr import BayesianPersonalizedRanking
        from implicit.nearest_neighbours import bm25_weight

        if self.kind == "als":
            model = AlternatingLeastSquares(factors=self.factors, regularization=0.05,
                                            iterations=self.iterations, random_state=seed)
            model.fit(bm25_weight(links, K1=100, B=0.8).tocsr(), show_progress=False)
        else:
            model = BayesianPersonalizedRanking(factors=self.factors, learning_rate=0.05,
                                                regularization=0.01, iterations=self.iterations,
                                                random_state=seed)
            model.fit(links, show_progress=False)
        return model


class Embedding:
    """The project's model: engine.build.training.train with the shipped TrainConfig."""
    name = "wikishelf"

    def __init__(self, config):
        from engine.build.training_config import RECIPE_KNN, recipe_of

        self.config = config
        # Mixed-in page vectors spread the cosines out, so the full-link recipe wants a milder
        # alpha (EVALUATION.md, full-link data).
        self.knn = RECIPE_KNN[recipe_of(config)]

    def fit(self, pairs, n_books, n_pages, seed=0) -> Fitted:
        from dataclasses import replace

        from engine.build.training import train

        config = replace(self.config, seed=seed)
        result = train(pairs, n_books, n_pages, config, progress=False, log=lambda *a: None)
        return Fitted(link_matrix(pairs, n_books, n_pages), book_vectors=result.book_vectors,
                      page_vectors=result.page_vectors,
                      info={"train_s": round(result.seconds, 1), "epochs_run": len(result.losses)})

