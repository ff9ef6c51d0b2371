"""Logging set-up with a filter that blanks secrets out of every record."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

REDACTED = "***"
# Interaction tokens travel in URLs (discord.py logs them at DEBUG): never print them.
_TOKEN_IN_URL = re.compile(r"(/(?:webhooks|interactions)/\d+/)[A-Za-z0-9_.\-]+")


class SecretRedactor(logging.Filter):
    """Replaces known secret values wherever they appear in a formatted record."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self._secrets = [s for s in secrets if s and len(s) >= 4]

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = self._redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and record.exc_info[1] is not None:
            text = self._redact(logging.Formatter().formatException(record.exc_info))
            record.exc_text, record.exc_info = text, None
        return True

    def _redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return _TOKEN_IN_URL.sub(rf"\g<1>{REDACTED}", text)


def configure_logging(level: str, secrets: Iterable[str]) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s", "%Y-%m-%d %H:%M:%S")
    )
    handler.addFilter(SecretRedactor(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx logs every request at INFO; the tracker polls often.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    # Alembic narrates every start; bot.core.storage.migrate logs what changed.
    logging.getLogger("alembic").setLevel(logging.WARNING)
