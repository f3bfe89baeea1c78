"""Pictures of a model: maps of every book coloured by genre and by country, chosen books with
their nearest neighbours, a map of the linked pages, and a TensorFlow Projector export.

    python scripts/visualize.py [--model models/default] [--out maps] [--books "War and Peace" ...]
                                [--no-projector]

The book map comes from the model directory (computed at build time); the page map is computed
here (~10 s).
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

import numpy as np

from engine import settings
from engine.errors import WikishelfError
from engine.model_dir import ModelFiles
from engine.pictures.groups import country_name, genre_family, top_groups
from engine.pictures.neighbourhood import (
    BACKGROUND,
    bare_axes,
    draw_background,
    draw_neighbourhood,
    new_figure,
    save_png,
)
from engine.text import display_name

DEFAULT_BOOKS = ("War and Peace", "The Fellowship of the Ring", "Bully for Brontosaurus")
N_GROUPS = 10
# tab10 without its grey, plus two extra distinct colours: grey means "other" on these maps.
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
           "#bcbd22", "#17becf", "#393b79", "#637939")
PAGE_LABELS = 28


def slug(text: str) -> str:
    return "".join(ch if ch.isalnum() else "-" for ch in text.lower()).strip("-")[:60]


def groups_figure(xy: np.ndarray, labels: list[str], title: str, subtitle: str, what: str,
                  n: int = N_GROUPS):
    """Every point, the n most common labels in colour (each with its count in the legend), the
    rest in grey underneath. Smaller groups are drawn last so big ones cannot bury them.
    Returns the figure and its map axes."""
    labels = np.asarray(labels, dtype=object)
    on_map = np.isfinite(xy[:, 0])
    groups = top_groups(labels[on_map].tolist(), n)
    fig = new_figure(12, 8.6)
    fig.suptitle(title, fontsize=15, x=0.02, ha="left")
    fig.text(0.02, 0.925, subtitle, fontsize=9, color="#555555")
    ax = fig.add_axes((0.02, 0.02, 0.70, 0.88))
    bare_axes(ax)
    others = on_map & ~np.isin(labels, groups)
    draw_background(ax, xy[others], size=2.0, colour=BACKGROUND)
    handles = []
    for colour, group in reversed(list(zip(PALETTE, groups, strict=False))):
        mask = on_map & (labels == group)
        (line,) = ax.plot(xy[mask, 0], xy[mask, 1], linestyle="none", marker="o", markersize=1.8,
                          markeredgewidth=0, color=colour, zorder=2,
                          label=f"{group} ({mask.sum():,})")
        handles.append(line)
    handles.reverse()
    handles.append(ax.plot([], [], linestyle="none", marker="o", markersize=1.8,
                           color=BACKGROUND, label=f"other or unknown ({others.sum():,})")[0])
    fig.legend(handles=handles, loc="upper left", bbox_to_anchor=(0.73, 0.9), fontsize=10,
               markerscale=4, frameon=False, title=what, title_fontsize=11, alignment="left")
    return fig, ax


def place_labels(ax, xy: np.ndarray, names: list[str], want: int) -> int:
    """Label points in the order given, skipping any label that would overlap one already
    placed: fewer labels, none unreadable. Returns how many were placed."""
    # One full draw first: the equal aspect moves the axes box only at draw time, and boxes
    # measured before it would not be where the labels end up.
    ax.figure.canvas.draw()
    ax.set_autoscale_on(False)
    renderer = ax.figure.canvas.get_renderer()
    placed = []
    for (x, y), name in zip(xy, names, strict=True):
        if len(placed) >= want:
            break
        if not (np.isfinite(x) and np.isfinite(y)):
            continue
        text = ax.annotate(name, (x, y), xytext=(3, 3), textcoords="offset points", fontsize=8,
                           zorder=4, bbox={"boxstyle": "round,pad=0.15", "fc": "white",
                                           "ec": "none", "alpha": 0.75})
        box = text.get_window_extent(renderer).expanded(1.05, 1.15)
        if any(box.overlaps(other) for other in placed):
            text.remove()
        else:
            placed.append(box)
            ax.plot([x], [y], "o", ms=3, color="black", zorder=3)
    return len(placed)


def page_families(files: ModelFiles, book_family: list[str]) -> list[str]:
    """Each page's genre family: the family of most of the genre-labelled books linking to it,
    or "" when no family has a majority."""
    votes: list[Counter] = [Counter() for _ in range(len(files.pages))]
    for book, page in files.pairs.tolist():
        if book_family[book]:
            votes[page][book_family[book]] += 1
    out = []
    for vote in votes:
        family, count = vote.most_common(1)[0] if vote else ("", 0)
        out.append(family if count * 2 > sum(vote.values()) else "")
    return out


def page_label(page: str) -> str:
    return display_name(page.removeprefix("category:"))


def draw_pages(files: ModelFiles, book_family: list[str], out: Path) -> Path:
    from engine.build.layout import project  # t-SNE of the pages: only this tool needs it

    xy = project(files.page_vectors, files.page_annoy())
    fig, ax = groups_figure(
        xy, page_families(files, book_family),
        f"Map of the {len(files.pages):,} Wikipedia pages the books link to",
        f"Each dot is a page, placed by t-SNE of its {files.dim}-number embedding; colour: the "
        "genre of most books linking to it; labels: the most-linked pages that fit without "
        "overlapping.",
        "genre of the linking books")
    by_degree = np.argsort(-files.page_degrees(), kind="stable")
    place_labels(ax, xy[by_degree], [page_label(files.pages[i]) for i in by_degree],
                 PAGE_LABELS)
    return save_png(fig, out)


def make_pictures(model: Path, out: Path, books: list[str], k: int, projector: bool) -> list[Path]:
    from engine.serve.recommender import Recommender

    rec = Recommender.load(model)
    files = rec.files
    xy = files.book_map()
    n_on_map = int(np.isfinite(xy[:, 0]).sum())
    families = [genre_family(m.get("genre")) for m in files.meta]
    countries = [country_name(m.get("country")) for m in files.meta]
    about = (f"Each dot is one of {n_on_map:,} books with Wikipedia links, placed by t-SNE of "
             f"its {files.dim}-number embedding: books linking to the same pages sit together.")
    written = []
    fig, _ = groups_figure(xy, families, "Books by genre", about, "genre (infobox, grouped)")
    written.append(save_png(fig, out / "books_by_genre.png"))
    fig, _ = groups_figure(xy, countries, "Books by country", about, "country (infobox)")
    written.append(save_png(fig, out / "books_by_country.png"))
    for title in books:
        try:
            written.append(draw_neighbourhood(rec, title, out / f"neighbours_{slug(title)}.png", k))
        except WikishelfError as exc:  # one unknown title should not lose the other pictures
            print(f"skipped {title!r}: {exc}", file=sys.stderr)
    written.append(draw_pages(files, families, out / "pages.png"))
    if projector:
        from engine.pictures.projector import export_projector

        written.append(export_projector(model, out / "projector"))
    return written


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--model", type=Path, default=settings.default_model_dir())
    parser.add_argument("--out", type=Path, default=Path("maps"))
    parser.add_argument("--books", nargs="*", default=list(DEFAULT_BOOKS),
                        help="books to draw with their neighbours")
    parser.add_argument("--k", type=int, default=10, help="neighbours per chosen book")
    parser.add_argument("--no-projector", action="store_true")
    args = parser.parse_args(argv)
    try:
        written = make_pictures(args.model, args.out, args.books, args.k, not args.no_projector)
    except WikishelfError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for path in written:
        print(path)
    return 0

