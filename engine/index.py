"""Annoy angular indexes over L2-normalised vectors: build, save, load memory-mapped, query.

On unit vectors Annoy's angular distance d relates to cosine by cos = 1 - d**2 / 2.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from annoy import AnnoyIndex

# Chosen by scripts/bench.py (tie-aware recall@10 against exact cosine on the shared model).
DEFAULT_TREES = 50
DEFAULT_SEARCH_K = 20_000


def build_index(vectors: np.ndarray, path: Path, n_trees: int = DEFAULT_TREES, seed: int = 0,
                skip: np.ndarray | None = None) -> None:
    """Write an index of every row. Rows flagged in `skip` (books with no links, whose vectors
    were never trained) get a zero vector, which Annoy scores at cosine 0; callers filter them."""
    index = AnnoyIndex(vectors.shape[1], "angular")
    index.set_seed(seed)
    for i, row in enumerate(vectors):
        index.add_item(i, row if skip is None or not skip[i] else np.zeros_like(row))
    index.build(n_trees, n_jobs=1)  # one job: the same seed gives the same trees
    tmp = path.with_suffix(".tmp")
    index.save(str(tmp))
    index.unload()
    tmp.replace(path)


class VectorIndex:
    """A loaded (memory-mapped) Annoy index with the cosine of every answer."""

    def __init__(self, path: Path, dim: int, search_k: int = DEFAULT_SEARCH_K):
        self.index = AnnoyIndex(dim, "angular")
        if not self.index.load(str(path), prefault=False):
            raise OSError(f"cannot load Annoy index {path}")
        self.search_k = search_k

    def __len__(self) -> int:
        return self.index.get_n_items()

    @staticmethod
    def _cosines(distances) -> np.ndarray:
        d = np.asarray(distances, dtype=np.float64)
        return 1.0 - d * d / 2.0

    def by_item(self, item: int, k: int) -> list[tuple[int, float]]:
        ids, dist = self.index.get_nns_by_item(item, k, search_k=self.search_k, include_distances=True)
        return list(zip(ids, self._cosines(dist).tolist(), strict=True))

    def by_vector(self, vector: np.ndarray, k: int) -> list[tuple[int, float]]:
        ids, dist = self.index.get_nns_by_vector(list(map(float, vector)), k, search_k=self.search_k,
                                                 include_distances=True)
        return list(zip(ids, self._cosines(dist).tolist(), strict=True))
