"""Measure the shipped recipe against baselines on the same splits and write EVALUATION.md.

    python scripts/evaluate.py [--model DIR] [--json PATH] [--quick] [--seeds N] [--out PATH]
    python scripts/evaluate.py --groups [...]   the book-club section only (group_report.py)

1. held-out links: 20% of each book's links (books with >= 4) hidden; recall@10/50, MRR, AUC,
   pages scored natively (book . page) and through the book's nearest books (kNN)
2. same-author precision@10 with author links removed from training
3. leave-one-out picks through engine.serve.picks.recommend_from_history over authors and series
4. baselines: popularity, TF-IDF item-kNN, implicit ALS and BPR
5. the article's published neighbour lists beside the shipped model's

The embedding model is retrained on each split with the TrainConfig stored in the model's
manifest (the one build_model.py ships), once per seed.
"""

import argparse
import dataclasses
import datetime as dt
import functools
import json
import sys
import time
from pathlib import Path

import numpy as np

from engine import settings
from engine.errors import WikishelfError
from engine.quality import metrics as ev
from engine.quality.methods import KNN_ALPHA, KNN_NEIGHBOURS

NOTES_HEADING = "## What we changed and what each change bought"
HEADLINE = ("recall@10", "same_author_p@10", "loo_hit@10")
ARTICLE_BOOKS = {
    "War and Peace": ["Anna Karenina", "The Master and Margarita", "Candide", "Poor Folk",
                      "Demons (Dostoevsky novel)"],
    "The Fellowship of the Ring": ["The Return of the King", "Beren and Lúthien",
                                   "The Children of Húrin", "The Silmarillion"],
    "The Two Towers": None,
    "Bully for Brontosaurus": ["I Have Landed", "An Urchin in the Storm", "Eight Little Piggies"],
    "The Better Angels of Our Nature": None,
    "A Brief History of Time": None,
}
ARTICLE_PAGES = {
    "steven pinker": ["evolutionary psychology", "intelligent design", "human evolution"],
    "richard dawkins": None,
}


@dataclasses.dataclass
class Plan:
    seeds: list[int]
    link_books: int | None  # None: every test book
    author_books: int | None
    loo_cases: int | None
    split_seed: int = ev.SPLIT_SEED  # the held-out links, sampled test sets and tie-breaking


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--model", type=Path, default=settings.default_model_dir(),
                        help="the shipped model directory: its catalog and TrainConfig are used")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--out", type=Path, default=settings.PROJECT_ROOT / "EVALUATION.md")
    parser.add_argument("--quick", action="store_true",
                        help="one seed and sampled test sets (CI, about a minute)")
    parser.add_argument("--seeds", type=int, help="training seeds (default 3, --quick 1)")
    parser.add_argument("--first-seed", type=int, default=0,
                        help="the first training seed (fresh seeds for a report after tuning)")
    parser.add_argument("--split-seed", type=int, default=ev.SPLIT_SEED,
                        help=f"seed of the held-out split and sampled test sets "
                             f"(default {ev.SPLIT_SEED}; tune on one, report on another)")
    parser.add_argument("--methods", help="comma-separated subset (default: all)")
    parser.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE",
                        help="override a TrainConfig field of the recipe, e.g. --set epochs=30")
    parser.add_argument("--min-link-count", type=int,
                        help="rebuild the catalog from --data with this threshold")
    parser.add_argument("--data", type=Path, default=settings.data_dir())
    parser.add_argument("--evidence", action="store_true",
                        help="measure the weak-neighbour cut instead (prints a table; "
                             "EVALUATION.md is left alone)")
    parser.add_argument("--thresholds", help="with --evidence: comma-separated cuts to measure")
    parser.add_argument("--blends", help="with --evidence: also re-rank the kept neighbours by "
                             "cosine + BLEND x evidence, for each of these blends; with "
                             "--evidence-lists: the one blend to show")
    parser.add_argument("--kin-bonuses", help="with --evidence: also keep same-author/series "
                             "books and rank them + BONUS (as `similar` does), for each bonus")
    parser.add_argument("--evidence-lists", type=int, metavar="N",
                        help="print the model's top-5 lists before and after the cut, and "
                             "TF-IDF's, for the N most-read goodbooks-10k books in the catalog")
    args = parser.parse_args(argv)
    if args.seeds is not None and args.seeds < 1:
        parser.error("--seeds must be at least 1")
    return args


def load_recipe(args):
    """The catalog and TrainConfig the shipped model was built from (overrides applied)."""
    from engine.build.catalog import Catalog, catalog_from_data_dir
    from engine.build.training_config import TrainConfig
    from engine.model_dir import open_model

    files = open_model(args.model)
    manifest = files.manifest
    if args.min_link_count is not None:
        catalog = catalog_from_data_dir(args.data, args.min_link_count)
    else:
        catalog = Catalog.from_model(files)
    known = {f.name: f for f in dataclasses.fields(TrainConfig)}
    stored = {k: v for k, v in manifest.get("training", {}).items() if k in known}
    for item in args.set:
        key, _, value = item.partition("=")
        if key not in known:
            raise WikishelfError(f"--set {item}: TrainConfig has no field {key!r}")
        kind = type(getattr(TrainConfig(), key))
        stored[key] = value.lower() in ("1", "true", "yes") if kind is bool else kind(value)
    return catalog, TrainConfig(**stored)


def series_labels(meta: list[dict]) -> np.ndarray:
    """Per book a series id from its infobox `series` (kept by the catalog), -1 for none."""
    from engine.text import clean_link

    ids: dict[str, int] = {}
    labels = np.full(len(meta), -1, dtype=np.int64)
    for book, m in enumerate(meta):
        series = clean_link(str(m.get("series", "")))
        if series:
            labels[book] = ids.setdefault(series, len(ids))
    return labels


def methods(config, wanted: str | None):
    from engine.quality.methods import Embedding, ImplicitFactors, Popularity, TfidfKnn

    every = [Embedding(config), Popularity(), TfidfKnn(), ImplicitFactors("als"),
             ImplicitFactors("bpr")]
    if not wanted:
        return every
    names = {n.strip() for n in wanted.split(",")}
    unknown = names - {m.name for m in every}
    if unknown:
        raise WikishelfError(f"unknown methods: {', '.join(sorted(unknown))}")
    return [m for m in every if m.name in names]


DETERMINISTIC = {"popularity", "tfidf_knn"}


def evaluate_method(method, seed, catalog, split, authorless, authors, cases, plan, log):
    """All metrics of one method at one seed: ({metric: {variant_name: value}}, the training
    figures, the leave-one-out outcome per case)."""
    out: dict[str, dict[str, float]] = {}
    started = time.perf_counter()
    fitted = method.fit(split.train_pairs, catalog.n_books, catalog.n_pages, seed)
    k, alpha = getattr(method, "knn", (KNN_NEIGHBOURS, KNN_ALPHA))
    variants = {method.name: functools.partial(fitted.knn_page_scores, k=k, alpha=alpha)}
    if fitted.has_native:
        native_name = method.name if method.name == "popularity" else method.name + "_native"
        variants = {native_name: fitted.page_scores,
                    **({} if method.name == "popularity" else variants)}
    for name, scorer in variants.items():
        metrics = ev.link_prediction(split, catalog.n_pages, scorer, books_limit=plan.link_books,
                                     seed=plan.split_seed)
        for key, value in metrics.as_dict().items():
            out.setdefault(key, {})[name] = value
    info = dict(fitted.info)
    fitted = method.fit(authorless, catalog.n_books, catalog.n_pages, seed)
    candidates = np.bincount(authorless[:, 0], minlength=catalog.n_books) > 0
    out["same_author_p@10"] = {method.name: ev.same_author_precision(
        fitted.book_similarity, authors, candidates, books_limit=plan.author_books,
        seed=plan.split_seed)}
    from engine.serve.picks import NEIGHBOURS_PER_READ, book_series

    table = ev.NeighbourTable(fitted.book_similarity, ev.neighbours_needed(cases), candidates,
                              NEIGHBOURS_PER_READ + 1, seed=plan.split_seed)
    series = book_series(catalog.meta, authorless, catalog.pages)
    loo = ev.leave_one_out(ev.EvalCatalog(catalog.books, catalog.meta, series, candidates, table),
                           cases)
    out["loo_hit@10"] = {method.name: loo["hit@10"]}
    out["loo_mrr"] = {method.name: loo["mrr"]}
    seconds = time.perf_counter() - started
    log(f"  {method.name:<10} seed {seed}: recall@10 "
        + ", ".join(f"{k} {v:.3f}" for k, v in out["recall@10"].items())
        + f"; same-author {out['same_author_p@10'][method.name]:.3f}; loo hit@10 "
          f"{loo['hit@10']:.3f} ({seconds:.0f} s{', ' + str(info) if info else ''})")
    return out, info, loo["hits"]


def summarise(per_seed: list[dict]) -> tuple[dict, dict]:
    """Mean and spread (max - min) over seeds of {metric: {method: value}}."""
    mean: dict[str, dict[str, float]] = {}
    spread: dict[str, dict[str, float]] = {}
    for metric in per_seed[0]:
        for name in per_seed[0][metric]:
            values = [run[metric][name] for run in per_seed]
            mean.setdefault(metric, {})[name] = round(float(np.mean(values)), 4)
            spread.setdefault(metric, {})[name] = round(float(np.ptp(values)), 4)
    return mean, spread


def verdict(mean: dict, spread: dict) -> dict:
    """Per headline metric: the strongest baseline, the margin, and whether it beats the spread."""
    out = {}
    for metric in HEADLINE:
        values = mean.get(metric, {})
        ours = [n for n in values if n.startswith("wikishelf")]
        rivals = [n for n in values if not n.startswith("wikishelf")]
        if "wikishelf" not in values or not rivals:
            continue
        best = max(rivals, key=values.get)
        margin = values["wikishelf"] - values[best]
        noise = max(spread[metric]["wikishelf"], spread[metric][best])
        out[metric] = {"best_baseline": best, "margin": round(margin, 4),
                       "spread": round(noise, 4), "wins": bool(margin > noise),
                       "wikishelf_variants": ours}
    return out


def article_tables(model_dir: Path) -> list[dict]:
    from engine.serve.recommender import Recommender

    try:
        rec = Recommender.load(model_dir)
    except Exception as exc:  # noqa: BLE001 - the figures above must survive a stale model dir
        return [{"error": f"{exc.__class__.__name__}: {exc}"}]
    rows = []
    for title, published in ARTICLE_BOOKS.items():
        if title not in rec.title_to_id:
            rows.append({"query": title, "missing": True, "published": published})
            continue
        ours = [n.title for n in rec.similar(title, 10)]
        rows.append({"query": title, "kind": "book", "ours": ours, "published": published,
                     "overlap": _overlap(ours, published)})
    for page, published in ARTICLE_PAGES.items():
        try:
            ours = [p for p, _ in rec.similar_pages(page, 10)]
        except WikishelfError:
            rows.append({"query": page, "missing": True, "published": published})
            continue
        rows.append({"query": page, "kind": "page", "ours": ours, "published": published,
                     "overlap": _overlap(ours, published)})
    return rows


def _overlap(ours: list[str], published: list[str] | None):
    if not published:
        return None
    mine = {o.lower() for o in ours}
    return sum(p.lower() in mine for p in published)


# ---------------------------------------------------------------- report
def render(report: dict, notes: str) -> str:
    mean, spread = report["metrics"], report["spread"]
    names = sorted({n for m in mean.values() for n in m}, key=_method_order)
    metrics = ["recall@10", "recall@50", "mrr", "auc", "same_author_p@10", "loo_hit@10", "loo_mrr"]
    lines = [
        "# Evaluation: the shipped recipe against baselines",
        "",
        f"Generated by `{report['command']}` on {report['date']} "
        f"({report['seconds']:.0f} s, {report['seeds']} seed(s); {report['host']}).",
        "Regenerate with `python scripts/evaluate.py` (`--quick`: one seed, sampled test sets). "
        "Everything above the notes section is rewritten by it.",
        "",
        f"Catalog: {report['catalog']['books']:,} books, {report['catalog']['pages']:,} pages, "
        f"{report['catalog']['pairs']:,} pairs. Recipe (TrainConfig): `{report['recipe']}`.",
        f"Held-out split: {report['splits']['test_books']:,} books with ≥ 4 links, "
        f"{report['splits']['hidden_links']:,} links hidden; same-author and leave-one-out: "
        f"{report['splits']['author_links_removed']:,} author links removed, "
        f"{report['splits']['loo_cases']:,} leave-one-out cases "
        f"({report['splits']['loo_groups']:,} author and series groups); split seed "
        f"{report['splits'].get('split_seed', ev.SPLIT_SEED)}, training seeds "
        f"{report['splits'].get('training_seeds', list(range(report['seeds'])))}.",
        "",
        "Figures are means over seeds, ± the spread (max − min). `_native` scores a page by "
        "book · page; the other rows score it by the summed similarity ** alpha of the book's "
        "k nearest books (item-kNN; k, alpha per method: "
        + ", ".join(f"{n} {k}, {a:g}" for n, (k, a) in report["knn"].items()) + "). "
        "All metrics are tie-aware (random tie-breaking in expectation).",
        "",
        "| method | " + " | ".join(metrics) + " |",
        "|---|" + "---|" * len(metrics),
    ]
    for name in names:
        cells = []
        for metric in metrics:
            if name in mean.get(metric, {}):
                s = spread[metric][name]
                cells.append(f"{mean[metric][name]:.3f}" + (f" ± {s:.3f}" if s else ""))
            else:
                cells.append("—")
        bold = "**" if name == "wikishelf" else ""
        lines.append(f"| {bold}{name}{bold} | " + " | ".join(cells) + " |")
    lines += ["", "## Does the shipped model win?", "",
              "| metric | wikishelf − best baseline | best baseline | spread | wins |",
              "|---|---|---|---|---|"]
    for metric, v in report["verdict"].items():
        lines.append(f"| {metric} | {v['margin']:+.3f} | {v['best_baseline']} | {v['spread']:.3f} "
                     f"| {'yes' if v['wins'] else 'NO'} |")
    agreement = report.get("loo_agreement")
    if agreement and agreement.get("against"):
        lines += ["", f"Leave-one-out case by case ({agreement['cases']:,} cases): "
                  f"{agreement['missed_by_every_run']:,} missed by every method and seed; "
                  + "; ".join(f"against {name}, {v['only_ours']} hit by wikishelf in every seed "
                              f"and never by {name}, {v['only_theirs']} the other way"
                              for name, v in agreement["against"].items()) + "."]
    lines += ["", "## The article's tables (the shipped model, Annoy neighbours)", ""]
    for row in report["article"]:
        if "error" in row:
            lines.append(f"(not available: {row['error']})")
            continue
        published = ", ".join(row["published"]) if row["published"] else "not quoted in the issue"
        if row.get("missing"):
            lines += [f"**{row['query']}**: not in this catalog. Article: {published}.", ""]
            continue
        overlap = ("" if row["overlap"] is None
                   else f" — overlap {row['overlap']}/{len(row['published'])}")
        lines += [f"**{row['query']}**{overlap}", "",
                  f"- ours: {', '.join(row['ours'])}", f"- article: {published}", ""]
    lines += ["", "Training seconds per fit (wikishelf): "
              + ", ".join(str(s) for s in report.get("train_seconds", [])), ""]
    return "\n".join(lines) + "\n" + notes


def _method_order(name: str):
    base = ["wikishelf", "popularity", "tfidf_knn", "als", "bpr"]
    root = name.removesuffix("_native")
    return (base.index(root) if root in base else len(base), name)


def existing_notes(path: Path) -> str:
    if path.is_file():
        text = path.read_text(encoding="utf-8")
        at = text.find(NOTES_HEADING)
        if at >= 0:
            return text[at:]
    return NOTES_HEADING + "\n\n(hand-written: nothing recorded yet)\n"


# ---------------------------------------------------------------- main
def main(argv=None) -> int:
    given = sys.argv[1:] if argv is None else list(argv)
    if "--groups" in given:  # the book-club section: engine/quality/group_report.py
        from engine.quality.group_report import main as book_clubs

        return book_clubs([a for a in given if a != "--groups"])
    started = time.perf_counter()
    args = parse_args(argv)
    n_seeds = args.seeds or (1 if args.quick else 3)
    plan = Plan(list(range(args.first_seed, args.first_seed + n_seeds)),
                2000 if args.quick else None, 2000 if args.quick else None,
                400 if args.quick else 3000, args.split_seed)
    if args.evidence_lists:
        from engine.quality import evidence_cut

        blend = float(args.blends) if args.blends else None
        return evidence_cut.print_lists(args.model, settings.SHARED_GOODBOOKS_CSV,
                                        args.evidence_lists, blend=blend)
    try:
        catalog, config = load_recipe(args)
        chosen = methods(config, args.methods)
    except WikishelfError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    log = print
    split = ev.hold_out_links(catalog.pairs, catalog.n_books, seed=plan.split_seed)
    author_page = ev.author_page_of(catalog.meta, catalog.pages)
    authorless = ev.without_author_links(catalog.pairs, author_page)
    authors = ev.author_ids(catalog.meta)
    linked = np.bincount(authorless[:, 0], minlength=catalog.n_books) > 0
    groups = (ev.groups_of(authors, linked, ev.MIN_GROUP_BOOKS)
              + ev.groups_of(series_labels(catalog.meta), linked, ev.MIN_GROUP_BOOKS))
    cases = ev.leave_one_out_cases(groups, max_cases=plan.loo_cases, seed=plan.split_seed)
    log(f"catalog {catalog.n_books:,} books / {catalog.n_pages:,} pages / {len(catalog.pairs):,} "
        f"pairs; {len(split.test_books):,} test books; {len(cases):,} leave-one-out cases; "
        f"recipe {config}")

    if args.evidence:
        from engine.quality import evidence_cut

        return evidence_cut.main(args, catalog, config, chosen, plan, split, authorless, authors,
                                 cases, log)
    per_seed: list[dict] = [{} for _ in plan.seeds]
    train_seconds = []
    loo_hits: dict[str, list[np.ndarray]] = {}  # per method, per seed run (one for deterministic)
    for method in chosen:
        for i, seed in enumerate(plan.seeds):
            if method.name in DETERMINISTIC and i > 0:
                result = per_seed[0]
                for metric, values in result.items():
                    for name in values:
                        if name.removesuffix("_native") == method.name:
                            per_seed[i].setdefault(metric, {})[name] = values[name]
                continue
            result, info, hits = evaluate_method(method, seed, catalog, split, authorless,
                                                 authors, cases, plan, log)
            loo_hits.setdefault(method.name, []).append(hits)
            if "train_s" in info:
                train_seconds.append(info["train_s"])
            for metric, values in result.items():
                per_seed[i].setdefault(metric, {}).update(values)
    mean, spread = summarise(per_seed)
    command = "python scripts/evaluate.py" + ("" if argv is None and len(sys.argv) == 1
                                               else " " + " ".join(argv if argv is not None
                                                                   else sys.argv[1:]))
    report = {
        "metrics": mean, "spread": spread, "per_seed": per_seed,
        "verdict": verdict(mean, spread),
        "loo_agreement": ev.loo_agreement(loo_hits),
        "command": command, "date": dt.datetime.now().strftime("%Y-%m-%d %H:%M"),
        "seeds": n_seeds, "host": _host(),
        "recipe": config.to_dict(),
        "catalog": {"books": catalog.n_books, "pages": catalog.n_pages,
                    "pairs": int(len(catalog.pairs))},
        "splits": {"test_books": int(len(split.test_books)),
                   "hidden_links": int(len(split.test_pages)),
                   "author_links_removed": int(len(catalog.pairs) - len(authorless)),
                   "loo_cases": len(cases), "loo_groups": len(groups),
                   "split_seed": plan.split_seed, "training_seeds": plan.seeds},
        "train_seconds": train_seconds,
        "knn": {m.name: list(m.knn) for m in chosen if hasattr(m, "knn")},
        "article": article_tables(args.model),
    }
    report["seconds"] = round(time.perf_counter() - started, 1)
    args.out.write_text(render(report, existing_notes(args.out)), encoding="utf-8")
    text = json.dumps(report, indent=2, ensure_ascii=False)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")
    for metric, v in report["verdict"].items():
        log(f"{metric}: wikishelf {mean[metric]['wikishelf']:.3f} vs {v['best_baseline']} "
            f"{mean[metric][v['best_baseline']]:.3f} (margin {v['margin']:+.3f}, spread "
            f"{v['spread']:.3f}): {'wins' if v['wins'] else 'does NOT win'}")
    log(f"wrote {args.out} in {report['seconds']:.0f} s")
    return 0


def _host() -> str:
    import os
    import platform

    return f"{platform.machine()}, {os.cpu_count()} CPUs"

