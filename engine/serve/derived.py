"""What serving derives from a catalog, made once at build time: the title resolver's folded
titles and alias keys, the evidence's page strengths, page lists and pool closeness, and the
author/series kinship. A model directory stores them (engine.model_dir's serving tables), so a
bot serving 100,000 books and 300,000 aliases does not spend seconds deriving them at every
start; a model without them, or with a group derived by other rules, has that group derived
again when it loads.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from engine.serve.evidence import STORED_EVIDENCE, Evidence
from engine.serve.kinship import STORED_KINSHIP, Kinship
from engine.serve.picks import book_series
from engine.serve.titles import title_key_tables

__all__ = ["serving_tables"]


def serving_tables(titles: list[str], meta: list[dict], pages: Sequence[str], pairs: np.ndarray,
                   aliases: Mapping[str, str] | None = None,
                   series: Mapping[str, list[str]] | None = None,
                   other_works: list[str] | None = None, well_read: list[str] | None = None,
                   pools: np.ndarray | None = None
                   ) -> dict[str, tuple[int, dict[str, np.ndarray]]]:
    """Group -> (the version of the rules that derived it, its arrays), for
    engine.model_dir.ModelWriter.write_serving_tables; `pools`: the nearest-book pools
    ModelWriter.write_vectors wrote."""
    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    degrees = np.bincount(pairs[:, 0], minlength=len(titles))
    return {"evidence": (STORED_EVIDENCE, Evidence.measured(pairs, meta, pages).tables(pools)),
            "kinship": (STORED_KINSHIP, Kinship.of_catalog(
                titles, meta, book_series(meta, pairs, pages)).tables()),
            "title_keys": title_key_tables(titles, meta, degrees, dict(aliases or {}),
                                           dict(series or {}), other_works, well_read)}
