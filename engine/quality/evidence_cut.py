"""What the weak-neighbour cut (engine.serve.evidence) does to the held-out metrics.

    python scripts/evaluate.py --evidence [--quick] [--seeds N] [--thresholds 0,1.2,1.4]
        [--blends 0.05,0.1]
    python scripts/evaluate.py --evidence-lists 40

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
from engine.serve.evidence import CANDIDATE_POOL, RANK_BLEND, Evidence, field_labels, measured_strength
from engine.serve.picks import NEIGHBOURS_PER_READ, book_series, kin_keys

DEFAULT_THRESHOLDS = (0.0, 1.0, 1.2, 1.4, 1.6)


def evidence_rows(pairs: np.ndarray, strength: np.ndarray, n_books: int, n_pages: int):
    """books -> (len(books), n_books) summed strength of the shared pages."""
    links = link_matrix(pairs, n_books, n_pages)
    weighted = (links @ sparse.diags(strength.astype(np.float32))).tocsr()
    back = links.T.tocsr()

    def rows(books: np.ndarray) -> np.ndarray:
        return (weighted[books] @ back).toarray()
    return rows


def cut_similarity(similarity, evidence, threshold: float, pool: int = CANDIDATE_POOL,
                   blend: float = 0.0, kin=None, kin_bonus: float = 0.0):
    """`similarity` with every book outside a row's `pool` nearest, or sharing less evidence than
    `threshold`, at -inf; the kept ones ranked by cosine + blend x evidence. With `kin` (books ->
    bool rows: same author or series), kin books are kept whatever their rank or evidence and
    get + kin_bonus, as `similar` serves them."""
    if threshold <= 0:
        return similarity

    def rows(books: np.ndarray) -> np.ndarray:
        raw = np.array(similarity(books), dtype=np.float32)
        raw[np.arange(len(books)), books] = -np.inf
        sims = raw.copy()
        n = sims.shape[1]
        if pool < n:
            kth = np.partition(sims, n - pool, axis=1)[:, n - pool]
            sims[sims < kth[:, None]] = -np.inf
        shared = evidence(books)
        sims[shared < threshold] = -np.inf
        if kin is not None:
            related = kin(books)
            sims = np.where(related, raw + kin_bonus, sims)
        return sims + blend * shared if blend else sims
    return rows


def kin_rows(catalog, series, dropped_authors: np.ndarray):
    """books -> bool rows of the books sharing an author or series key (engine.serve.kinship's
    keys), with the author keys of books whose author label is in `dropped_authors` (the
    scoring fold) left out, so same-author precision gains only through series."""
    keys = []
    for book, (title, meta, name) in enumerate(zip(catalog.books, catalog.meta, series,
                                                   strict=True)):
        own = kin_keys(title, meta, name)
        keys.append([k for k in own if not (k.startswith("author:") and dropped_authors[book])])
    ids: dict[str, int] = {}
    rows = [b for b, ks in enumerate(keys) for _ in ks]
    cols = [ids.setdefault(k, len(ids)) for ks in keys for k in ks]
    member = sparse.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)),
                               shape=(len(keys), max(len(ids), 1)))
    back = member.T.tocsr()

    def related(books: np.ndarray) -> np.ndarray:
        out = (member[books] @ back).toarray() > 0
        out[np.arange(len(books)), books] = False
        return out
    return related


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


def run(method, seed, catalog, split, authorless, authors, cases, plan, thresholds, log,
        blends=(), kin_bonuses=()) -> dict:
    """{(threshold, blend): {metric: value}} for one method and seed. A blend re-ranks the kept
    neighbours by cosine + blend x evidence; it changes only the order, so it is scored on
    same-author precision only."""
    measure_labels, score_labels = author_folds(authors)
    genres = field_labels(catalog.meta, "genre")
    my_cases = author_cases(cases, score_labels)
    k, alpha = getattr(method, "knn", (KNN_NEIGHBOURS, KNN_ALPHA))
    out: dict[tuple, dict[str, float]] = {(t, 0.0): {} for t in thresholds}

    fitted = method.fit(split.train_pairs, catalog.n_books, catalog.n_pages, seed)
    strength = measured_strength(split.train_pairs, catalog.n_pages, measure_labels, genres)
    evidence = evidence_rows(split.train_pairs, strength, catalog.n_books, catalog.n_pages)
    for t in thresholds:
        cut = CutFitted(fitted, cut_similarity(fitted.book_similarity, evidence, t))
        scorer = lambda books, cut=cut: cut.knn_page_scores(books, k=k, alpha=alpha)  # noqa: E731
        metrics = ev.link_prediction(split, catalog.n_pages, scorer, books_limit=plan.link_books,
                                     seed=plan.split_seed)
        out[t, 0.0]["recall@10"] = metrics.recall[10]
    series_all = book_series(catalog.meta, split.train_pairs, catalog.pages)
    kin_all = kin_rows(catalog, series_all, score_labels >= 0)
    for t in (t for t in thresholds if t > 0):
        for bonus in kin_bonuses:
            cut = CutFitted(fitted, cut_similarity(fitted.book_similarity, evidence, t,
                                                   blend=RANK_BLEND, kin=kin_all, kin_bonus=bonus))
            scorer = lambda books, cut=cut: cut.knn_page_scores(books, k=k, alpha=alpha)  # noqa: E731
            metrics = ev.link_prediction(split, catalog.n_pages, scorer,
                                         books_limit=plan.link_books, seed=plan.split_seed)
            out.setdefault((t, RANK_BLEND, bonus), {})["recall@10"] = metrics.recall[10]

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
        out[t, 0.0]["same_author_p@10"] = ev.same_author_precision(
            similarity, score_labels, candidates, books_limit=plan.author_books,
            seed=plan.split_seed)
        cut = Evidence(authorless, catalog.n_books, catalog.pages, strength, t) if t > 0 else None
        shelves = ev.EvalCatalog(catalog.books, catalog.meta, series, candidates, table, cut)
        out[t, 0.0]["loo_hit@10"] = ev.leave_one_out(shelves, my_cases)["hit@10"]
        out[t, 0.0]["shown@10"] = shown_share(similarity, candidates, plan)
        log(f"  {method.name} seed {seed} t={t:g}: " + ", ".join(
            f"{m} {v:.3f}" for m, v in out[t, 0.0].items()))
        for blend in (b for b in blends if b > 0 and t > 0):
            blended = cut_similarity(fitted.book_similarity, evidence, t, blend=blend)
            out[t, blend] = {"same_author_p@10": ev.same_author_precision(
                blended, score_labels, candidates, books_limit=plan.author_books,
                seed=plan.split_seed)}
            log(f"  {method.name} seed {seed} t={t:g} blend {blend:g}: same_author_p@10 "
                f"{out[t, blend]['same_author_p@10']:.3f}")
        if t <= 0:
            continue
        kin = kin_rows(catalog, series, score_labels >= 0)
        for bonus in kin_bonuses:
            kinned = cut_similarity(fitted.book_similarity, evidence, t, blend=RANK_BLEND,
                                    kin=kin, kin_bonus=bonus)
            row = out.setdefault((t, RANK_BLEND, bonus), {})
            row["same_author_p@10"] = ev.same_author_precision(
                kinned, score_labels, candidates, books_limit=plan.author_books,
                seed=plan.split_seed)
            row["shown@10"] = shown_share(kinned, candidates, plan)
            log(f"  {method.name} seed {seed} t={t:g} kin +{bonus:g}: " + ", ".join(
                f"{m} {v:.3f}" for m, v in row.items()))
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
    blends = tuple(float(x) for x in args.blends.split(",")) if args.blends else ()
    kin_bonuses = tuple(float(x) for x in args.kin_bonuses.split(",")) \
        if getattr(args, "kin_bonuses", None) else ()
    started = time.perf_counter()
    per_seed: dict[str, list[dict]] = {}
    for method in methods:
        seeds = plan.seeds[:1] if method.name in ("tfidf_knn", "popularity") else plan.seeds
        for seed in seeds:
            per_seed.setdefault(method.name, []).append(
                run(method, seed, catalog, split, authorless, authors, cases, plan, thresholds,
                    log, blends, kin_bonuses))
    metrics = ("recall@10", "same_author_p@10", "loo_hit@10", "shown@10")
    log("")
    log("| method | cut (sum of strengths) | " + " | ".join(metrics) + " |")
    log("|---|---|" + "---|" * len(metrics))
    for name, runs in per_seed.items():
        for key in runs[0]:
            t, blend, *kin = key
            cells = []
            for m in metrics:
                if m not in runs[0][key]:
                    cells.append("")
                    continue
                values = np.array([r[key][m] for r in runs])
                spread = values.max() - values.min()
                cells.append(f"{values.mean():.3f}" + (f" ± {spread:.3f}" if len(runs) > 1 else ""))
            label = "none" if t <= 0 else f"{t:g}" + (f", re-ranked +{blend:g} x evidence"
                                                      if blend else "")
            label += f", same author/series kept +{kin[0]:g}" if kin else ""
            log(f"| {name} | {label} | " + " | ".join(cells) + " |")
    log(f"\n({time.perf_counter() - started:.0f} s; seeds {plan.seeds}; split seed {plan.split_seed})")
    return 0


# ---------------------------------------------------------------- the lists, to read
def famous_books(rec, books_csv, n: int) -> list[int]:
    """The n most-read goodbooks-10k titles (in that file's order, by ratings) that the catalog
    holds under the same title and that have links; one per author, so no series fills the set."""
    import csv

    chosen, authors = [], set()
    with open(books_csv, encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            book = rec.title_to_id.get((row.get("original_title") or "").strip())
            if book is None or not rec.has_links[book]:
                continue
            author = rec.meta[book].get("author")
            if author in authors:
                continue
            chosen.append(book)
            authors.add(author)
            if len(chosen) == n:
                break
    return chosen


def print_lists(model_dir, books_csv, n: int, k: int = 5, log=print, blend=None) -> int:
    """Top-k lists of the shipped model for n famous books: by cosine alone (before), as served
    (after the cut, with the shared pages) and TF-IDF item-kNN's, for a reader to judge."""
    from engine.quality.methods import TfidfKnn
    from engine.serve.recommender import Recommender

    rec = Recommender.load(model_dir)
    if blend is not None:
        rec.rank_blend = blend
    tfidf = TfidfKnn().fit(rec.files.pairs, len(rec.titles), len(rec.pages))

    def name(book: int) -> str:
        return f"{rec.titles[book]} ({rec.meta[book].get('author') or '?'})"

    shown = full = 0
    for book in famous_books(rec, books_csv, n):
        title = rec.titles[book]
        log(f"\n## {name(book)}")
        log("  before: " + " | ".join(name(rec.title_to_id[x.title]) for x in rec.nearest(title, k)))
        served = rec.similar(title, k)
        shown, full = shown + len(served), full + k
        log("  after:  " + " | ".join(
            f"{name(rec.title_to_id[x.title])} [{' · '.join(p.page for p in x.shared)}]"
            for x in served) + (f"  -- {served.reason}" if served.reason else ""))
        sims = tfidf.book_similarity(np.array([book]))[0]
        sims[book] = -np.inf
        sims[~rec.has_links] = -np.inf
        log("  tfidf:  " + " | ".join(name(int(i)) for i in np.argsort(-sims, kind="stable")[:k]))
    log(f"\n{shown} of {full} slots shown after the cut (close >= {rec.evidence.close:g}, "
        f"re-ranked +{rec.rank_blend:g} x evidence)")
    rng = np.random.default_rng(ev.SPLIT_SEED)
    sample = rng.choice(np.flatnonzero(rec.has_links), min(2000, int(rec.has_links.sum())),
                        replace=False)
    lengths = np.array([len(rec.similar(rec.titles[int(b)], 10)) for b in sample])
    log(f"over {len(sample)} random linked books: {lengths.mean() / 10:.3f} of the top-10 slots "
        f"shown, {np.mean(lengths == 10):.3f} of lists full, {np.mean(lengths == 0):.3f} empty")
    return 0
