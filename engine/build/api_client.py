"""A polite MediaWiki Action API client (standard library only).

Wikimedia's etiquette: a User-Agent that names the tool and a contact, `maxlag` on every
request, one request at a time, and backing off when told to: HTTP 429 and 5xx, and `maxlag`
errors, which arrive as HTTP 200 with error code `maxlag` and a Retry-After header.
"""

from __future__ import annotations

import gzip
import http.client
import json
import platform
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator

from engine.errors import DataError

TOOL = "wikishelf/0.1 (book recommender; https://github.com/wikishelf)"
MAXLAG = 5  # seconds of replication lag above which the servers ask bots to wait
BATCH = 50  # titles a request (the API's limit for clients without the bot right)


class ApiError(DataError):
    """The API refused, answered garbage, or stopped answering."""


class ApiClient:
    def __init__(self, url: str, contact: str, retries: int = 6, timeout: float = 60,
                 sleep: Callable[[float], None] = time.sleep, max_wait: float = 120):
        if not contact or not contact.strip():
            raise ApiError("the Wikimedia API needs a contact in the User-Agent: pass "
                           "--contact you@example.org (or set WIKISHELF_CONTACT)")
        self.url = url
        self.user_agent = f"{TOOL} contact: {contact.strip()} Python/{platform.python_version()}"
        self.retries, self.timeout, self.sleep, self.max_wait = retries, timeout, sleep, max_wait
        self.requests = 0

    def get(self, **params) -> dict:
        """One query, retried with backoff on throttling, lag, server errors and broken
        connections; ApiError with the last problem when the tries run out."""
        params = {"action": "query", "format": "json", "formatversion": "2", "maxlag": MAXLAG,
                  **params}
        request = urllib.request.Request(f"{self.url}?{urllib.parse.urlencode(params)}", headers={
            "User-Agent": self.user_agent, "Accept-Encoding": "gzip"})
        problem, wait = "", 1.0
        for attempt in range(self.retries + 1):
            if attempt:
                self.sleep(min(self.max_wait, wait))
            self.requests += 1
            wait = 2.0 ** attempt
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    body, headers = response.read(), response.headers
            except urllib.error.HTTPError as exc:
                if exc.code != 429 and exc.code < 500:
                    raise ApiError(f"{self.url} refused the request (HTTP {exc.code})") from None
                problem, wait = f"HTTP {exc.code}", _retry_after(exc.headers, wait)
                continue
            except (urllib.error.URLError, http.client.HTTPException, OSError) as exc:
                problem = f"{exc.__class__.__name__}: {getattr(exc, 'reason', exc)}"
                continue
            try:
                if headers.get("Content-Encoding") == "gzip":
                    body = gzip.decompress(body)
                data = json.loads(body)
            except (ValueError, OSError):
                problem = "an answer that is not JSON"
                continue
            error = data.get("error") if isinstance(data, dict) else {"code": "not an object"}
            if error:
                if error.get("code") == "maxlag":
                    problem, wait = "maxlag", _retry_after(headers, wait)
                    continue
                raise ApiError(f"{self.url} answered {error.get('code')}: {error.get('info', '')}")
            return data
        raise ApiError(f"{self.url} stopped answering ({problem} after {self.retries + 1} tries); "
                       f"run the same command again to resume")

    def query(self, **params) -> Iterator[dict]:
        """Every `query` part of a request and its continuations."""
        carry: dict = {}
        while True:
            data = self.get(**params, **carry)
            if "query" in data:
                yield data["query"]
            if "continue" not in data:
                return
            carry = data["continue"]


def _retry_after(headers, default: float) -> float:
    try:
        return max(0.0, float(headers.get("Retry-After", default)))
    except (TypeError, ValueError):
        return default
