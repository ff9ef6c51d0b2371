"""Typed async client of the midjourney-proxy API, one method per endpoint the bot uses.

Submits are sent once and never retried: there is no idempotency key, so a retry after a
lost answer could start (and charge) a second task. Queries are retried with capped backoff.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import httpx
from pydantic import SecretStr, ValidationError

from bot.core.mj.errors import (
    MJAPIError,
    MJAuthError,
    MJEndpointUnsupportedError,
    MJHTTPError,
    MJProtocolError,
    MJRateLimitedError,
    MJServerError,
    MJTimeoutError,
    MJTransportError,
    api_error,
)
from bot.core.mj.schemas import (
    BlendDimensions,
    BotType,
    SpeedMode,
    Submission,
    SubmitResponse,
    Task,
)

log = logging.getLogger(__name__)

LIST_CHUNK_SIZE = 100
_MODAL_MARKERS = ("confirm", "窗口等待")


@dataclass(frozen=True)
class RetryPolicy:
    """Backoff for idempotent queries: attempts in all, delays doubling up to a cap."""

    attempts: int = 3
    base_delay: float = 0.5
    max_delay: float = 5.0

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        if retry_after is not None:
            return min(retry_after, self.max_delay)
        backoff = min(self.base_delay * 2**attempt, self.max_delay)
        return backoff * (0.5 + random.random() / 2)  # jitter: spread out many clients


class MJClient:
    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        base_url: str,
        api_key: SecretStr,
        auth_style: str = "bearer",
        speed_mode: SpeedMode = SpeedMode.NONE,
        bot_type: BotType = BotType.MID_JOURNEY,
        retry: RetryPolicy | None = None,
    ) -> None:
        self._http = http
        self._base_url = base_url.rstrip("/")
        self._api_key = api_key
        self._auth_style = auth_style
        self.speed_mode = speed_mode
        self.bot_type = bot_type
        self._retry = retry or RetryPolicy()

    # ---------------------------------------------------------------- submits

    async def imagine(
        self,
        prompt: str,
        *,
        images: Sequence[str] = (),
        bot_type: BotType | None = None,
        mode: SpeedMode | None = None,
        state: str | None = None,
    ) -> Submission:
        body: dict[str, Any] = {"prompt": prompt, "botType": bot_type or self.bot_type}
        if images:
            body["base64Array"] = list(images)
        return await self._submit("imagine", body, mode, state)

    async def blend(
        self,
        images: Sequence[str],
        *,
        dimensions: BlendDimensions = BlendDimensions.SQUARE,
        bot_type: BotType | None = None,
        mode: SpeedMode | None = None,
        state: str | None = None,
    ) -> Submission:
        body = {
            "base64Array": list(images),
            "dimensions": dimensions,
            "botType": bot_type or self.bot_type,
        }
        return await self._submit("blend", body, mode, state)

    async def describe(
        self,
        image: str,
        *,
        bot_type: BotType | None = None,
        mode: SpeedMode | None = None,
        state: str | None = None,
    ) -> Submission:
        body = {"base64": image, "botType": bot_type or self.bot_type}
        return await self._submit("describe", body, mode, state)

    async def shorten(
        self,
        prompt: str,
        *,
        bot_type: BotType | None = None,
        mode: SpeedMode | None = None,
        state: str | None = None,
    ) -> Submission:
        body = {"prompt": prompt, "botType": bot_type or self.bot_type}
        return await self._submit("shorten", body, mode, state)

    async def action(
        self,
        task_id: str,
        custom_id: str,
        *,
        mode: SpeedMode | None = None,
        state: str | None = None,
    ) -> Submission:
        body = {"taskId": task_id, "customId": custom_id}
        return await self._submit("action", body, mode, state)

    async def modal(
        self,
        task_id: str,
        *,
        prompt: str | None = None,
        mask_base64: str | None = None,
        mode: SpeedMode | None = None,
        state: str | None = None,
    ) -> Submission:
        body: dict[str, Any] = {"taskId": task_id}
        if prompt is not None:
            body["prompt"] = prompt
        if mask_base64 is not None:
            body["maskBase64"] = mask_base64
        return await self._submit("modal", body, mode, state)

    # ---------------------------------------------------------------- queries

    async def fetch(self, task_id: str) -> Task | None:
        """One task, or None when the server does not know it (null, 204, task_no_found)."""
        try:
            data = await self._query("GET", f"/mj/task/{task_id}/fetch")
        except MJEndpointUnsupportedError:
            return None  # 404 without a body: this id is unknown
        except MJAPIError as exc:
            if exc.code in (3, 4) and _means_not_found(exc.description):
                return None  # relays answer HTTP 400 task_no_found with code 4
            raise
        if not isinstance(data, dict) or not data:
            return None
        return _parse_task(data)

    async def list_by_condition(self, task_ids: Sequence[str]) -> list[Task]:
        """Many tasks in batches of at most 100 ids; unknown ids are simply absent."""
        tasks: list[Task] = []
        ids = [str(i) for i in task_ids]
        for start in range(0, len(ids), LIST_CHUNK_SIZE):
            chunk = ids[start : start + LIST_CHUNK_SIZE]
            data = await self._query("POST", "/mj/task/list-by-condition", {"ids": chunk})
            if not isinstance(data, list):
                raise MJProtocolError("list-by-condition did not answer a list")
            tasks.extend(_parse_task(item) for item in data if isinstance(item, dict))
        return tasks

    async def cancel(self, task_id: str) -> None:
        # Cancelling twice is harmless, but it is a write: no automatic retry.
        data = await self._request("POST", f"/mj/task/{task_id}/cancel", {}, None)
        if isinstance(data, dict) and "code" in data:
            _check_envelope(data)

    async def image_seed(self, task_id: str) -> str:
        data = await self._query("GET", f"/mj/task/{task_id}/image-seed")
        envelope = _check_envelope(data)
        if not isinstance(envelope.result, str):
            raise MJProtocolError("image-seed answered no seed")
        return envelope.result

    async def download(self, url: str, *, max_bytes: int) -> bytes:
        """Fetch a result image (aggregator URLs may need the key; CDN URLs ignore it)."""
        headers = self._auth_headers() if url.startswith(self._base_url) else {}
        try:
            async with self._http.stream("GET", url, headers=headers) as response:
                if response.status_code >= 400:
                    raise MJHTTPError(response.status_code, "image download failed")
                data = bytearray()
                async for chunk in response.aiter_bytes():
                    data.extend(chunk)
                    if len(data) > max_bytes:
                        raise MJProtocolError(f"image larger than {max_bytes} bytes")
                return bytes(data)
        except httpx.TimeoutException as exc:
            raise MJTimeoutError("image download timed out") from exc
        except httpx.HTTPError as exc:
            raise MJTransportError(f"image download failed: {type(exc).__name__}") from exc

    # ---------------------------------------------------------------- plumbing

    async def _submit(
        self, endpoint: str, body: dict[str, Any], mode: SpeedMode | None, state: str | None
    ) -> Submission:
        if state is not None:
            body["state"] = state
        data = await self._request("POST", f"/mj/submit/{endpoint}", body, mode)
        envelope = _check_envelope(data)
        return _submission(envelope)

    async def _query(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        attempt = 0
        while True:
            try:
                return await self._request(method, path, body, None)
            except (MJTransportError, MJServerError, MJRateLimitedError, MJProtocolError) as exc:
                attempt += 1
                if attempt >= self._retry.attempts:
                    raise
                retry_after = getattr(exc, "retry_after", None)
                delay = self._retry.delay(attempt - 1, retry_after)
                log.debug("query %s failed (%s), retry %d in %.2fs", path, exc, attempt, delay)
                await asyncio.sleep(delay)

    async def _request(
        self, method: str, path: str, body: dict[str, Any] | None, mode: SpeedMode | None
    ) -> Any:
        url = f"{self._base_url}{(mode or self.speed_mode).path_prefix}{path}"
        try:
            response = await self._http.request(
                method, url, json=body, headers=self._auth_headers()
            )
        except httpx.TimeoutException as exc:
            raise MJTimeoutError(f"{method} {path} timed out") from exc
        except httpx.HTTPError as exc:
            raise MJTransportError(f"{method} {path} failed: {type(exc).__name__}") from exc
        return _decode(response, path)

    def _auth_headers(self) -> dict[str, str]:
        key = self._api_key.get_secret_value()
        if self._auth_style == "mj-api-secret":
            return {"mj-api-secret": key}
        return {"Authorization": f"Bearer {key}"}


def _decode(response: httpx.Response, path: str) -> Any:
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
    if status >= 400:
        if _has_code(data):  # aggregators send API errors as HTTP 400 with a code body
            _check_envelope(data)
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


def _check_envelope(data: Any) -> SubmitResponse:
    if not isinstance(data, dict):
        raise MJProtocolError("submit answered no JSON object")
    try:
        envelope = SubmitResponse.model_validate(data)
    except ValidationError as exc:
        raise MJProtocolError("submit answered an unexpected shape") from exc
    if envelope.code in (1, 21, 22):
        return envelope
    raise api_error(envelope.code, envelope.description, envelope.properties)


def _submission(envelope: SubmitResponse) -> Submission:
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
        description=description,
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


def _means_not_found(description: str) -> bool:
    text = description.lower()
    return any(marker in text for marker in _NOT_FOUND_MARKERS)


def _parse_task(data: dict[str, Any]) -> Task:
    try:
        return Task.model_validate(data)
    except ValidationError as exc:
        raise MJProtocolError("task has an unexpected shape") from exc
