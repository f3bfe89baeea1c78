"""Telling a PostgreSQL connection string from a file path, and showing one without its password."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

SCHEMES = ("postgresql://", "postgres://")
MASK = "***"


def is_postgres(target: Path | str) -> bool:
    return isinstance(target, str) and target.strip().lower().startswith(SCHEMES)


def password(dsn: str) -> str | None:
    """The password a connection string carries (in its user part or `?password=`), if any."""
    try:
        parts = urlsplit(dsn)
        found = parts.password
        query = dict(p.split("=", 1) for p in parts.query.split("&") if "=" in p)
    except ValueError:  # e.g. an unclosed [ in the host: nothing reliable to parse
        return None
    return found or query.get("password") or None


def redact(dsn: str) -> str:
    """The connection string as messages may show it: any password replaced by ***."""
    secret = password(dsn)
    if secret is None:
        return dsn if "@" not in dsn else dsn.split("://", 1)[0] + "://" + MASK + "@" + \
            dsn.rsplit("@", 1)[1]  # unparseable with a user part: hide that part whole
    parts = urlsplit(dsn)
    netloc = parts.netloc.replace(":" + secret + "@", ":" + MASK + "@", 1)
    query = parts.query.replace("password=" + secret, "password=" + MASK)
    shown = urlunsplit(parts._replace(netloc=netloc, query=query))
    return shown.replace(secret, MASK)  # wherever else it still appears
