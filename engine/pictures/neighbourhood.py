"""Pictures of the book map: a book and its nearest neighbours on the 2-D map of every book.

Drawn with matplotlib's object API on the Agg canvas (no pyplot, no global figure state), so the
bot can call `draw_neighbourhood` from a worker thread. The 2-D coordinates were computed at build
time (engine/build/layout.py) and opened through engine.model_dir; nothing here runs t-SNE.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from engine.errors import WikishelfError

BACKGROUND = "#c8c8c8"
BOOK_COLOUR = "#d62728"
NEIGHBOUR_COLOUR = "#1f77b4"
MAX_K = 30
LABEL_CHARS = 42


def shorten(text: str, limit: int = LABEL_CHARS) -> str:
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def new_figure(width: float, height: float) -> Figure:
    fig = Figure(figsize=(width, height), dpi=100)
    FigureCanvasAgg(fig)
    return fig


def bare_axes(ax, title: str = "") -> None:
    """Map axes: the coordinates mean nothing on their own, so no ticks."""
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_aspect("equal", adjustable="box")
    ax.set_anchor("N")
    for spine in ax.spines.values():
        spine.set_color("#999999")
    if title:
        ax.set_title(title, fontsize=10)


def draw_background(ax, xy: np.ndarray, size: float = 1.0, colour: str = BACKGROUND) -> None:
    """Every point as a tiny grey dot; plot() markers are cheaper to draw than a scatter."""
    ax.plot(xy[:, 0], xy[:, 1], linestyle="none", marker=".", markersize=size,
            markeredgewidth=0, color=colour, zorder=1)


def label_with_leaders(ax, points: np.ndarray, labels: list[str], colours: list[str]) -> None:
    """Labels in a column right of the axes, each joined to its point by a thin line: tied or
    crowded points never make labels overlap, and sorting by height keeps lines from crossing."""
    order = np.argsort(-points[:, 1], kind="stable")
    slots = np.linspace(0.97, 0.03, len(order)) if len(order) > 1 else np.array([0.5])
    for slot, i in zip(slots, order, strict=True):
        ax.annotate(labels[i], xy=(points[i, 0], points[i, 1]), xycoords="data",
                    xytext=(1.04, slot), textcoords="axes fraction", va="center", ha="left",
                    fontsize=8, color=colours[i], annotation_clip=False,
                    # patchA=None: clipping the line to the text box costs ~50 ms a label
                    arrowprops={"arrowstyle": "-", "color": colours[i], "lw": 0.6, "alpha": 0.6,
                                "patchA": None, "shrinkA": 2, "shrinkB": 2,
                                "relpos": (0.0, 0.5)})  # from the label's left edge


def zoom_window(points: np.ndarray, full: np.ndarray, margin: float = 0.3,
                min_fraction: float = 0.004) -> tuple[float, float, float, float]:
    """A square window around `points`, padded, and never smaller than a fraction of the map."""
    lo, hi = points.min(axis=0), points.max(axis=0)
    extent = np.nanmax(full, axis=0) - np.nanmin(full, axis=0)
    span = max(float((hi - lo).max()) * (1 + 2 * margin), float(extent.max()) * min_fraction)
    cx, cy = (lo + hi) / 2
    return cx - span / 2, cx + span / 2, cy - span / 2, cy + span / 2


def save_png(fig: Figure, out_path: Path) -> Path:
    """Write atomically: a reader (or a second request for the same book) never sees half a file."""
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_path.with_name(f".{out_path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        # Light compression: zlib level 6 took ~100 ms a picture, level 1 ~25 ms (+5% bytes).
        fig.savefig(tmp, format="png", dpi=fig.dpi, pil_kwargs={"compress_level": 1})
        os.replace(tmp, out_path)
    finally:
        tmp.unlink(missing_ok=True)
    return out_path


def draw_neighbourhood(rec, title: str, out_path: Path, k: int = 10) -> Path:
    """A PNG of `title` and its k nearest books (by the model's cosine) on the map of all books:
    an overview on the left, a labelled close-up on the right. Returns `out_path`."""
    if not 1 <= int(k) <= MAX_K:
        raise WikishelfError(f"k must be between 1 and {MAX_K}")
    xy = rec.files.book_map()
    book = rec.book_id(title)
    name = rec.titles[book]
    if not np.isfinite(xy[book]).all():
        raise WikishelfError(f"“{name}” has no Wikipedia links in this model, so it has no "
                             "place on the map.")
    hits = [n for n in rec.nearest(name, int(k)) if np.isfinite(xy[rec.title_to_id[n.title]]).all()]
    ids = np.array([rec.title_to_id[n.title] for n in hits], dtype=np.int64)
    near = xy[ids].reshape(-1, 2)
    on_map = xy[np.isfinite(xy[:, 0])]

    fig = new_figure(11.5, 5.0)
    author = rec.meta[book].get("author")
    fig.suptitle(f"{shorten(name, 60)}{f' ({author})' if author else ''} and its "
                 f"{len(hits)} nearest books", fontsize=13, x=0.02, ha="left")
    dim = rec.files.dim
    fig.text(0.02, 0.895, f"Each grey dot is one of {len(on_map):,} books, placed by t-SNE of "
             f"the {dim}-number embeddings; similarity is the cosine in {dim} dimensions.",
             fontsize=8.5, color="#555555")

    overview = fig.add_axes((0.02, 0.03, 0.30, 0.80))
    bare_axes(overview, "all books")
    draw_background(overview, on_map, size=1.0)
    x0, x1, y0, y1 = zoom_window(np.vstack([xy[book][None], near]), on_map)
    overview.add_patch(Rectangle((x0, y0), x1 - x0, y1 - y0, fill=False, lw=1.0,
                                 edgecolor="black", zorder=4))
    overview.plot(near[:, 0], near[:, 1], "o", ms=3, color=NEIGHBOUR_COLOUR, zorder=3)
    overview.plot(*xy[book], "*", ms=11, color=BOOK_COLOUR, mec="white", mew=0.6, zorder=5)

    close = fig.add_axes((0.35, 0.03, 0.34, 0.80))
    bare_axes(close, "close-up of the box")
    inside = ((on_map[:, 0] >= x0) & (on_map[:, 0] <= x1)
              & (on_map[:, 1] >= y0) & (on_map[:, 1] <= y1))
    draw_background(close, on_map[inside], size=3.0)
    close.set_xlim(x0, x1)
    close.set_ylim(y0, y1)
    close.plot(near[:, 0], near[:, 1], "o", ms=6, color=NEIGHBOUR_COLOUR, mec="white", mew=0.6,
               zorder=3)
    close.plot(*xy[book], "*", ms=16, color=BOOK_COLOUR, mec="white", mew=0.8, zorder=2)
    labels = [f"{rank}. {shorten(n.title)} ({n.similarity:.2f})"
              for rank, n in enumerate(hits, start=1)]
    points = np.vstack([xy[book][None], near])
    label_with_leaders(close, points, [f"★ {shorten(name)}", *labels],
                       [BOOK_COLOUR] + [NEIGHBOUR_COLOUR] * len(labels))
    return save_png(fig, out_path)
