"""A synthetic (book, page) graph at the article's full scale, for timing trainers where the
full 37,020-book link file is not available.

Real link graphs are skewed: a few pages ("english language", "novel") are linked by thousands of
books, most by a handful, and the article kept only pages linked at least 5 times. So pages get
Zipf weights, books log-normal ones, and every page starts with `min_page_degree` links.
"""

from __future__ import annotations

import numpy as np

ARTICLE_BOOKS = 37_020
ARTICLE_PAGES = 38_550
ARTICLE_PAIRS = 768_821


def skewed_graph(n_books: int = ARTICLE_BOOKS, n_pages: int = ARTICLE_PAGES,
                 n_pairs: int = ARTICLE_PAIRS, zipf: float = 1.0, min_page_degree: int = 5,
                 seed: int = 0) -> np.ndarray:
    """(n_pairs, 2) int32 distinct (book, page) pairs, sorted."""
    if n_pairs > n_books * n_pages or min_page_degree * n_pages > n_pairs:
        raise ValueError("the graph cannot hold that many pairs")
    rng = np.random.default_rng(seed)
    book_p = rng.lognormal(0.0, 1.0, n_books)
    book_p /= book_p.sum()
    page_p = 1.0 / np.arange(1, n_pages + 1) ** zipf
    rng.shuffle(page_p)
    page_p /= page_p.sum()
    floor_pages = np.repeat(np.arange(n_pages, dtype=np.int64), min_page_degree)
    keys = np.unique(rng.choice(n_books, len(floor_pages), p=book_p) * n_pages + floor_pages)
    while len(keys) < n_pairs:
        need = n_pairs - len(keys)
        m = int(need * 1.2) + 1000
        drawn = rng.choice(n_books, m, p=book_p) * n_pages + rng.choice(n_pages, m, p=page_p)
        extra = np.setdiff1d(drawn, keys)  # distinct, and not already in the graph
        if len(extra) > need:
            extra = rng.choice(extra, need, replace=False)
        keys = np.union1d(keys, extra)
    return np.stack([keys // n_pages, keys % n_pages], axis=1).astype(np.int32)


def degree_summary(pairs: np.ndarray, n_pages: int) -> dict:
    degrees = np.sort(np.bincount(pairs[:, 1], minlength=n_pages))[::-1]
    top = max(len(degrees) // 100, 1)
    return {"max_page_degree": int(degrees[0]), "median_page_degree": float(np.median(degrees)),
            "top_1pct_pages_share_of_pairs": round(float(degrees[:top].sum() / degrees.sum()), 3)}
