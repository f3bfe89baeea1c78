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


def topic_graph(n_books: int, n_pages: int, n_pairs: int, n_topics: int = 500,
                hub_share: float = 0.3, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A skewed graph with a planted answer, for judging a training setting by quality, not only
    by loss: each book and page has a topic; a link goes to a page of the book's own topic
    (Zipf-popular within it) or, with `hub_share`, to any page by global Zipf popularity (the
    countries and "novel" of real data). Returns ((n, 2) int32 distinct sorted pairs, the
    books' topics)."""
    rng = np.random.default_rng(seed)
    book_topic = rng.integers(0, n_topics, n_books)
    page_topic = rng.integers(0, n_topics, n_pages)
    popularity = 1.0 / np.arange(1, n_pages + 1)
    rng.shuffle(popularity)
    by_topic = [np.flatnonzero(page_topic == t) for t in range(n_topics)]
    topic_cdf = [np.cumsum(popularity[p]) / popularity[p].sum() for p in by_topic]
    global_cdf = np.cumsum(popularity) / popularity.sum()
    degree = rng.lognormal(0.0, 1.0, n_books)
    degree = np.maximum(1, np.round(degree * n_pairs / degree.sum())).astype(np.int64)
    keys = np.empty(0, np.int64)
    while len(keys) < n_pairs:  # draw in rounds until enough distinct pairs
        books = np.repeat(np.arange(n_books), degree)
        hub = rng.random(len(books)) < hub_share
        pages = np.searchsorted(global_cdf, rng.random(len(books)))
        for t in range(n_topics):  # topic draws, vectorised per topic
            rows = np.flatnonzero(~hub & (book_topic[books] == t))
            pages[rows] = by_topic[t][np.minimum(
                np.searchsorted(topic_cdf[t], rng.random(len(rows))), len(by_topic[t]) - 1)]
        keys = np.union1d(keys, books * n_pages + np.minimum(pages, n_pages - 1))
    keys = np.sort(rng.choice(keys, n_pairs, replace=False))
    return np.stack([keys // n_pages, keys % n_pages], axis=1).astype(np.int32), book_topic
