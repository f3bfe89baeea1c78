"""What the weak-neighbour cut (engine.serve.evidence) does to the held-out metrics.

    python scripts/evaluate.py --evidence [--quick] [--seeds N] [--thresholds 0,5,6,7]

For each threshold t, a method's neighbours are its POOL nearest books by cosine, minus those
whose shared pages (on the training pairs) sum to less than t, in cosine order: the rule the
bot serves. Every held-out metric then runs on those lists as on the plain ones (threshold 0).

Page strengths are measured from same-author (and same-genre) pairs, and two of the metrics
are about authors, so the measuring and the scoring use different authors: strengths come from
the authors of fold 0 (even author ids); same-author precision and leave-one-out are scored on
fold 1 only, for every row of the table, plain lists included. Held-out link recall uses all test books.
"""

from __future__ import annotations

import time

import numpy as np
from scipy import sparse

from engine.quality import metrics as ev
from engine.quality.methods import KNN_ALPHA, KNN_NEIGHBOURS, Fitted, link_matrix
from engine.serve.evidence import CANDIDATE_POOL, Evidence, field_labels, measured_strength
from engine.serve.picks import NEIGHBOURS_PER_READ, book_series

DEFAULT_THRESHOLDS = (0.0, 4.0, 5.0, 6.0, 7.0, 8.0)


def evidence_rows(pairs: np.ndarray, strength: np.ndarray, n_books: int, n_pages: int):
    """books -> (len(books), n_books) summed strength of the shared pages."""
    links = link_matrix(pairs, n_books, n_pages)
    weighted = (links @ sparse.diags(strength.astype(np.float32))).tocsr()
    back = links.T.tocsr()

    def rows(books: np.ndarray) -> np.ndarray:
        return (weighted[books] @ back).toarray()
    return rows


def cut_similarity(similarity, evidence, threshold: float, pool: int = CANDIDATE_POOL):
    """`similarity` with every book outside a row's `pool` nearest, or sharing less evidence than
    `threshold`, at -inf."""
    if threshold <= 0:
        return similarity

    def rows(books: np.ndarray) -> np.ndarray:
        sims = np.array(similarity(books), dtype=np.float32)
        sims[np.arange(len(books)), books] = -np.inf
        n = sims.shape[1]
        if pool < n:
            kth = np.partition(sims, n - pool, axis=1)[:, n - pool]
            sims[sims < kth[:, None]] = -np.inf
        sims[evidence(books) < threshold] = -np.inf
        return sims
    return rows


class CutFitted(Fitted):
    """A fitted method whose neighbours are the cut lists (so kNN page scores use them too)."""

    def __init__(self, fitted: Fitted, similarity):
        super().__init__(fitted.links, fitted.book_vectors)
        self._similarity = similarity

    def book_similarity(self, books: np.ndarray) -> np.ndarray:
        return self._similarity(books)


def author_folds(authors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(labels for measuring strengths, labels for scoring): two disjoint halves of the authors."""
    measure = np.where(authors % 2 == 0, authors, -1)
    score = np.where((authors >= 0) & (authors % 2 == 1), authors, -1)
    return measure, score


def author_cases(cases, authors: np.ndarray):
    """The leave-one-out cases of an author group whose author is in `authors` (-1: left out)."""
    return [(h, held) for h, held in cases
            if authors[held] >= 0 and np.all(authors[h] == authors[held])]


def run(method, seed, catalog, split, authorless, authors, cases, plan, thresholds, log) -> dict:
    """{threshold: {metric: value}} for one method and seed."""
    measure_labels, score_labels = author_folds(authors)
    genres = field_labels(catalog.meta, "genre")
    my_cases = author_cases(cases, score_labels)
    k, alpha = getattr(method, "knn", (KNN_NEIGHBOURS, KNN_ALPHA))
    out: dict[float, dict[str, float]] = {t: {} for t in thresholds}

    fitted = method.fit(split.train_pairs, catalog.n_books, catalog.n_pages, seed)
    strength = measured_strength(split.train_pairs, catalog.n_pages, measure_labels, genres)
    evidence = evidence_rows(split.train_pairs, strength, catalog.n_books, catalog.n_pages)
    for t in thresholds:
        cut = CutFitted(fitted, cut_similarity(fitted.book_similarity, evidence, t))
        scorer = lambda books, cut=cut: cut.knn_page_scores(books, k=k, alpha=alpha)  # noqa: E731
        metrics = ev.link_prediction(split, catalog.n_pages, scorer, books_limit=plan.link_books,
                                     seed=plan.split_seed)
        out[t]["recall@10"] = metrics.recall[10]

    fitted = method.fit(authorless, catalog.n_books, catalog.n_pages, seed)
    strength = measured_strength(authorless, catalog.n_pages, measure_labels, genres)
    evidence = evidence_rows(authorless, strength, catalog.n_books, catalog.n_pages)
    candidates = np.bincount(authorless[:, 0], minlength=catalog.n_books) > 0
    series = book_series(catalog.meta, authorless, catalog.pages)
    # The picks' own cut (engine.serve.picks) runs on each read's CANDIDATE_POOL nearest books.
    table = ev.NeighbourTable(fitted.book_similarity, ev.neighbours_needed(my_cases), candidates,
                              max(CANDIDATE_POOL, NEIGHBOURS_PER_READ) + 1, seed=plan.split_seed)
    for t in thresholds:
        similarity = cut_similarity(fitted.book_similarity, evidence, t)
        out[t]["same_author_p@10"] = ev.same_author_precision(
            similarity, score_labels, candidates, books_limit=plan.author_books,
            seed=plan.split_seed)
        cut = Evidence(authorless, catalog.n_books, catalog.pages, strength, t) if t > 0 else None
        shelves = ev.EvalCatalog(catalog.books, catalog.meta, series, candidates, table, cut)
        out[t]["loo_hit@10"] = ev.leave_one_out(shelves, my_cases)["hit@10"]
        out[t]["shown@10"] = shown_share(similarity, candidates, plan)
        log(f"  {method.name} seed {seed} t={t:g}: " + ", ".join(
            f"{m} {v:.3f}" for m, v in out[t].items()))
    return out


def shown_share(similarity, candidates: np.ndarray, plan, k: int = 10, sample: int = 2000) -> float:
    """Mean share of a 10-book list that survives the cut (1.0 = always full)."""
    books = np.flatnonzero(candidates)
    rng = np.random.default_rng(plan.split_seed)
    books = np.sort(rng.choice(books, min(sample, len(books)), replace=False))
    full = []
    for _, sims in ev.similarity_batches(similarity, books, candidates):
        full.append(np.minimum(np.isfinite(sims).sum(1), k) / k)
    return float(np.concatenate(full).mean())


def main(args, catalog, config, methods, plan, split, authorless, authors, cases, log=print) -> int:
    thresholds = tuple(float(x) for x in args.thresholds.split(",")) if args.thresholds \
        else DEFAULT_THRESHOLDS
    started = time.perf_counter()
    per_seed: dict[str, list[dict]] = {}
    for method in methods:
        seeds = plan.seeds[:1] if method.name in ("tfidf_knn", "popularity") else plan.seeds
        for seed in seeds:
            per_seed.setdefault(method.name, []).append(
                run(method, seed, catalog, split, authorless, authors, cases, plan, thresholds,
                    log))
    metrics = ("recall@10", "same_author_p@10", "loo_hit@10", "shown@10")
    log("")
    log("| method | cut (sum of strengths) | " + " | ".join(metrics) + " |")
    log("|---|---|" + "---|" * len(metrics))
    for name, runs in per_seed.items():
        for t in thresholds:
            cells = []
            for m in metrics:
                values = np.array([r[t][m] for r in runs])
                spread = values.max() - values.min()
                cells.append(f"{values.mean():.3f}" + (f" ± {spread:.3f}" if len(runs) > 1 else ""))
            log(f"| {name} | {'none' if t <= 0 else f'{t:g}'} | " + " | ".join(cells) + " |")
    log(f"\n({time.perf_counter() - started:.0f} s; seeds {plan.seeds}; split seed {plan.split_seed})")
    return 0
