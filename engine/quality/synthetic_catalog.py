"""A synthetic model directory at the size today's Wikipedia will give: 100,000 books with
300,000 aliases and vectors of the shipped dimension, to measure serving where no such catalog
exists yet.

Titles are grown from a real catalog's titles (word bigrams, so lengths, words, capitals and
Unicode follow the real distribution and many titles share words), with series of numbered
books; aliases take the shapes Wikipedia redirects have (short title, disambiguated title,
"&"/"and", lower case). The real titles stay in the catalog too. Vectors are clustered like a
catalog's (many small neighbourhoods) and each neighbourhood shares pages and authors, so the
evidence cut finds real evidence; the rest of the links are Zipf-skewed as in the real graph.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from engine.model_dir import ModelWriter
from engine.serve.derived import serving_tables
from engine.text import normalise

BOOKS = 100_000
ALIASES_PER_BOOK = 3
LINKS_PER_BOOK = 24  # the fresh catalog's full-link density (≈ 1.2 M pairs for 50,000 books)
SERIES_SHARE = 0.05  # books that belong to a numbered series
_END = ""


def grow_titles(seed_titles: Sequence[str], n: int, rng: np.random.Generator) -> list[str]:
    """`n` distinct titles: the seed titles, then word-bigram walks over them, then series."""
    follows: dict[str, list[str]] = defaultdict(list)
    for title in seed_titles:
        words = title.split()
        for a, b in zip([_END, *words], [*words, _END], strict=True):
            follows[a].append(b)
    lengths = np.asarray([len(t.split()) for t in seed_titles])
    out = list(dict.fromkeys(seed_titles))[:n]
    seen = {normalise(t) for t in out}
    n_series = int(n * SERIES_SHARE)
    tries = 20 * n  # a small seed has few distinct walks: series fill what walks cannot
    while len(out) < n - n_series and tries:
        tries -= 1
        cap = int(rng.choice(lengths)) + 1
        word, words = _END, []
        while len(words) < cap:
            options = follows[word]
            word = options[int(rng.integers(len(options)))]
            if word == _END:
                break
            words.append(word)
        title = " ".join(words)
        if title and normalise(title) not in seen:
            seen.add(normalise(title))
            out.append(title)
    volumes: dict[str, int] = defaultdict(int)  # books so far in each series
    while len(out) < n:
        root = out[int(rng.integers(len(out)))].split(":")[0]
        for _ in range(int(rng.integers(3, 9))):
            volumes[root] += 1
            title = f"{root}: Book {volumes[root]}"
            if len(out) < n and normalise(title) not in seen:
                seen.add(normalise(title))
                out.append(title)
    return out


def alias_shapes(title: str, author: str) -> list[str]:
    """Redirect-like other names of a title, best first."""
    head = title.split(":")[0].strip()
    names = [w for w in author.split() if w.isalpha()]
    surname = names[-1] if names else "Anonymous"
    shapes = [head if head != title else "", f"{title} (novel)",
              title.replace(" and ", " & ") if " and " in title else "",
              f"{title} ({surname} novel)", f"{title} (book)", f"{surname}'s {title}"]
    return [s for s in dict.fromkeys(shapes) if s and s != title]


def make_aliases(titles: Sequence[str], authors: Sequence[str], per_book: int) -> dict[str, str]:
    """`per_book` aliases a book where its shapes allow, none folding onto a catalog title or
    onto another book's alias."""
    taken = {normalise(t) for t in titles}
    aliases: dict[str, str] = {}
    for title, author in zip(titles, authors, strict=True):
        made = 0
        for alias in alias_shapes(title, author):
            key = normalise(alias)
            if made < per_book and key not in taken:
                taken.add(key)
                aliases[alias] = title
                made += 1
    return aliases


CLUSTER = 40  # books per neighbourhood
CLUSTER_PAGES = 12  # pages a neighbourhood's books share (its authors, topics, genre)
AUTHORS_PER_CLUSTER = 3


def clustered_vectors(clusters: np.ndarray, dim: int, rng: np.random.Generator) -> np.ndarray:
    """Unit vectors around one centre per cluster label."""
    centres = rng.normal(size=(int(clusters.max()) + 1, dim)).astype(np.float32)
    v = centres[clusters] + 0.35 * rng.normal(size=(len(clusters), dim)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def linked_pairs(clusters: np.ndarray, n_pages: int, per_book: int, rng: np.random.Generator
                 ) -> np.ndarray:
    """Distinct (book, page) pairs: half of a book's links go to its neighbourhood's own pages
    (the first pages, CLUSTER_PAGES per cluster), half to pages drawn Zipf-skewed from the rest,
    so that a few pages ("United States") are linked by thousands, as in the real graph."""
    n_books = len(clusters)
    own = clusters[:, None] * CLUSTER_PAGES + rng.integers(0, CLUSTER_PAGES, (n_books, per_book // 2))
    first_free = (int(clusters.max()) + 1) * CLUSTER_PAGES
    weights = 1.0 / np.arange(1, n_pages - first_free + 1)
    spread = first_free + rng.choice(n_pages - first_free, (n_books, per_book - per_book // 2),
                                     p=weights / weights.sum())
    pages = np.concatenate([own, spread], axis=1)
    keys = np.unique(np.arange(n_books, dtype=np.int64)[:, None] * n_pages + pages)
    return np.stack([keys // n_pages, keys % n_pages], axis=1).astype(np.int32)


def write_synthetic_model(out: Path, seed_titles: Sequence[str], seed_authors: Sequence[str],
                          n_books: int = BOOKS, dim: int = 64, n_trees: int = 100,
                          seed: int = 0) -> dict:
    """Write a servable model directory at `out`; returns its manifest."""
    rng = np.random.default_rng(seed)
    titles = grow_titles(seed_titles, n_books, rng)
    clusters = rng.integers(0, max(n_books // CLUSTER, 1), n_books)
    authors = [a for a in seed_authors if a] or ["Anonymous"]
    cluster_authors = rng.integers(0, len(authors), (int(clusters.max()) + 1, AUTHORS_PER_CLUSTER))
    meta = []
    for title, cluster in zip(titles, clusters, strict=True):
        row = {"author": authors[int(rng.choice(cluster_authors[cluster]))]}
        if ": Book " in title:
            row["series"] = title.split(": Book ")[0]
        meta.append(row)
    n_pages = int(n_books * 1.6)
    pages = [f"Page {i}" for i in range(n_pages)]
    pairs = linked_pairs(clusters, n_pages, LINKS_PER_BOOK, rng)
    page_clusters = np.concatenate([np.repeat(np.arange(int(clusters.max()) + 1), CLUSTER_PAGES),
                                    rng.integers(0, int(clusters.max()) + 1, n_pages)])[:n_pages]
    aliases = make_aliases(titles, [m["author"] for m in meta], ALIASES_PER_BOOK)
    with ModelWriter(Path(out)) as writer:
        writer.write_catalog(titles, meta, pages, pairs)
        pools = writer.write_vectors(clustered_vectors(clusters, dim, rng),
                                     clustered_vectors(page_clusters, dim, rng), n_trees, seed)
        writer.write_aliases(aliases)
        writer.write_serving_tables(serving_tables(titles, meta, pages, pairs, aliases,
                                                   pools=pools))
        return writer.commit({"counts": {"books": n_books, "pages": n_pages,
                                         "pairs": int(len(pairs)), "aliases": len(aliases)},
                              "source": "synthetic (engine/quality/synthetic_catalog.py)",
                              "params": {"dim": dim, "seed": seed}})
