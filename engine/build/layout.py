"""2-D coordinates of the book and page vectors, computed once at build time for the maps.

t-SNE (openTSNE, FFT gradients) on the k-nearest-neighbour graph that the Annoy index already
answers, with uniform affinities and a mild exaggeration in the second phase, which draws
clusters much as UMAP does. Chosen by measurement on the shared model (35,682 linked books,
2 busy cores): umap-learn spent ~14 CPU-s compiling numba kernels in every fresh process plus
~10 CPU-s optimising; openTSNE with 100 + 150 iterations took ~10 CPU-s and gave a map as
readable. The kNN graph from Annoy adds ~3 CPU-s. Rows outside `keep` (books without links,
whose vectors were never trained) get NaN coordinates: they have no place on a map.
"""

from __future__ import annotations

import numpy as np
from annoy import AnnoyIndex

from engine.model_dir import BOOK_MAP

NEIGHBOURS = 15
# Annoy nodes inspected per query: the layout needs good neighbours, not exact ones. Measured
# on the shared model (100 trees): 400 finds ~80% of the exact top-15 at ~0.2 ms a query.
SEARCH_K = 400
EARLY_ITERATIONS = 100  # at exaggeration 12: clusters form
LATE_ITERATIONS = 150  # at LATE_EXAGGERATION: clusters settle
LATE_EXAGGERATION = 3.0


def neighbour_graph(annoy: AnnoyIndex, rows: np.ndarray, k: int = NEIGHBOURS,
                    search_k: int = SEARCH_K) -> tuple[np.ndarray, np.ndarray]:
    """The k nearest kept rows of each kept row (itself excluded), as positions in `rows`,
    with squared-chord distances (monotone in cosine). Short rows are padded by repeating."""
    position = np.full(annoy.get_n_items(), -1, dtype=np.int64)
    position[rows] = np.arange(len(rows))
    indices = np.empty((len(rows), k), dtype=np.int64)
    distances = np.empty((len(rows), k), dtype=np.float32)
    for r, item in enumerate(rows.tolist()):
        ids, dist = annoy.get_nns_by_item(item, k + 8, search_k=search_k, include_distances=True)
        hits = [(position[i], d) for i, d in zip(ids, dist, strict=True)
                if i != item and position[i] >= 0][:k]
        if not hits:  # an isolated row: its own nearest neighbour is the next row
            hits = [((r + 1) % len(rows), 2.0)]
        hits += hits[-1:] * (k - len(hits))
        indices[r] = [h[0] for h in hits]
        distances[r] = [h[1] * h[1] / 2 for h in hits]
    return indices, distances


def project(vectors: np.ndarray, annoy: AnnoyIndex, keep: np.ndarray | None = None, seed: int = 0,
            k: int = NEIGHBOURS) -> np.ndarray:
    """(n, 2) float32 map coordinates of `vectors` (the rows of `annoy`);
    NaN for rows not in `keep`."""
    n = len(vectors)
    keep = np.ones(n, dtype=bool) if keep is None else np.asarray(keep, dtype=bool)
    rows = np.flatnonzero(keep)
    out = np.full((n, 2), np.nan, dtype=np.float32)
    if len(rows) < 4:  # nothing to arrange; t-SNE needs a few neighbours per row
        out[rows] = np.column_stack([np.arange(len(rows)), np.zeros(len(rows))])
        return out
    from openTSNE import TSNEEmbedding, affinity, initialization
    from openTSNE.nearest_neighbors import PrecomputedNeighbors

    # On a handful of rows 15 neighbours link nearly everything to everything and the layout
    # collapses to a point; a quarter of the rows keeps small maps apart.
    k = min(k, max(2, (len(rows) - 1) // 4))
    indices, distances = neighbour_graph(annoy, rows, k)
    data = np.asarray(vectors[rows], dtype=np.float32)
    affinities = affinity.Uniform(k_neighbors=k, knn_index=PrecomputedNeighbors(indices, distances))
    start = initialization.pca(data, random_state=seed)
    embedding = TSNEEmbedding(start, affinities, negative_gradient_method="fft", n_jobs=2,
                              random_state=seed)
    embedding = embedding.optimize(n_iter=EARLY_ITERATIONS, exaggeration=12, momentum=0.5)
    embedding = embedding.optimize(n_iter=LATE_ITERATIONS, exaggeration=LATE_EXAGGERATION,
                                   momentum=0.8)
    out[rows] = np.asarray(embedding, dtype=np.float32)
    return out


def describe() -> dict:
    """How the maps were made, for the manifest."""
    return {"method": "openTSNE", "affinity": "uniform kNN", "neighbours": NEIGHBOURS,
            "iterations": [EARLY_ITERATIONS, LATE_ITERATIONS],
            "late_exaggeration": LATE_EXAGGERATION, "file": BOOK_MAP}
