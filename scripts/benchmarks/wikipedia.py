"""The dump path's speed on a generated dump of the real dump's shape, and the projections.

The generated dump mixes pages as enwiki does: about half redirects, a fraction of a percent
books (written with `Infobox book` or its redirect `Infobox novel`), a share of other
infoboxed articles (films, people) that pass the pre-filter and are set aside, plain articles;
Zipf-distributed words, so bz2 compresses it about as much as real wikitext (the manifest
reports the ratio). Measured with 1 and 2 workers on 2 partitions; the projection for the
whole current English dump is

    T(n cores) = D / (r1 * n * e)      D = 24 GB compressed, r1 = compressed MB/s of one worker,
                                       e = r2 / (2 * r1), the parallel efficiency measured at 2

(the dump's ~27 partitions let up to 27 workers run at once). The API path's cost is its
request count for the real number of book pages times a stated latency per request.

The full build at the fresh catalog's size alone (a few minutes, without the dump):

    PYTHONPATH=.:scripts python -m benchmarks.wikipedia --fresh-build [--quick]
"""

from __future__ import annotations

import argparse
import json
import math
import random
import shutil
import tempfile
import textwrap
import time
from pathlib import Path

from engine.build.dump_fetch import fetch_from_dumps
from engine.build.dump_writer import write_dump
from engine.quality.fresh_process import run_python

WHOLE_DUMP_GB = 24.0  # enwiki pages-articles-multistream, compressed, 2024
ENWIKI_BOOK_PAGES = 52_000  # pages embedding Infobox book (list=embeddedin), order of magnitude
ENWIKI_ALIASES_PER_BOOK = 2.0  # redirects into a book page, on average
API_LATENCY_S = 0.6  # per request, one at a time (content requests of 50 pages are the slow ones)
STAMP = "2024-05-01T12:00:00Z"


def _words(rng: random.Random, vocabulary: list[str], weights: list[float], n: int) -> str:
    return " ".join(rng.choices(vocabulary, weights, k=n))


def synthetic_pages(n_pages: int, seed: int = 0):
    rng = random.Random(seed)
    vocabulary = ["".join(rng.choices("etaoinshrdlucmfwypvbgkqjxz", k=rng.randint(2, 10)))
                  for _ in range(20_000)]
    weights = [1.0 / (rank + 1) for rank in range(len(vocabulary))]
    titles = [f"Page {i} {vocabulary[i % 5000]}" for i in range(n_pages)]
    for i in range(n_pages):
        roll = rng.random()
        if roll < 0.5:  # a redirect to an earlier page
            yield (f"Redirect {i}", 0, f"#REDIRECT [[{titles[rng.randrange(max(1, i))]}]]", STAMP,
                   "x")
            continue
        body = _words(rng, vocabulary, weights, rng.randint(150, 1400))
        links = " ".join(f"[[{titles[rng.randrange(n_pages)]}]]" for _ in range(rng.randint(5, 60)))
        if roll < 0.504:
            infobox = "Infobox book" if roll < 0.502 else "Infobox novel"
            head = (f"{{{{{infobox}\n| name = {titles[i]}\n| author = [[Author {i % 300}]]\n"
                    f"| genre = {{{{Plainlist|\n* [[Fantasy]]\n* [[Novel]]\n}}}}\n}}}}\n")
        elif roll < 0.70:
            head = f"{{{{Infobox {rng.choice(['film', 'person', 'settlement', 'album'])}\n| name = x\n}}}}\n"
        else:
            head = "{{Short description|x}}\n"
        text = f"{head}'''{titles[i]}''' {body}\n{links}\n[[Category:{vocabulary[i % 900]}]]\n"
        yield (titles[i], 0, text, STAMP, None)


def api_requests(book_pages: int, aliases_per_book: float) -> int:
    """Requests of one --api fetch: template redirects, embeddedin (500 a request), wikitext
    (50 titles a request), redirect pages (50 books a request, continued every 50 redirects)."""
    batches = math.ceil(book_pages / 50)
    return 2 + math.ceil(book_pages / 500) + batches + batches * math.ceil(aliases_per_book)


FRESH_BOOKS, FRESH_PAGES, FRESH_PAIRS = 50_000, 80_000, 1_200_000  # the fresh catalog's size
FRESH_BUILD = textwrap.dedent("""
    import json, os, resource, sys, tempfile, time
    from benchmarks.synthetic_graph import skewed_graph
    from engine.build.catalog import Catalog
    from engine.build.pipeline import build_from_catalog
    from engine.build.training_config import FULL_LINKS, recipe_config
    books, pages, pairs = (int(x) for x in sys.argv[1:4])
    graph = skewed_graph(books, pages, pairs)
    catalog = Catalog([f"Book {i:06d}" for i in range(books)], [f"page {j:06d}" for j in range(pages)],
                      graph, [{} for _ in range(books)])
    # The machine is shared: the load beside the wall time says how busy it was, and the CPU
    # seconds (all threads) bound the wall time on 2 idle cores from below (cpu_s / 2).
    load_before = os.getloadavg()[0]
    cpu_before = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        manifest = build_from_catalog(catalog, tmp + "/model", recipe_config(FULL_LINKS),
                                      progress=False, log=lambda *a: None)
    cpu = resource.getrusage(resource.RUSAGE_SELF)
    cpu_s = cpu.ru_utime + cpu.ru_stime - cpu_before.ru_utime - cpu_before.ru_stime
    print(json.dumps({"wall_s": round(time.perf_counter() - started, 1), "cpu_s": round(cpu_s, 1),
                      "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
                      "epochs_planned": manifest["training"]["epochs_planned"],
                      "epochs_run": manifest["training"]["epochs_run"],
                      "timings": manifest["timings"],
                      "load_1m": [round(load_before, 2), round(os.getloadavg()[0], 2)]}))
""")


def fresh_size_build(quick: bool) -> dict:
    """The full build (train, indexes, map) on a synthetic graph the size the fresh catalog will
    have, with the full-links recipe, in a child process of its own (so its peak RSS is its own)."""
    scale = 10 if quick else 1
    sizes = (FRESH_BOOKS // scale, FRESH_PAGES // scale, FRESH_PAIRS // scale)
    figures = run_python(FRESH_BUILD, *map(str, sizes), timeout=3600,
                         extra_path=str(Path(__file__).resolve().parents[1]))
    return {"books": sizes[0], "pages": sizes[1], "pairs": sizes[2], **figures}


def run(args) -> dict:
    quick = bool(getattr(args, "quick", False))
    pages_per_part = 20_000 if quick else 250_000
    work = Path(tempfile.mkdtemp(prefix="wikishelf-bench-dump-"))
    try:
        started = time.perf_counter()
        parts = [write_dump(work / f"enwiki-20240501-pages-articles-multistream{n + 1}.xml.bz2",
                            synthetic_pages(pages_per_part, seed=n), level=9) for n in range(2)]
        compressed = sum(p.stat().st_size for p in parts)
        print(f"generated {2 * pages_per_part:,} pages, {compressed / 1e6:.0f} MB compressed "
              f"({time.perf_counter() - started:.0f} s)", flush=True)
        runs = {}
        for workers in (1, 2):
            out = work / f"out-{workers}"
            t = time.perf_counter()
            manifest = fetch_from_dumps(parts, out, workers,
                                        progress=False, log=lambda *a: None)
            seconds = time.perf_counter() - t
            runs[workers] = {"seconds": round(seconds, 2),
                             "pages_per_s": round(manifest["counts"]["pages_read"] / seconds),
                             "compressed_mb_per_s": round(compressed / 1e6 / seconds, 2),
                             "books": manifest["counts"]["books"],
                             "aliases": manifest["counts"]["aliases"]}
            print(f"{workers} worker(s): {runs[workers]}", flush=True)
            shutil.rmtree(out)
        r1 = runs[1]["compressed_mb_per_s"]
        efficiency = runs[2]["compressed_mb_per_s"] / (2 * r1)
        projection = {f"{n}_cores_minutes": round(WHOLE_DUMP_GB * 1000 / (r1 * n * efficiency) / 60, 1)
                      for n in (2, 16)}
        requests = api_requests(ENWIKI_BOOK_PAGES, ENWIKI_ALIASES_PER_BOOK)
        build = fresh_size_build(quick)
        print(f"fresh-size build: {build}", flush=True)
        return {
            "generated": {"pages": 2 * pages_per_part, "partitions": 2,
                          "compressed_mb": round(compressed / 1e6, 1)},
            "workers": runs,
            "per_core": {"pages_per_s": runs[1]["pages_per_s"], "compressed_mb_per_s": r1},
            "parallel_efficiency_at_2": round(efficiency, 3),
            "whole_dump_projection": {"formula": "T(n) = D / (r1 * n * e)", "D_gb": WHOLE_DUMP_GB,
                                      **projection},
            "api": {"book_pages": ENWIKI_BOOK_PAGES, "requests": requests,
                    "latency_s": API_LATENCY_S,
                    "minutes": round(requests * API_LATENCY_S / 60, 1)},
            "fresh_size_build": build,
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="the full build at the fresh catalog's size")
    parser.add_argument("--fresh-build", action="store_true", required=True)
    parser.add_argument("--quick", action="store_true", help="a tenth of the size")
    print(json.dumps(fresh_size_build(parser.parse_args().quick)))
