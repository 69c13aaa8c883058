"""The log file: where details go that a user should not have to read.

A user sees one line with the next step (:mod:`chat_rec.errors`); the traceback, the
failing backend's own message and the fallback taken go to ``CHAT_REC_HOME/chat-rec.log``
(rotated at 1 MB, 3 files kept). :func:`configure_logging` is called by the CLI and the
UI at start; library code only calls ``logging.getLogger(__name__)``.

Secrets never reach the file: every record passes :class:`Redact`, which blanks the
configured API key (and anything shaped like a bearer token or ``sk-...`` key).

Deliberately left out: structured (JSON) logs and shipping logs anywhere.
"""

from __future__ import annotations

import logging
import re
from logging.handlers import RotatingFileHandler
from pathlib import Path

LOG_NAME = "chat-rec.log"
_TOKEN = re.compile(r"(?:sk-[A-Za-z0-9_-]{8,}|(?i:bearer)\s+[A-Za-z0-9._~+/-]{8,}=*)")


class Redact(logging.Filter):
    """Blank secrets in a record's message, arguments and traceback text."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s and len(s) >= 4]

    def clean(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "[redacted]")
        return _TOKEN.sub("[redacted]", text)

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self.clean(record.getMessage())
        record.args = None
        if record.exc_info:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
            record.exc_info = None
        if record.exc_text:  # also when another handler's filter formatted it first
            record.exc_text = self.clean(record.exc_text)
        return True


def configure_logging(home: Path, secrets: list[str | None] | None = None, level: int = logging.INFO) -> Path:
    """Send ``chat_rec`` logs to ``home/chat-rec.log``; returns the file's path. Idempotent."""
    path = Path(home) / LOG_NAME
    logger = logging.getLogger("chat_rec")
    logger.setLevel(level)
    for handler in logger.handlers:
        if isinstance(handler, RotatingFileHandler) and Path(handler.baseFilename) == path.resolve():
            return path
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = RotatingFileHandler(path, maxBytes=1_000_000, backupCount=3, encoding="utf-8")
    except OSError:
        return path  # a read-only home: the user still gets their one-line message
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(Redact([s for s in (secrets or []) if s]))
    logger.addHandler(handler)
    logger.propagate = False
    return path
