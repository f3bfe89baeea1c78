"""The book-club section of EVALUATION.md: the fairness rules of engine/serve/group_picks.py and
the baselines on simulated clubs of 2-8 members (engine/quality/group_eval.py).

    python scripts/evaluate.py --groups [--seeds N] [--clubs N] [--quick] [--model DIR] [--out PATH]

Per training seed the shipped recipe is retrained without each book's link to its author (as
the leave-one-out evaluation does: the author must be found, not read), and a fresh set of clubs
is drawn, so the spread over seeds covers both the model and the draw. The section sits between
two markers at the end of the file and is rewritten in place; the rest is left alone.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from pathlib import Path

import numpy as np

from engine import settings
from engine.errors import WikishelfError
from engine.quality import group_eval as ge
from engine.quality import metrics as ev
from engine.serve.group_picks import CHOSEN_RULE, RULES

START, END = "<!-- book-clubs:start -->", "<!-- book-clubs:end -->"
COLUMNS = (*RULES, *ge.BASELINES)
RIVALS = ("single_best", "mean_vectors")  # the bar: beat these on the worst-served member


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--model", type=Path, default=settings.default_model_dir())
    parser.add_argument("--out", type=Path, default=settings.PROJECT_ROOT / "EVALUATION.md")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--seeds", type=int, help="training seeds and club draws (default 3)")
    parser.add_argument("--clubs", type=int, help="clubs per group size (default 500)")
    parser.add_argument("--k", type=int, default=10, help="picks per club")
    parser.add_argument("--trials", type=int, default=ge.TRIALS,
                        help="fresh read/held-out splits per club (a member's hit rate is over these)")
    parser.add_argument("--quick", action="store_true", help="2 seeds, 20 clubs per size")
    parser.add_argument("--split-seed", type=int, default=ev.SPLIT_SEED)
    parser.add_argument("--from-json", type=Path,
                        help="re-render the section from a --json of an earlier run (no training)")
    args = parser.parse_args(argv)
    args.seeds = args.seeds or (2 if args.quick else 3)
    args.clubs = args.clubs or (20 if args.quick else 500)
    if args.seeds < 1 or args.clubs < 1 or args.k < 1:
        parser.error("--seeds, --clubs and --k must be at least 1")
    return args


def run_seed(catalog, config, authorless, groups, seed: int, args, log) -> dict:
    """{size: {method: {"member": rate, "worst": rate}}} for one training seed and draw."""
    from engine.quality.methods import Embedding
    from engine.serve.picks import NEIGHBOURS_PER_READ, book_series

    started = time.perf_counter()
    fitted = Embedding(config).fit(authorless, catalog.n_books, catalog.n_pages, seed)
    clubs = {size: ge.simulated_clubs(groups, size, args.clubs,
                                      np.random.default_rng([args.split_seed, seed, size]))
             for size in ge.GROUP_SIZES}
    linked = np.bincount(authorless[:, 0], minlength=catalog.n_books) > 0
    table = ev.NeighbourTable(fitted.book_similarity, ge.books_read(clubs), linked,
                              NEIGHBOURS_PER_READ + 1, seed=args.split_seed + seed)
    shelves = ev.EvalCatalog(catalog.books, catalog.meta,
                             book_series(catalog.meta, authorless, catalog.pages), linked, table)
    vectors = np.asarray(fitted.book_vectors)
    out = {}
    for size, drawn in clubs.items():
        splits = np.random.default_rng([args.split_seed, seed, size, 1])
        out[size] = ge.evaluate_clubs(shelves, vectors, drawn, splits, args.k, args.trials)
        row = out[size]
        log(f"  seed {seed} size {size}: worst-served " + ", ".join(
            f"{m} {row[m]['worst']:.3f}" for m in COLUMNS) + f" ({time.perf_counter() - started:.0f} s)")
    return out


def summarise(per_seed: list[dict]) -> dict:
    """{size or 'all': {method: {metric: (mean, spread)}}}; 'all' averages the sizes per seed."""
    def with_all(run):
        every = {m: {x: float(np.mean([run[s][m][x] for s in run])) for x in ("member", "worst")}
                 for m in COLUMNS}
        return {**run, "all": every}

    runs = [with_all(r) for r in per_seed]
    return {size: {m: {x: (round(float(np.mean([r[size][m][x] for r in runs])), 4),
                           round(float(np.ptp([r[size][m][x] for r in runs])), 4))
                       for x in ("member", "worst")} for m in COLUMNS} for size in runs[0]}


def verdict(summary: dict) -> dict:
    """Per size: the chosen rule's worst-served margin over the stronger rival, and the spread."""
    out = {}
    for size, row in summary.items():
        best = max(RIVALS, key=lambda m: row[m]["worst"][0])
        margin = row[CHOSEN_RULE]["worst"][0] - row[best]["worst"][0]
        noise = max(row[CHOSEN_RULE]["worst"][1], row[best]["worst"][1])
        out[size] = {"rival": best, "margin": round(margin, 4), "spread": noise,
                     "wins": bool(margin > noise)}
    return out


def best_rule(summary: dict) -> str:
    """The rule that serves the worst-served member best over all sizes (the measured choice)."""
    return max(RULES, key=lambda r: (summary["all"][r]["worst"][0], summary["all"][r]["member"][0]))


def _cell(value: tuple[float, float], bold: bool = False) -> str:
    text = f"{value[0]:.3f}" + (f" ± {value[1]:.3f}" if value[1] else "")
    return f"**{text}**" if bold else text


def render(report: dict) -> str:
    summary, wins = report["summary"], report["verdict"]
    head = "| members | " + " | ".join(COLUMNS) + " |"
    rule = "|---|" + "---|" * len(COLUMNS)
    lines = [START, "## Book clubs: picks for a whole group", "",
             f"Generated by `{report['command']}` on {report['date']} ({report['seconds']:.0f} s; "
             f"{report['host']}). Regenerate with `python scripts/evaluate.py --groups`; only this "
             "section is rewritten.", "",
             f"Simulated clubs: {report['clubs']} per size and seed, each split {report['trials']} "
             "times afresh into shelves and held-out books, sizes 2-8, over "
             f"{report['groups']:,} author and series groups (≥ {ev.MIN_GROUP_BOOKS} linked books). "
             f"Each member reads about half (at most {ge.MAX_SHELF_PER_GROUP}) of one or two groups "
             "(even odds), no book shared within a club; the rest of their groups is held out. The "
             f"recipe is retrained without author links per seed (seeds {report['seeds']}); a "
             f"member is served when one of the club's top {report['k']} picks is among their "
             "held-out books. Figures: means over seeds ± spread (max − min).", "",
             "Rules (engine/serve/group_picks.py): average, least_misery, rank_fusion (reciprocal "
             "rank fusion), fair_share (seats one at a time, member weights 1 / (1 + what earlier "
             "picks gave them)), deal (seats dealt in turn to the least-served members' best "
             "books). Baselines: single_fixed (the first member's own picks), "
             "single_best (the best member's own picks, chosen in hindsight), mean_vectors (nearest "
             "books to the mean vector of every member's reads).", "",
             "**Worst-served member's hit rate** (per club, the lowest member hit rate over its "
             "splits; mean over clubs):", "",
             head, rule]
    for size, row in summary.items():
        top = max(row[m]["worst"][0] for m in COLUMNS)
        lines.append(f"| {size} | " + " | ".join(_cell(row[m]["worst"], row[m]["worst"][0] == top)
                                                 for m in COLUMNS) + " |")
    lines += ["", "**Mean member hit rate:**", "", head, rule]
    for size, row in summary.items():
        top = max(row[m]["member"][0] for m in COLUMNS)
        lines.append(f"| {size} | " + " | ".join(_cell(row[m]["member"], row[m]["member"][0] == top)
                                                 for m in COLUMNS) + " |")
    lines += ["", f"**Does {CHOSEN_RULE} (the shipped rule) beat the stronger of single_best and "
              "mean_vectors on the worst-served member, by more than the spread?**", "",
              "| members | margin | rival | spread | wins |", "|---|---|---|---|---|"]
    for size, v in wins.items():
        lines.append(f"| {size} | {v['margin']:+.3f} | {v['rival']} | {v['spread']:.3f} | "
                     f"{'yes' if v['wins'] else 'NO'} |")
    measured = report["best_rule"]
    lines += ["", f"Measured best rule on the worst-served member over all sizes: **{measured}**"
              + (" (the shipped CHOSEN_RULE)." if measured == CHOSEN_RULE
                 else f" — NOT the shipped CHOSEN_RULE ({CHOSEN_RULE}): revisit it."), "", END]
    return "\n".join(lines) + "\n"


def write_section(path: Path, section: str) -> None:
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    start, end = text.find(START), text.find(END)
    if start >= 0 and end > start:
        text = text[:start] + section.rstrip("\n") + text[end + len(END):]
    else:
        text = text.rstrip("\n") + ("\n\n" if text else "") + section
    path.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")


def main(argv=None) -> int:
    from engine.quality.report import _host, load_recipe, series_labels

    started = time.perf_counter()
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parse_args(argv)
    if args.from_json:
        report = json.loads(args.from_json.read_text(encoding="utf-8"))
        report.update(verdict=verdict(report["summary"]), best_rule=best_rule(report["summary"]))
        write_section(args.out, render(report))
        print(f"measured best rule: {report['best_rule']}; wrote {args.out}")
        return 0
    args.min_link_count, args.set, args.data = None, [], settings.data_dir()  # load_recipe's knobs
    try:
        catalog, config = load_recipe(args)
    except WikishelfError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    author_page = ev.author_page_of(catalog.meta, catalog.pages)
    authorless = ev.without_author_links(catalog.pairs, author_page)
    linked = np.bincount(authorless[:, 0], minlength=catalog.n_books) > 0
    groups = (ev.groups_of(ev.author_ids(catalog.meta), linked, ev.MIN_GROUP_BOOKS)
              + ev.groups_of(series_labels(catalog.meta), linked, ev.MIN_GROUP_BOOKS))
    if len(groups) < 2 * max(ge.GROUP_SIZES):
        print(f"error: only {len(groups)} author/series groups: too few for clubs of "
              f"{max(ge.GROUP_SIZES)}", file=sys.stderr)
        return 1
    print(f"{len(groups):,} author and series groups; {args.clubs} clubs per size; seeds "
          f"{list(range(args.seeds))}", flush=True)
    per_seed = [run_seed(catalog, config, authorless, groups, seed, args,
                         lambda m: print(m, flush=True)) for seed in range(args.seeds)]
    summary = summarise(per_seed)
    report = {"summary": summary, "verdict": verdict(summary), "best_rule": best_rule(summary),
              "per_seed": per_seed, "command": " ".join(["python scripts/evaluate.py --groups", *argv]),
              "date": dt.datetime.now().strftime("%Y-%m-%d %H:%M"), "host": _host(),
              "clubs": args.clubs, "k": args.k, "trials": args.trials, "groups": len(groups),
              "seeds": list(range(args.seeds))}
    report["seconds"] = round(time.perf_counter() - started, 1)
    write_section(args.out, render(report))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, default=str) + "\n", encoding="utf-8")
    for size, v in report["verdict"].items():
        print(f"size {size}: {CHOSEN_RULE} worst-served {summary[size][CHOSEN_RULE]['worst'][0]:.3f} "
              f"vs {v['rival']} {summary[size][v['rival']]['worst'][0]:.3f} (margin "
              f"{v['margin']:+.3f}, spread {v['spread']:.3f}): {'wins' if v['wins'] else 'does NOT win'}")
    print(f"measured best rule: {report['best_rule']}; wrote {args.out} in {report['seconds']:.0f} s")
    return 0
