"""Exceptions raised by the aggregator client.

Messages never contain the API key: they are built from status codes and the server's own
`description`, which is shown to users for API-code errors.
"""

from __future__ import annotations

from typing import Any


class MJError(Exception):
    """Base of every aggregator failure."""

    job_id: int | None = None  # set by JobService: the job recorded as failed by this error


class MJTransportError(MJError):
    """The request did not get an HTTP answer (connection refused, reset, DNS...)."""


class MJTimeoutError(MJTransportError):
    """The aggregator did not answer in time."""


class MJAnswerLostError(MJTimeoutError):
    """The connection closed after the request went out, before any answer: like a
    timeout, what was asked may have been done (a submit may have made its task)."""


class MJProtocolError(MJError):
    """The aggregator answered something that is not the API (invalid JSON, wrong shape)."""


class MJHTTPError(MJError):
    """A non-2xx HTTP status without a usable API code in the body."""

    def __init__(self, status: int, message: str = "") -> None:
        self.status = status
        super().__init__(f"aggregator answered HTTP {status}" + (f": {message}" if message else ""))


class MJAuthError(MJHTTPError):
    """401/403: the operator's API key is missing, wrong, or not allowed this model."""


class MJRateLimitedError(MJHTTPError):
    """429: too many requests or the aggregator's group is overloaded."""

    def __init__(self, status: int, message: str = "", retry_after: float | None = None) -> None:
        super().__init__(status, message)
        self.retry_after = retry_after


class MJServerError(MJHTTPError):
    """5xx from the aggregator."""


class MJEndpointUnsupportedError(MJHTTPError):
    """404/405 on an endpoint: this server does not implement it."""


class MJAPIError(MJError):
    """The API answered with a code other than success; `description` is the server's text."""

    code: int = -1

    def __init__(
        self, code: int, description: str, properties: dict[str, Any] | None = None
    ) -> None:
        self.code = code
        self.description = description
        self.properties = properties or {}
        super().__init__(f"aggregator code {code}: {description}")


class MJNoInstanceError(MJAPIError):
    """Code 3: no account available, or the parent task is gone."""


class MJValidationError(MJAPIError):
    """Code 4: the server refused the parameters (or an aggregator's own check)."""


class MJSystemError(MJAPIError):
    """Code 9: a system error on the server."""


class MJQueueFullError(MJAPIError):
    """Code 23, or trueai's code 9 "queue full": try again later."""


class MJBannedPromptError(MJAPIError):
    """Code 24: the prompt hit the banned-word list."""

    @property
    def banned_word(self) -> str | None:
        word = self.properties.get("bannedWord")
        return str(word) if word else None


class MJUnknownCodeError(MJAPIError):
    """Any other code."""


_QUEUE_FULL_MARKERS = ("队列已满", "queue is full", "queue full")


def api_error(code: int, description: str, properties: dict[str, Any] | None = None) -> MJAPIError:
    """Build the most specific exception for an API code."""
    if code == 9 and any(m in description.lower() for m in _QUEUE_FULL_MARKERS):
        return MJQueueFullError(code, description, properties)
    cls: type[MJAPIError] = {
        3: MJNoInstanceError,
        4: MJValidationError,
        9: MJSystemError,
        23: MJQueueFullError,
        24: MJBannedPromptError,
    }.get(code, MJUnknownCodeError)
    return cls(code, description, properties)
