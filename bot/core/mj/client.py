"""Typed async client of the midjourney-proxy API, one method per endpoint the bot uses.

Submits are sent once and never retried: there is no idempotency key, so a retry after a
lost answer could start (and charge) a second task. Queries are retried with capped backoff.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

import httpx
from pydantic import SecretStr

from bot.core.mj.billing import BILLING_PATH, Quota, quota_of
from bot.core.mj.downloads import download
from bot.core.mj.errors import (
    MJAnswerLostError,
    MJAPIError,
    MJEndpointUnsupportedError,
    MJError,
    MJProtocolError,
    MJRateLimitedError,
    MJServerError,
    MJTimeoutError,
    MJTransportError,
)
from bot.core.mj.observers import RequestObserver, tell
from bot.core.mj.responses import (
    check_envelope,
    decode,
    means_not_found,
    page_items,
    parse_task,
    parse_tasks,
    submission_of,
)
from bot.core.mj.retry import RetryPolicy
from bot.core.mj.schemas import (
    BlendDimensions,
    BotType,
    SpeedMode,
    Submission,
    Task,
)

log = logging.getLogger(__name__)

LIST_CHUNK_SIZE = 100
STATE_PAGE_SIZE = 10  # one state names one job: more than one task is already odd
UPLOAD_PATH = "/mj/submit/upload-discord-images"
# A push hook's secret in an echoed URL, whole or cut short (server texts are clipped).
_HOOK_SECRET = re.compile(r"(/push/\d+/)[A-Za-z0-9_-]+")
_SECRET_TAIL_MIN = 4  # a text ending in this many of the secret's first characters


@dataclass(frozen=True)
class NotifyHook:
    """The callback URL a submit carries; `secret` (a part of `url`) is never shown."""

    url: str = field(repr=False)
    secret: str = field(repr=False)


# The hook of the job being submitted: set by JobStarter around the submit (the call is
# built before the job's hook exists), read by `_submit`. None: no notifyHook is sent.
_NOTIFY_HOOK: ContextVar[NotifyHook | None] = ContextVar("notify_hook", default=None)


@contextmanager
def notify_hook(hook: NotifyHook | None) -> Iterator[None]:
    """Submits awaited inside carry `hook` as their notifyHook."""
    token = _NOTIFY_HOOK.set(hook)
    try:
        yield
    finally:
        _NOTIFY_HOOK.reset(token)


# The `state` of the job being submitted (`<instance>:<job id>`), set by JobStarter like
# the hook: every submit endpoint, whoever builds its call, carries it.
_SUBMIT_STATE: ContextVar[str | None] = ContextVar("submit_state", default=None)


@contextmanager
def submit_state(state: str | None) -> Iterator[None]:
    """Submits awaited inside carry `state` (echoed in their task, found by it later)."""
    token = _SUBMIT_STATE.set(state)
    try:
        yield
    finally:
        _SUBMIT_STATE.reset(token)


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
        observer: RequestObserver | None = None,
    ) -> None:
        self._http = http
        self._base_url = base_url.rstrip("/")
        self._api_key = api_key
        self._auth_style = auth_style
        self.speed_mode = speed_mode
        self.bot_type = bot_type
        self._retry = retry or RetryPolicy()
        self._observers: list[RequestObserver] = [observer] if observer else []

    def add_observer(self, observer: RequestObserver) -> None:
        """Also tell `observer` of every API request's outcome (the aggregator's health)."""
        self._observers.append(observer)

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
        image: str | None = None,
        *,
        link: str | None = None,
        bot_type: BotType | None = None,
        mode: SpeedMode | None = None,
        state: str | None = None,
    ) -> Submission:
        """One image as a data URL, or (trueai) a `link` the aggregator fetches itself."""
        source = {"link": link} if link is not None else {"base64": image}
        body = {**source, "botType": bot_type or self.bot_type}
        return await self._submit("describe", body, mode, state)

    async def upload_images(
        self, images: Sequence[str], *, mode: SpeedMode | None = None, observe: bool = True
    ) -> list[str]:
        """`upload-discord-images` (trueai, relayed by new-api): a URL per data URL, in
        order. A write, never retried; a 404 (MJEndpointUnsupportedError): it has none.
        `observe=False`: not told to the observers (asking whether it exists)."""
        body = {"base64Array": list(images)}
        data = await self._request("POST", UPLOAD_PATH, body, mode, observe=observe)
        urls = check_envelope(data).result
        if not isinstance(urls, list) or len(urls) != len(images):
            raise MJProtocolError("upload-discord-images answered no URL for each image")
        if not all(url.startswith(("https://", "http://")) for url in urls):
            raise MJProtocolError("upload-discord-images answered something that is not a URL")
        return urls

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
        enable_remix: bool = False,
        strong: bool | None = None,
    ) -> Submission:
        """`enable_remix`: open the prompt editor (MODAL) first; `strong`: a V button's
        variation strength (None leaves it to the aggregator)."""
        body: dict[str, Any] = {"taskId": task_id, "customId": custom_id}
        if enable_remix:
            body["enableRemix"] = True
        if strong is not None:
            body["strong"] = strong
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

    async def swap_face(
        self,
        source: str,
        target: str,
        *,
        mode: SpeedMode | None = None,
        state: str | None = None,
    ) -> Submission:
        """InsightFace: the face of `source` into `target` (both data URLs); the speed
        prefixes apply to `insight-face` as to `submit` (trueai registers both)."""
        body = {"sourceBase64": source, "targetBase64": target}
        return await self._submit_to("/mj/insight-face/swap", body, mode, state)

    # ---------------------------------------------------------------- queries

    async def fetch(self, task_id: str) -> Task | None:
        """One task, or None when the server does not know it (null, 204, task_no_found)."""
        try:
            data = await self._query("GET", f"/mj/task/{task_id}/fetch")
        except MJEndpointUnsupportedError:
            return None  # 404 without a body: this id is unknown
        except MJAPIError as exc:
            if exc.code in (3, 4) and means_not_found(exc.description):
                return None  # relays answer HTTP 400 task_no_found with code 4
            raise
        if not isinstance(data, dict) or not data:
            return None
        return parse_task(data)

    async def list_by_condition(self, task_ids: Sequence[str]) -> list[Task]:
        """Many tasks in batches of at most 100 ids; unknown ids are simply absent."""
        tasks: list[Task] = []
        ids = [str(i) for i in task_ids]
        for start in range(0, len(ids), LIST_CHUNK_SIZE):
            chunk = ids[start : start + LIST_CHUNK_SIZE]
            data = await self._query("POST", "/mj/task/list-by-condition", {"ids": chunk})
            tasks += parse_tasks(data, "list-by-condition")  # an odd task stalls no other
        return tasks

    async def queue(self) -> list[Task] | None:
        """The tasks waiting or running, in queue order (novicezk/plus `task/queue`); None
        where the server lacks the endpoint (trueai v10+, the relays)."""
        try:
            data = await self._query("GET", "/mj/task/queue")
        except MJEndpointUnsupportedError:
            return None
        return parse_tasks(data, "task/queue")

    async def query_by_state(self, state: str) -> list[Task]:
        """The tasks a submit with this `state` made, by the page query (novicezk plus);
        MJEndpointUnsupportedError where the server has none."""
        body = {"state": state, "pageNumber": 0, "pageSize": STATE_PAGE_SIZE}
        data = await self._query("POST", "/mj/task/query", body)
        return [task for task in parse_tasks(page_items(data), "task/query") if task.state == state]

    async def list_tasks(self) -> list[Task]:
        """The server's task list (novicezk: all, trueai: the latest 100);
        MJEndpointUnsupportedError where it has none (the relays)."""
        data = await self._query("GET", "/mj/task/list")
        return parse_tasks(page_items(data), "task/list")

    async def cancel(self, task_id: str) -> None:
        # Cancelling twice is harmless, but it is a write: no automatic retry.
        data = await self._request("POST", f"/mj/task/{task_id}/cancel", {}, None)
        if isinstance(data, dict) and "code" in data:
            check_envelope(data)

    async def image_seed(self, task_id: str) -> str:
        data = await self._query("GET", f"/mj/task/{task_id}/image-seed")
        envelope = check_envelope(data)
        if not isinstance(envelope.result, str):
            raise MJProtocolError("image-seed answered no seed")
        return envelope.result

    async def billing_quota(self) -> Quota | None:
        """The key's remaining quota where the aggregator answers OpenAI-style billing
        (new-api, one-api); None where it does not, or on any error (logged, no key).
        Not told to the observers: many aggregators lack these endpoints."""
        try:
            sub, usage = [
                await self._request(
                    "GET", f"{BILLING_PATH}/{name}", None, SpeedMode.NONE, observe=False
                )
                for name in ("subscription", "usage")
            ]
        except MJError as exc:
            log.info("no billing quota from the aggregator: %s", exc)
            return None
        return quota_of(sub, usage)

    def sends_key_to(self, url: str) -> bool:
        """Only the aggregator's own origin (scheme, host and port) ever sees the key."""
        try:
            target, base = httpx.URL(url), httpx.URL(self._base_url)
        except httpx.InvalidURL:
            return False
        return (target.scheme, target.host, target.port) == (base.scheme, base.host, base.port)

    async def download(self, url: str, *, max_bytes: int) -> bytes:
        """Fetch a result image; the key goes only to the aggregator's own origin."""
        return await download(
            self._http,
            url,
            max_bytes=max_bytes,
            headers_for=lambda target: self._auth_headers() if self.sends_key_to(target) else {},
        )

    # ---------------------------------------------------------------- plumbing

    async def _submit(
        self, endpoint: str, body: dict[str, Any], mode: SpeedMode | None, state: str | None
    ) -> Submission:
        return await self._submit_to(f"/mj/submit/{endpoint}", body, mode, state)

    async def _submit_to(
        self, path: str, body: dict[str, Any], mode: SpeedMode | None, state: str | None
    ) -> Submission:
        """Every submit, whatever its path, with the fields all of them carry."""
        hook = self._add_common_fields(body, state)
        try:
            data = await self._request("POST", path, body, mode)
            envelope = check_envelope(data)
            return submission_of(envelope)
        except MJError as exc:
            if hook is not None:  # a server echoing our hook must not show its secret
                _redact(exc, hook.secret)
            raise

    @staticmethod
    def _add_common_fields(body: dict[str, Any], state: str | None) -> NotifyHook | None:
        """The fields every submit carries, whatever its endpoint: the job's `state` and
        its notifyHook (returned: its secret must not show in errors)."""
        state = state if state is not None else _SUBMIT_STATE.get()
        if state is not None:
            body["state"] = state
        hook = _NOTIFY_HOOK.get()
        if hook is not None:
            body["notifyHook"] = hook.url
        return hook

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
        self, method: str, path: str, body: Any, mode: SpeedMode | None, *, observe: bool = True
    ) -> Any:
        """One API request, its outcome and duration told to the observers."""
        started = time.monotonic()
        try:
            data = await self._exchange(method, path, body, mode)
        except MJError as exc:
            for observer in self._observers if observe else ():
                tell(observer, False, exc, time.monotonic() - started)
            raise
        for observer in self._observers if observe else ():
            tell(observer, True, None, time.monotonic() - started)
        return data

    async def _exchange(
        self, method: str, path: str, body: dict[str, Any] | None, mode: SpeedMode | None
    ) -> Any:
        url = f"{self._base_url}{(mode or self.speed_mode).path_prefix}{path}"
        try:
            # No redirects: they could carry the key header to another host.
            response = await self._http.request(
                method, url, json=body, headers=self._auth_headers(), follow_redirects=False
            )
        except (httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            # Nothing reached the aggregator: a plain failure, not "it may have started".
            raise MJTransportError(f"{method} {path} failed: {type(exc).__name__}") from exc
        except httpx.TimeoutException as exc:
            raise MJTimeoutError(f"{method} {path} timed out") from exc
        except (httpx.RemoteProtocolError, httpx.ReadError) as exc:
            # The request was sent; the server hung up before answering it.
            raise MJAnswerLostError(f"{method} {path}: connection closed, no answer") from exc
        except httpx.HTTPError as exc:
            raise MJTransportError(f"{method} {path} failed: {type(exc).__name__}") from exc
        return decode(response, path)

    def _auth_headers(self) -> dict[str, str]:
        key = self._api_key.get_secret_value()
        if self._auth_style == "mj-api-secret":
            return {"mj-api-secret": key}
        return {"Authorization": f"Bearer {key}"}


def _redact(exc: MJError, secret: str) -> None:
    """Blank `secret` out of an error's text (shown to users, logged): where it is
    whole, after any hook path (`/push/<job>/...`), and where the text, clipped to a
    length, ends in its first characters."""
    exc.args = tuple(_blank(a, secret) if isinstance(a, str) else a for a in exc.args)
    if isinstance(exc, MJAPIError):
        exc.description = _blank(exc.description, secret)


def _blank(text: str, secret: str) -> str:
    text = _HOOK_SECRET.sub(r"\g<1>***", text.replace(secret, "***"))
    for length in range(len(secret) - 1, _SECRET_TAIL_MIN - 1, -1):
        if text.endswith(secret[:length]):
            return text[:-length] + "***"
    return text
