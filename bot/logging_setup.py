"""Logging set-up with a filter that blanks secrets out of every record, as text lines or
(LOG_FORMAT=json) one JSON object per line."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

REDACTED = "***"
# Interaction tokens travel in URLs (discord.py logs them at DEBUG), push secrets in
# notifyHook URLs (/push/<job>/<secret>), editor links' tokens in theirs
# (/editor/<token>, not its static files): never print them.
_TOKEN_IN_URL = re.compile(
    r"(/(?:webhooks|interactions|push)/\d+/|/editor/(?!static/))[A-Za-z0-9_.\-]+"
)


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

    def redact(self, text: str) -> str:
        """`text` with every known secret and every token in a URL blanked."""
        return self._redact(text)

    def _redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return _TOKEN_IN_URL.sub(rf"\g<1>{REDACTED}", text)


# Attributes every LogRecord has; anything else on a record came from `extra=`.
_STANDARD_ATTRS = frozenset(vars(logging.LogRecord("", logging.INFO, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "taskName",
}
# Shown first, in this order, when a record carries them (`extra={"job_id": ...}`).
_CONTEXT_KEYS = ("job_id", "user_id", "task_id")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, then the
    record's `extra` fields (job_id, user_id, task_id first) and `exc` for a traceback.
    Every string goes through `redact` (extras are not seen by the redaction filter)."""

    def __init__(self, redact: Callable[[str], str] = lambda text: text) -> None:
        super().__init__()
        self._redact = redact

    def format(self, record: logging.LogRecord) -> str:
        when = datetime.fromtimestamp(record.created, UTC)
        entry: dict[str, Any] = {
            "time": when.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        extras = {k: v for k, v in vars(record).items() if k not in _STANDARD_ATTRS}
        for key in (*[k for k in _CONTEXT_KEYS if k in extras], *sorted(extras)):
            if key not in entry and not key.startswith("_"):
                entry[key] = _plain(extras[key])
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exc"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(self._scrub(entry), ensure_ascii=False, default=str)

    def _scrub(self, value: Any) -> Any:
        if isinstance(value, str):
            return self._redact(value)
        if isinstance(value, dict):
            return {str(k): self._scrub(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self._scrub(v) for v in value]
        return value


def _plain(value: Any) -> Any:
    """A JSON-friendly form of an extra value (numbers and strings as they are)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(v) for v in value]
    return str(value)


LOG_FORMATS = ("text", "json")
OWN_LOGGERS = ("bot", "cogs")


def configure_logging(level: str, secrets: Iterable[str], log_format: str = "text") -> None:
    """Log to stderr at `level`, as text lines or (`log_format="json"`) JSON lines."""
    handler = logging.StreamHandler()
    redactor = SecretRedactor(secrets)
    if log_format == "json":
        handler.setFormatter(JsonFormatter(redactor.redact))
        logging.captureWarnings(True)  # warnings become records: every line stays JSON
    else:
        handler.setFormatter(
            logging.Formatter(
                "%(asctime)s %(levelname)-7s %(name)s: %(message)s", "%Y-%m-%d %H:%M:%S"
            )
        )
    handler.addFilter(redactor)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    # DEBUG is for the bot's own loggers: the libraries' debug output (aiosqlite, the
    # gateway's raw events, which hold interaction tokens) stays off.
    root.setLevel(max(logging.getLevelName(level), logging.INFO))
    for own in OWN_LOGGERS:
        logging.getLogger(own).setLevel(level)
    # discord.py's HTTP and gateway chatter (rate-limit buckets, heartbeats, RESUMEs).
    for noisy in ("discord.http", "discord.gateway", "aiosqlite"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # httpx logs every request at INFO; the tracker polls often.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    # Alembic narrates every start; bot.core.storage.migrate logs what changed.
    logging.getLogger("alembic").setLevel(logging.WARNING)
