"""Training: the project's trainer against the article's loop, side by side, at two scales;
then the full build in a subprocess (wall time and peak memory).

Both trainers are judged on one fixed evaluation batch (20,000 true pairs and 5 uniform random
negatives each, drawn once with a fixed seed) by the same numpy loss (`engine.build.training.pair_loss`),
after every epoch; evaluation time is not counted. The article's loop runs `article_epochs`
epochs (the article trains 15); its loss after the last one is the target, and the project's
trainer runs until it matches it. Clocks start before each model is built, so graph tracing and
XLA compilation count against their trainer.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from benchmarks.synthetic_graph import ARTICLE_BOOKS, ARTICLE_PAGES, degree_summary, skewed_graph
from engine import settings
from engine.errors import ModelDirError
from engine.model_dir import open_model, read_manifest

EVAL_POSITIVES = 20_000
EVAL_SEED = 20_261_129
MAX_OURS_EPOCHS = 40


class EpochClock:
    """Per-epoch (seconds, loss) with the evaluation itself left off the clock."""

    def __init__(self, evaluate, target: float | None = None, min_epochs: int = 1):
        self.evaluate, self.target, self.min_epochs = evaluate, target, min_epochs
        self.started = time.perf_counter()
        self.excluded = 0.0
        self.curve: list[tuple[float, float]] = []

    def __call__(self, epoch, model) -> bool:
        entered = time.perf_counter()
        loss = self.evaluate(model)
        self.curve.append((entered - self.started - self.excluded, loss))
        self.excluded += time.perf_counter() - entered
        reached = self.target is not None and loss <= self.target
        return reached and len(self.curve) >= self.min_epochs

    def steady_seconds(self) -> float:
        """Training time after the first epoch (which also pays tracing and compiling)."""
        return self.curve[-1][0] - self.curve[0][0]


def compare(pairs: np.ndarray, n_books: int, n_pages: int, article_epochs: int, log=print) -> dict:
    from engine.build.sampling import PairSampler
    from engine.build.training import pair_loss, train
    from engine.build.training_config import TrainConfig
    from engine.quality.article_model import train_article_loop

    # The article's task (uniform negative pages, 5 per positive), so that both trainers chase
    # the same loss on the same held batch: this compares trainers, not recipes.
    config = replace(TrainConfig(), negative_ratio=5, page_power=0.0, positive_power=0.0,
                     same_book_negatives=False, epochs=MAX_OURS_EPOCHS, patience=MAX_OURS_EPOCHS)
    held = PairSampler(pairs, n_books, n_pages, 5, True, 0.0, EVAL_SEED).evaluation_batch(EVAL_POSITIVES)

    def evaluate(model):
        return pair_loss(model, *held, classification=True)

    article_clock = EpochClock(evaluate)
    article = train_article_loop(pairs, n_books, n_pages, article_epochs, classification=True,
                                 on_epoch=article_clock)
    per_epoch = article["examples"] / article_epochs
    target = article_clock.curve[-1][1]
    article_seconds = article_clock.curve[-1][0]
    log(f"  article loop: {article_epochs} epochs, {article_seconds:.1f} s, loss {target:.4f}")

    ours_clock = EpochClock(evaluate, target=target, min_epochs=3)
    ours = train(pairs, n_books, n_pages, config, progress=False, log=lambda *a: None,
                 on_epoch=ours_clock)
    ours_per_epoch = ours.examples / len(ours.losses)
    reached = next((t for t, loss in ours_clock.curve if loss <= target), None)
    log(f"  wikishelf: {len(ours_clock.curve)} epochs, reached it in "
        f"{'never' if reached is None else f'{reached:.1f} s'}")

    def rate(clock, examples_per_epoch):
        steady = clock.steady_seconds()
        return (examples_per_epoch * (len(clock.curve) - 1) / steady) if steady > 0 else None

    article_rate = rate(article_clock, per_epoch)
    ours_rate = rate(ours_clock, ours_per_epoch)
    article_overall = article["examples"] / article_seconds
    ours_overall = ours_per_epoch * len(ours_clock.curve) / ours_clock.curve[-1][0]
    return {
        "books": n_books, "pages": n_pages, "pairs": int(len(pairs)),
        "article_loop": {
            "epochs": article_epochs,
            "examples_per_second": _round(article_rate),
            "examples_per_second_with_first_epoch": _round(article_overall),
            "seconds": round(article_seconds, 2),
            "final_eval_loss": round(target, 4),
            "curve": [[round(t, 2), round(loss, 4)] for t, loss in article_clock.curve]},
        "wikishelf": {
            "config": {k: getattr(config, k) for k in ("batch_positives", "negative_ratio",
                                                       "learning_rate", "page_power")},
            "epochs": len(ours_clock.curve),
            "examples_per_second": _round(ours_rate),
            "examples_per_second_with_first_epoch": _round(ours_overall),
            "seconds_to_article_loss": None if reached is None else round(reached, 2),
            "curve": [[round(t, 2), round(loss, 4)] for t, loss in ours_clock.curve]},
        "throughput_speedup": _ratio(ours_rate, article_rate),
        "throughput_speedup_with_first_epoch": _ratio(ours_overall, article_overall),
        "time_to_loss_speedup": _ratio(article_seconds, reached),
    }


def measure_build(quick: bool, log=print) -> dict:
    """`scripts/build_model.py` in a fresh folder, as a new user runs it: fetch from ../shared,
    import TensorFlow, catalog, train, index. Peak RSS from the child's own rusage."""
    with tempfile.TemporaryDirectory(prefix="wikishelf-bench-") as tmp:
        command = [sys.executable, str(settings.PROJECT_ROOT / "scripts" / "build_model.py"), "--quiet",
                   "--data", os.path.join(tmp, "data"), "--out", os.path.join(tmp, "model")]
        started = time.perf_counter()
        child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                 text=True)
        output = child.stdout.read()
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - started
        code = child.returncode = os.waitstatus_to_exitcode(status)  # reaped by wait4, not Popen
        child.stdout.close()
        if code != 0:
            return {"error": (output.strip().splitlines() or ["failed"])[-1], "exit_code": code}
        manifest = read_manifest(Path(tmp, "model"))
    log(f"  full build: {wall:.1f} s wall, peak RSS {usage.ru_maxrss / 1024:.0f} MB")
    return {"wall_seconds": round(wall, 1), "peak_rss_mb": round(usage.ru_maxrss / 1024),
            "counts": manifest["counts"], "final_loss": manifest["training"]["final_loss"],
            "epochs_run": manifest["training"]["epochs_run"], "timings": manifest["timings"]}


def shared_catalog_pairs(args):
    """The catalog build_model.py makes from the data folder (or the model's saved catalog)."""
    from engine.build.catalog import Catalog, catalog_from_data_dir

    data = settings.data_dir()
    if (data / "book_info.tsv").is_file():
        catalog = catalog_from_data_dir(data)
    else:
        try:
            catalog = Catalog.from_model(open_model(args.model))
        except ModelDirError:
            return None
    return catalog.pairs, catalog.n_books, catalog.n_pages


def run(args) -> dict:
    quick = bool(getattr(args, "quick", False))
    results: dict = {}
    shared = shared_catalog_pairs(args)
    if shared is None:
        results["shared_catalog"] = {"skipped": "no data: run python scripts/fetch_data.py"}
    else:
        print("shared catalog:", flush=True)
        results["shared_catalog"] = compare(*shared, article_epochs=3 if quick else 15)
    print("synthetic graph at the article's full scale:", flush=True)
    pairs = skewed_graph()
    full = compare(pairs, ARTICLE_BOOKS, ARTICLE_PAGES, article_epochs=2 if quick else 3)
    full["degrees"] = degree_summary(pairs, ARTICLE_PAGES)
    results["full_scale_synthetic"] = full
    print("full build:", flush=True)
    results["full_build"] = measure_build(quick)
    return results


def _round(x):
    return None if x is None else round(x)


def _ratio(a, b):
    return round(a / b, 2) if a and b else None
