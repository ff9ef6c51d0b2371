"""The Vary (Region) editor: a page per link, the job's image through the bot, the submit.

    GET  /editor/{token}          the page, in the language of the user who pressed
    GET  /editor/{token}/image    the job's image (the page never calls the aggregator)
    POST /editor/{token}          {"token", "prompt", "shapes"}: draw the mask, start the job
    GET  /editor/static/{name}    the page's script and style sheet

The token is the capability and the POST carries it twice (path and body, equal). The
job always starts as the link's user, through the same core path as the Discord modal;
every refusal (unknown, changed, expired, used, not this link's request) submits nothing.
Masks are drawn one at a time on a thread of their own, after their cost was checked.
"""

from __future__ import annotations

import asyncio
import html
import json
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from string import Template
from typing import Any, Protocol

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.core.editor_links import EditorLink, EditorLinks, LinkRefusal, LinkRefusedError, same_token
from bot.core.editor_mask import (
    MAX_SHAPES,
    MaskSizeError,
    MaskTooComplexError,
    Painting,
    Shape,
    check_mask,
    draw_mask,
)
from bot.core.i18n import language, t
from bot.core.image_check import peek_image
from bot.core.mask import image_size
from bot.core.mj.errors import MJError
from bot.core.models import InputImage, Job, Origin
from bot.core.presses import MASK_SOURCE_MAX_BYTES, ButtonPresses, Press
from bot.core.validation import MAX_PROMPT_CHARS, RequestRejectedError
from bot.ui.errors import user_message

log = logging.getLogger(__name__)

STATIC = Path(__file__).with_name("static")
MAX_SUBMIT_BYTES = 1024 * 1024
SIZE_CACHE = 256  # image sizes of recent jobs (the page's image and the submit's mask)
Downloader = Callable[[str, int], Awaitable[bytes]]

_STATUS = {
    LinkRefusal.UNKNOWN: 404,
    LinkRefusal.EXPIRED: 410,
    LinkRefusal.USED: 410,
    LinkRefusal.NOT_YOURS: 403,
}
_ASSETS = {"editor.js": "text/javascript", "editor.css": "text/css"}
_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",  # the path holds the token
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": (
        "default-src 'none'; img-src 'self' blob:; script-src 'self'; style-src 'self'; "
        "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
}
_PAGE_TEXTS = (
    "title",
    "hint",
    "tool_rect",
    "tool_lasso",
    "tool_brush",
    "brush_size",
    "undo",
    "clear",
    "prompt",
    "submit",
    "loading",
)
_SCRIPT_TEXTS = ("sending", "sent", "empty", "image_failed", "network")


class ResultPlace(Protocol):
    """Where a job started from the editor shows in Discord (bot.ui.editor_link)."""

    async def origin_for(self, stored: Origin) -> Origin: ...

    async def show(self, job: Job) -> None: ...

    async def tell(self, origin: Origin, text: str) -> None: ...

    async def discard(self, origin: Origin) -> None: ...

    async def mark_sent(self, stored: Origin) -> None: ...


class Submitted(BaseModel):
    """The page's POST body; anything else in it is refused."""

    model_config = ConfigDict(extra="forbid")

    token: str = Field(max_length=200)
    prompt: str = Field(max_length=MAX_PROMPT_CHARS * 2)
    shapes: list[Shape] = Field(max_length=MAX_SHAPES)


class EditorSite:
    def __init__(
        self,
        links: EditorLinks,
        presses: ButtonPresses,
        download: Downloader,
        results: ResultPlace,
    ) -> None:
        self._links = links
        self._presses = presses
        self._download = download
        self._results = results
        self._sizes: OrderedDict[int, tuple[int, int]] = OrderedDict()
        self._page = Template((STATIC / "editor.html").read_text(encoding="utf-8"))
        self._message = Template((STATIC / "message.html").read_text(encoding="utf-8"))
        self._assets = {name: (STATIC / name).read_bytes() for name in _ASSETS}
        # One mask at a time, off the event loop: drawing is CPU work a page can ask for.
        self._drawing = asyncio.Semaphore(1)
        self._drawer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="editor-mask")

    def routes(self) -> list[web.RouteDef]:
        return [
            web.get("/editor/static/{name}", self.asset),
            web.get("/editor/{token}", self.page),
            web.get("/editor/{token}/image", self.image),
            web.post("/editor/{token}", self.submit),
        ]

    async def close(self, _app: web.Application | None = None) -> None:
        """With the web server (aiohttp's on_cleanup): the drawing thread ends."""
        self._drawer.shutdown(wait=False, cancel_futures=True)

    # ---------------------------------------------------------------- pages

    async def asset(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        if name not in self._assets:
            raise web.HTTPNotFound()
        return web.Response(
            body=self._assets[name],
            content_type=_ASSETS[name],
            charset="utf-8",
            headers={**_HEADERS, "Cache-Control": "public, max-age=3600"},
        )

    async def page(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        try:
            link = await self._links.check(token)
            press = await self._press_of(link)
        except LinkRefusedError as exc:
            return self._refused_page(request, exc)
        except RequestRejectedError as exc:
            locale = link.origin.locale
            return self._message_page(locale, user_message(exc, locale), status=409)
        locale = link.origin.locale
        texts = {name: html.escape(t(f"editor.{name}", locale)) for name in _PAGE_TEXTS}
        config = {
            "token": token,
            "image": f"{token}/image",
            "submit": token,
            "texts": {name: t(f"editor.{name}", locale) for name in _SCRIPT_TEXTS},
        }
        body = self._page.substitute(
            lang=_html_lang(locale),
            prompt_text=html.escape(self._presses.default_prompt(press)),
            config=_script_json(config),
            **texts,
        )
        return web.Response(text=body, content_type="text/html", headers=_HEADERS)

    async def image(self, request: web.Request) -> web.Response:
        try:
            link = await self._links.check(request.match_info["token"])
            press = await self._press_of(link)
            data = await self._image_of(press.parent)
        except LinkRefusedError as exc:
            return web.Response(status=_STATUS[exc.reason], headers=_HEADERS)
        except RequestRejectedError:  # the button is gone, or no longer this user's
            return web.Response(status=409, headers=_HEADERS)
        except MJError as exc:
            raise web.HTTPBadGateway(headers=_HEADERS) from exc
        image = peek_image(data)
        if image is None:
            raise web.HTTPBadGateway(headers=_HEADERS)
        self._remember_size(press.parent.id, (image.width, image.height))
        headers = {**_HEADERS, "Cache-Control": "private, max-age=600"}
        return web.Response(body=data, content_type=image.mime, headers=headers)

    # ---------------------------------------------------------------- the submit

    async def submit(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        locale = _accept_locale(request)
        try:
            link = await self._links.check(token)
            locale = link.origin.locale
            if (request.content_length or 0) > MAX_SUBMIT_BYTES:
                return _answer(False, "bad_request", t("editor.bad_request", locale), 413)
            sent = _parse(await request.read(), token)
            if not sent.shapes:
                return _answer(False, "empty", t("editor.empty", locale), 400)
            painting = Painting(shapes=sent.shapes)
        except LinkRefusedError as exc:
            return _refused_json(exc, locale)
        except (ValidationError, ValueError):
            return _answer(False, "bad_request", t("editor.bad_request", locale), 400)
        if not sent.prompt.strip():
            return _answer(False, "prompt_empty", t("error.prompt_empty", locale), 400)
        return await self._start(link, token, sent.prompt, painting)

    async def _start(
        self, link: EditorLink, token: str, prompt: str, painting: Painting
    ) -> web.Response:
        locale = link.origin.locale
        try:
            link = await self._links.use(token)  # once, even when two submits race
        except LinkRefusedError as exc:
            return _refused_json(exc, locale)
        try:
            press = await self._press_of(link)
            width, height = await self._size_of(press.parent)
            check_mask(width, height, painting)  # cheap: refused before it waits to be drawn
            mask = await self._draw(width, height, painting)
            origin = await self._results.origin_for(link.origin)
        except Exception as exc:  # nothing was submitted: the link works again
            await self._links.release(link)
            return _failed(exc, locale)
        try:
            jobs = await self._presses.press(
                origin,
                link.job_id,
                link.button_index,
                prompt=prompt,
                mask=InputImage(mime="image/png", data=mask),
            )
        except RequestRejectedError as exc:  # a limit, the balance: nothing was submitted
            await self._links.release(link)
            await self._results.discard(origin)
            return _failed(exc, locale)
        except Exception as exc:  # the aggregator refused, or may have it: said in Discord too
            text = user_message(exc, locale)
            await self._results.tell(origin, text)
            return _answer(False, "failed", text, 502)
        log.info("editor: job %d started from the link for job %d", jobs[0].id, link.job_id)
        await self._results.mark_sent(link.origin)
        for job in jobs:
            await self._results.show(job)
        return _answer(True, "sent", t("editor.sent", locale), 200)

    # ---------------------------------------------------------------- plumbing

    async def _draw(self, width: int, height: int, painting: Painting) -> bytes:
        async with self._drawing:
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(self._drawer, draw_mask, width, height, painting)

    async def _press_of(self, link: EditorLink) -> Press:
        """The link's button, as its user may press it now."""
        return await self._presses.resolve_press(link.job_id, link.button_index, link.user_id)

    async def _image_of(self, job: Job) -> bytes:
        if not job.image_url:
            raise MJError("the job has no image")
        return await self._download(job.image_url, MASK_SOURCE_MAX_BYTES)

    async def _size_of(self, job: Job) -> tuple[int, int]:
        size = self._sizes.get(job.id)
        if size is None:
            size = image_size(await self._image_of(job))
            if size is None:
                raise MaskSizeError("the job's image has no readable size")
            self._remember_size(job.id, size)
        return size

    def _remember_size(self, job_id: int, size: tuple[int, int]) -> None:
        self._sizes[job_id] = size
        self._sizes.move_to_end(job_id)
        while len(self._sizes) > SIZE_CACHE:
            self._sizes.popitem(last=False)

    def _refused_page(self, request: web.Request, exc: LinkRefusedError) -> web.Response:
        locale = exc.locale or _accept_locale(request)
        return self._message_page(
            locale, t(f"editor.{exc.reason.value}", locale), _STATUS[exc.reason]
        )

    def _message_page(self, locale: str, text: str, status: int) -> web.Response:
        body = self._message.substitute(
            lang=_html_lang(locale),
            title=html.escape(t("editor.refused_title", locale)),
            message=html.escape(text),
        )
        return web.Response(text=body, status=status, content_type="text/html", headers=_HEADERS)


def _parse(raw: bytes, token: str) -> Submitted:
    """The body, if it is this link's own request (its token, the same as the path's)."""
    try:
        data: Any = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError("not JSON") from exc
    claimed = data.get("token") if isinstance(data, dict) else None
    if not isinstance(claimed, str) or not same_token(claimed, token):
        raise LinkRefusedError(LinkRefusal.NOT_YOURS)
    return Submitted.model_validate(data)


def _failed(exc: Exception, locale: str) -> web.Response:
    if isinstance(exc, RequestRejectedError):
        return _answer(False, exc.reason.value, user_message(exc, locale), 409)
    if isinstance(exc, MaskTooComplexError):  # refused like any other bad shapes
        return _answer(False, "bad_request", t("editor.bad_request", locale), 400)
    if isinstance(exc, MaskSizeError):
        return _answer(False, "image", t("editor.image_failed", locale), 502)
    return _answer(False, "failed", user_message(exc, locale), 502)


def _refused_json(exc: LinkRefusedError, locale: str) -> web.Response:
    locale = exc.locale or locale
    return _answer(
        False, exc.reason.value, t(f"editor.{exc.reason.value}", locale), _STATUS[exc.reason]
    )


def _answer(ok: bool, code: str, message: str, status: int) -> web.Response:
    return web.json_response(
        {"ok": ok, "code": code, "message": message}, status=status, headers=_HEADERS
    )


def _html_lang(locale: str | None) -> str:
    return "zh-CN" if language(locale) == "zh" else "en"


def _accept_locale(request: web.Request) -> str:
    """For a link we do not know: the browser's first language."""
    first = request.headers.get("Accept-Language", "").split(",")[0].strip()
    return first or "en-US"


def _script_json(value: object) -> str:
    """JSON safe inside <script type="application/json">."""
    text = json.dumps(value, ensure_ascii=False)
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
