"""`fetch_wikipedia.py --api`: the same books, aliases and manifest as the dump path, from the
MediaWiki Action API, for users without a dump.

1. the template redirects to `Infobox book` (and to the disambiguation templates), followed
   until no new name appears;
2. the candidates: every main-namespace page that embeds `Infobox book` (embeddedin also lists
   pages that embed it through other templates; the wikitext rule decides);
3. per batch of 50 candidates, their wikitext, then the redirect pages pointing at the books
   found, with their own wikitext, so one rule (engine.build.wikitext) reads both paths.

Each finished batch is saved under `DIR/.api-state/`, so an interrupted fetch resumes there.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable
from pathlib import Path

from engine.build.api_client import BATCH, ApiClient
from engine.build.fetched import atomic_text, book_aliases, write_fetched
from engine.build.progress import progress_bar
from engine.build.wikitext import (
    BOOK_INFOBOX,
    DISAMBIGUATION_TEMPLATES,
    MAIN_NAMESPACE,
    TEMPLATE_NAMESPACE,
    BookPage,
    alias_target,
    book_templates,
    disambiguation_templates,
    parse_book,
    template_key,
)

STATE_DIR = ".api-state"


def _batches(items: list, size: int = BATCH) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _content(page: dict) -> tuple[str, str] | None:
    """(wikitext, timestamp) of a page in a formatversion=2 revisions answer."""
    revisions = page.get("revisions") or []
    if not revisions:
        return None
    main = revisions[0].get("slots", {}).get("main", {})
    content = main.get("content")
    return (content, revisions[0].get("timestamp", "")) if isinstance(content, str) else None


def template_redirects(client: ApiClient, roots: Iterable[str]) -> dict[str, str]:
    """template key -> the template key it redirects to, for every redirect into `roots`."""
    redirects: dict[str, str] = {}
    todo, seen = list(roots), set(roots)
    while todo:
        batch, todo = todo[:BATCH], todo[BATCH:]
        titles = "|".join(f"Template:{name}" for name in batch)
        for part in client.query(prop="redirects", titles=titles, rdnamespace=TEMPLATE_NAMESPACE,
                                 rdlimit="max", rdprop="title"):
            for page in part.get("pages", []):
                for redirect in page.get("redirects", []):
                    name = template_key(redirect["title"])
                    redirects[name] = template_key(page["title"])
                    if name not in seen:
                        seen.add(name)
                        todo.append(name)
    return redirects


def candidates(client: ApiClient) -> list[str]:
    titles: list[str] = []
    for part in client.query(list="embeddedin", eititle=f"Template:{BOOK_INFOBOX}",
                             einamespace=MAIN_NAMESPACE, eilimit="max"):
        titles += [page["title"] for page in part.get("embeddedin", [])]
    return list(dict.fromkeys(titles))


def _pages_with_content(client: ApiClient, **params) -> dict[str, tuple[int, str, str]]:
    """title -> (namespace, wikitext, timestamp), continuations merged."""
    found = {}
    for part in client.query(prop="revisions", rvprop="content|timestamp", rvslots="main",
                             **params):
        for page in part.get("pages", []):
            content = _content(page)
            if content is not None:
                found[page["title"]] = (page.get("ns", 0), *content)
    return found


def read_batch(client: ApiClient, titles: list[str], infoboxes, disambiguations) -> dict:
    """The books among `titles` and the redirects (alias, target) that point at them."""
    books = []
    for title, (ns, text, stamp) in _pages_with_content(client, titles="|".join(titles)).items():
        book = parse_book(title, ns, text, stamp, infoboxes, disambiguations)
        if book is not None:
            books.append(book.row())
    redirects = []
    for batch in _batches([row[0] for row in books]):
        found = _pages_with_content(client, generator="redirects", titles="|".join(batch),
                                    grdnamespace=MAIN_NAMESPACE, grdlimit="max")
        for alias, (ns, text, _) in found.items():
            target = alias_target(text) if ns == MAIN_NAMESPACE else None
            if target is not None:
                redirects.append([alias, target])
    return {"books": books, "redirects": redirects}


def fetch_from_api(url: str, out: Path, contact: str, progress: bool = True,
                   sleep: Callable[[float], None] | None = None,
                   log: Callable[[str], None] = print) -> dict:
    out = Path(out)
    client = ApiClient(url, contact, **({"sleep": sleep} if sleep is not None else {}))
    state = out / STATE_DIR
    plan = state / "plan.json"
    if plan.is_file():  # resuming: the same candidates and templates as the first run
        saved = json.loads(plan.read_text(encoding="utf-8"))
    else:
        redirects = template_redirects(client, [BOOK_INFOBOX, *sorted(DISAMBIGUATION_TEMPLATES)])
        saved = {"redirects": redirects, "candidates": candidates(client),
                 "started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}
        with atomic_text(plan) as fh:
            json.dump(saved, fh, ensure_ascii=False)
    infoboxes = book_templates(saved["redirects"])
    disambiguations = disambiguation_templates(saved["redirects"])
    log(f"{len(saved['candidates']):,} pages embed the book infobox; book infobox templates: "
        f"{', '.join(sorted(infoboxes))}")
    batches = list(_batches(saved["candidates"]))
    with progress_bar(len(saved["candidates"]), "pages", "page", progress) as bar:
        for number, titles in enumerate(batches):
            done = state / f"batch-{number:06d}.json"
            if not done.is_file():
                with atomic_text(done) as fh:
                    json.dump(read_batch(client, titles, infoboxes, disambiguations), fh,
                              ensure_ascii=False)
            bar.update(len(titles))
    books, redirects = [], []
    for number in range(len(batches)):
        batch = json.loads((state / f"batch-{number:06d}.json").read_text(encoding="utf-8"))
        books += [BookPage(*row) for row in batch["books"]]
        redirects += [tuple(pair) for pair in batch["redirects"]]
    manifest = {"source": "api", "api": url, "fetched": saved["started"],
                "book_infoboxes": sorted(infoboxes),
                "counts": {"candidates": len(saved["candidates"]), "requests": client.requests}}
    return write_fetched(out, books, book_aliases(redirects, (b.title for b in books)), manifest)
