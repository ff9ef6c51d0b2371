"""Reading the aggregator's answers: HTTP status, API codes and envelopes into models or
exceptions. Error texts are the server's own, short, and never contain our key."""

from __future__ import annotations

import json
import logging
import re
from typing import Any

import httpx
from pydantic import ValidationError

from bot.core.mj.errors import (
    MJAuthError,
    MJEndpointUnsupportedError,
    MJHTTPError,
    MJProtocolError,
    MJRateLimitedError,
    MJServerError,
    api_error,
)
from bot.core.mj.schemas import Submission, SubmitResponse, Task

log = logging.getLogger(__name__)

_MODAL_MARKERS = ("confirm", "窗口等待")


def decode(response: httpx.Response, path: str) -> Any:
    status = response.status_code
    data: Any = None
    if response.content:
        try:
            data = response.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            data = _NOT_JSON
    if status in (401, 403):
        raise MJAuthError(status, _error_text(data))
    if status == 429:
        raise MJRateLimitedError(status, _error_text(data), _retry_after(response))
    if status >= 500:
        raise MJServerError(status)
    if status in (404, 405) and not _has_code(data):
        raise MJEndpointUnsupportedError(status, path)
    if 300 <= status < 400:
        raise MJHTTPError(status, "redirected: check MJ_API_BASE_URL (use the final address)")
    if status >= 400:
        if _has_code(data):  # aggregators send API errors as HTTP 400 with a code body
            check_envelope(data)
        raise MJHTTPError(status, _error_text(data))
    if data is _NOT_JSON:
        raise MJProtocolError(f"{path} answered a body that is not JSON")
    return data


_NOT_JSON = object()


def _has_code(data: Any) -> bool:
    return isinstance(data, dict) and "code" in data


def _error_text(data: Any) -> str:
    """The server's own error text, short; auth bodies never echo our key back to us."""
    if isinstance(data, dict):
        error = data.get("error")
        if isinstance(error, dict) and error.get("message"):
            return str(error["message"])[:200]
        if data.get("description"):
            return str(data["description"])[:200]
    return ""


def _retry_after(response: httpx.Response) -> float | None:
    try:
        return float(response.headers["Retry-After"])
    except (KeyError, ValueError):
        return None


def check_envelope(data: Any) -> SubmitResponse:
    if not isinstance(data, dict):
        raise MJProtocolError("submit answered no JSON object")
    try:
        envelope = SubmitResponse.model_validate(data)
    except ValidationError as exc:
        raise MJProtocolError("submit answered an unexpected shape") from exc
    if envelope.code in (1, 21, 22):
        return envelope
    raise api_error(envelope.code, envelope.description, envelope.properties)


def submission_of(envelope: SubmitResponse) -> Submission:
    if not isinstance(envelope.result, str):
        raise MJProtocolError("submit accepted without a task id")
    description = envelope.description
    props = envelope.properties
    # Code 21 also means "this task already exists" (properties.status set): just track it.
    already_exists = envelope.code == 21 and "status" in props
    needs_modal = not already_exists and (
        envelope.code == 21 or any(m in description.lower() for m in _MODAL_MARKERS)
    )
    final_prompt = props.get("finalPrompt")
    return Submission(
        task_id=envelope.result,
        queue_position=_queue_position(envelope) if envelope.code == 22 else None,
        needs_modal=needs_modal,
        final_prompt=str(final_prompt) if final_prompt else None,
        already_exists=already_exists,
    )


def _queue_position(envelope: SubmitResponse) -> int | None:
    raw = envelope.properties.get("numberOfQueues")
    if raw is None:  # some servers only say it in words: 排队中，前面还有N个任务
        match = re.search(r"(\d+)", envelope.description)
        raw = match.group(1) if match else None
    try:
        return int(raw) if raw is not None else None
    except (TypeError, ValueError):
        return None


_NOT_FOUND_MARKERS = ("not_found", "no_found", "not found", "不存在", "失效")


def means_not_found(description: str) -> bool:
    text = description.lower()
    return any(marker in text for marker in _NOT_FOUND_MARKERS)


def parse_task(data: dict[str, Any]) -> Task:
    try:
        return Task.model_validate(data)
    except ValidationError as exc:
        raise MJProtocolError("task has an unexpected shape") from exc


def parse_tasks(data: Any, endpoint: str) -> list[Task]:
    """A list of tasks; one odd task is skipped (logged) rather than hiding the others."""
    if not isinstance(data, list):
        raise MJProtocolError(f"{endpoint} did not answer a list")
    tasks: list[Task] = []
    for item in data:
        try:
            tasks.append(parse_task(item))
        except MJProtocolError:
            log.warning("skipping a malformed task in %s", endpoint)
    return tasks


_PAGE_KEYS = ("content", "list", "records", "items", "rows", "data", "result")


def page_items(data: Any) -> Any:
    """The tasks of a list or page answer: a bare list, or the list inside a page object
    (Spring's `content`, or `list`, `records`, `items`...), or inside an envelope."""
    for _ in range(3):  # an envelope around a page around the list, at most
        if not isinstance(data, dict):
            return data
        inner = next((data[key] for key in _PAGE_KEYS if isinstance(data.get(key), list)), None)
        if inner is not None:
            return inner
        data = next((data[key] for key in _PAGE_KEYS if isinstance(data.get(key), dict)), None)
    return data
