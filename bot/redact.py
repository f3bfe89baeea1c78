"""Keeps a secret (the Discord token) out of every log line, tracebacks included."""

from __future__ import annotations

import logging

MASK = "[redacted]"


class RedactingFilter(logging.Filter):
    """A handler filter: formats the message and any traceback, then masks the secret."""

    def __init__(self, secret: str):
        super().__init__()
        self.secret = secret

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secret:
            return True
        message = record.getMessage()
        if self.secret in message:
            record.msg, record.args = message.replace(self.secret, MASK), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text and self.secret in record.exc_text:
            record.exc_text = record.exc_text.replace(self.secret, MASK)
        if record.stack_info and self.secret in record.stack_info:
            record.stack_info = record.stack_info.replace(self.secret, MASK)
        return True


def install(secret: str | None, logger: logging.Logger | None = None) -> None:
    """Mask `secret` on every handler of `logger` (default: the root logger)."""
    if not secret:
        return
    for handler in (logger or logging.getLogger()).handlers:
        if not any(isinstance(f, RedactingFilter) and f.secret == secret for f in handler.filters):
            handler.addFilter(RedactingFilter(secret))
