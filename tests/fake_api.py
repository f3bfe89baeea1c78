"""A fake MediaWiki Action API on 127.0.0.1, serving the pages of tests/wiki_pages.py in the
real formatversion=2 JSON shapes, with small limits so every continuation is exercised, and
faults on cue: a 429, a maxlag error (HTTP 200 + Retry-After), a dropped connection, garbage.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import mwparserfromhell

from engine.build.wikitext import name_of, template_key, title_key
from tests.wiki_pages import WikiPage

NAMESPACES = {"Template": 10, "Talk": 1, "Draft": 118}
PAGE_LIMIT = 3  # items a list answers with before it says "continue"


def _pages_json(page: WikiPage, page_id: int) -> dict:
    return {"pageid": page_id, "ns": page.ns, "title": page.title}


class FakeWiki:
    def __init__(self, pages: list[WikiPage]):
        self.pages = {p.title: p for p in pages}
        self.ids = {p.title: 100 + i for i, p in enumerate(pages)}
        self.faults: dict[int, str] = {}  # request number -> "429" | "maxlag" | "drop" | "garbage"
        self.down_after: int | None = None  # every request after this many answers 503
        self.requests: list[dict] = []
        self.user_agents: list[str] = []

    def redirects_to(self, title: str) -> list[WikiPage]:
        return [p for p in self.pages.values()
                if p.redirect_target and title_key(p.redirect_target) == title]

    def embeds(self, template: str) -> list[WikiPage]:
        """Pages that transclude the template directly or through a redirect to it."""
        names = {template_key(template)} | {template_key(p.title) for p in
                                            self.redirects_to(f"Template:{template_key(template)}")}
        return [p for p in self.pages.values() if not p.redirect_target and names & {
            name_of(t) for t in mwparserfromhell.parse(p.text).filter_templates()}]

    def answer(self, q: dict) -> dict:
        if q.get("list") == "embeddedin":
            found = [p for p in self.embeds(q["eititle"].removeprefix("Template:"))
                     if str(p.ns) == q.get("einamespace", str(p.ns))]
            return self._list(found, q, "eicontinue", "embeddedin")
        titles = q["titles"].split("|")
        if q.get("generator") == "redirects":
            found = [r for t in titles for r in self.redirects_to(title_key(t))
                     if str(r.ns) == q.get("grdnamespace", str(r.ns))]
            return self._list(found, q, "grdcontinue", None, with_content=True)
        if q.get("prop") == "redirects":
            start = int(q.get("rdcontinue", 0))
            pages, given, more = [], 0, False
            for title in titles:
                if title not in self.pages:
                    pages.append({"ns": 10, "title": title, "missing": True})
                    continue
                entry = {**_pages_json(self.pages[title], self.ids[title]), "redirects": []}
                for r in self.redirects_to(title_key(title)):
                    if str(r.ns) != q.get("rdnamespace", str(r.ns)):
                        continue
                    given += 1
                    if given <= start:
                        continue
                    if given > start + PAGE_LIMIT:
                        more = True
                        break
                    entry["redirects"].append({"pageid": self.ids[r.title], "ns": r.ns,
                                               "title": r.title})
                pages.append(entry)
            body = {"batchcomplete": True, "query": {"pages": pages}}
            if more:
                body["continue"] = {"rdcontinue": str(start + PAGE_LIMIT), "continue": "||"}
            return body
        if q.get("prop") == "revisions":
            pages = [self._with_content(self.pages[t]) if t in self.pages
                     else {"ns": 0, "title": t, "missing": True} for t in titles]
            return {"batchcomplete": True, "query": {"pages": pages}}
        return {"error": {"code": "badvalue", "info": f"unexpected request {q}"}}

    def _with_content(self, page: WikiPage) -> dict:
        return {**_pages_json(page, self.ids[page.title]), "revisions": [{
            "timestamp": page.timestamp,
            "slots": {"main": {"contentmodel": "wikitext", "contentformat": "text/x-wiki",
                               "content": page.text}}}]}

    def _list(self, found: list[WikiPage], q: dict, key: str, name: str | None,
              with_content: bool = False) -> dict:
        start = int(q.get(key, 0))
        chunk = found[start:start + PAGE_LIMIT]
        items = [self._with_content(p) if with_content else _pages_json(p, self.ids[p.title])
                 for p in chunk]
        body = {"batchcomplete": True, "query": {name or "pages": items}}
        if start + PAGE_LIMIT < len(found):
            body["continue"] = {key: str(start + PAGE_LIMIT), "continue": "-||"}
        return body


def serve(wiki: FakeWiki) -> tuple[ThreadingHTTPServer, str]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the http.server name
            query = {k: v[0] for k, v in parse_qs(urlparse(self.path).query).items()}
            wiki.requests.append(query)
            wiki.user_agents.append(self.headers.get("User-Agent", ""))
            number = len(wiki.requests)
            fault = wiki.faults.get(number)
            if wiki.down_after is not None and number > wiki.down_after:
                fault = "503"
            if fault == "drop":
                self.close_connection = True
                self.connection.shutdown(2)  # no status line at all: RemoteDisconnected
                return
            if fault in ("429", "503"):
                self._send(int(fault), b"Too many requests", {"Retry-After": "0"})
                return
            if fault == "maxlag":
                body = {"error": {"code": "maxlag", "info": "Waiting for 10.64.0.1: 7 seconds lagged.",
                                  "host": "10.64.0.1", "lag": 7, "type": "db"}, "servedby": "mw1"}
                self._send(200, json.dumps(body).encode(),
                           {"Retry-After": "0", "X-Database-Lag": "7"})
                return
            if fault == "garbage":
                self._send(200, b"<html>Wikimedia error</html>", {})
                return
            self._send(200, json.dumps(wiki.answer(query)).encode(), {})

        def _send(self, status: int, body: bytes, headers: dict):
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            for key, value in headers.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/w/api.php"
