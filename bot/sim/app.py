"""aiohttp routes speaking the midjourney-proxy protocol (see /work/shared/mj-api.md).

Every route exists at `/mj/...` and behind the speed prefixes `/mj-fast`, `/mj-relax`,
`/mj-turbo`. Each request is logged, then faults are injected, then auth is checked.
"""

from __future__ import annotations

import asyncio
import functools
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiohttp import web

from bot.sim.actions import RELAY_UNSUPPORTED
from bot.sim.lookup import query_page, task_list
from bot.sim.model import SimError, SimTask, Submitted
from bot.sim.serialize import error, submitted
from bot.sim.stats import RequestRecord
from bot.sim.uploads import upload

if TYPE_CHECKING:
    from bot.sim.server import Simulator

MODE_PREFIXES: dict[str, str | None] = {
    "": None,
    "/mj-fast": "FAST",
    "/mj-relax": "RELAX",
    "/mj-turbo": "TURBO",
}
_INVALID_TOKEN = {"error": {"message": "invalid token", "type": "new_api_error"}}
_RATE_LIMITED = {"error": {"message": "rate limit exceeded", "type": "new_api_error"}}
LOST_ANSWER_HANG_SECONDS = 3600.0  # the simulator's shutdown cancels the wait
_HTML_ERROR = "<html><head><title>502 Bad Gateway</title></head><body>bad gateway</body></html>"

_dumps = functools.partial(json.dumps, ensure_ascii=False)  # real servers send raw UTF-8
RouteHandler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def json_response(data: Any, status: int = 200) -> web.Response:
    return web.json_response(data, status=status, dumps=_dumps)


def _too_many_requests(retry_after: float | None) -> web.Response:
    """429 as new-api answers an exhausted group, `Retry-After` in seconds if given."""
    headers = {} if retry_after is None else {"Retry-After": f"{retry_after:g}"}
    response = json_response(_RATE_LIMITED, 429)
    response.headers.update(headers)
    return response


@dataclass(frozen=True)
class Call:
    mode: str | None  # FAST | RELAX | TURBO from the path prefix
    body: Any  # parsed JSON body, None for GET / empty / unparsable
    body_ok: bool

    @property
    def fields(self) -> dict[str, Any]:
        return self.body if isinstance(self.body, dict) else {}


Handler = Callable[[web.Request, Call], Awaitable[web.StreamResponse]]


def _mode(path: str) -> str | None:
    prefix = "/" + path.lstrip("/").split("/", 1)[0]
    return MODE_PREFIXES.get(prefix)


async def _read_json(request: web.Request) -> tuple[Any, bool]:
    if request.method != "POST" or not request.body_exists:
        return None, True
    try:
        return await request.json(), True
    except ValueError:
        return None, False


def _strip_key(value: str) -> str:
    value = value.strip()
    return value[3:] if value.startswith("sk-") else value


def key_accepted(request: web.Request, key: str | None) -> bool:
    """`Authorization: Bearer <key>` or `mj-api-secret: <key>` (a leading sk- ignored)."""
    if not key:
        return True
    want = _strip_key(key)
    auth = request.headers.get("Authorization", "").strip()
    if auth[:7].lower() == "bearer " and _strip_key(auth[7:]) == want:
        return True
    secret = request.headers.get("mj-api-secret", "")
    return bool(secret.strip()) and _strip_key(secret) == want


class MjRoutes:
    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        engine = sim.engine
        # Endpoint (as the request log names it, and its path after /mj/) -> engine.
        self._submits: dict[str, Callable[..., Submitted]] = {
            "submit/imagine": engine.imagine,
            "submit/blend": engine.blend,
            "submit/describe": engine.describe,
            "submit/shorten": engine.shorten,
            "submit/action": engine.action,
            "submit/modal": engine.modal,
            "insight-face/swap": engine.swap_face,
        }

    def route_defs(self) -> list[web.RouteDef]:
        table: list[tuple[str, str, str, Handler]] = [
            ("POST", f"/mj/{endpoint}", endpoint, self._submit(endpoint))
            for endpoint in self._submits
        ]
        table += [
            ("GET", "/mj/task/{task_id}/fetch", "task/fetch", self.fetch),
            ("POST", "/mj/task/list-by-condition", "task/list-by-condition", self.list_tasks),
            ("POST", "/mj/task/query", "task/query", self.query),
            ("GET", "/mj/task/list", "task/list", self.all_tasks),
            ("GET", "/mj/task/queue", "task/queue", self.queue),
            ("POST", "/mj/task/{task_id}/cancel", "task/cancel", self.cancel),
            ("GET", "/mj/task/{task_id}/image-seed", "task/image-seed", self.image_seed),
            (
                "POST",
                "/mj/submit/upload-discord-images",
                "submit/upload-discord-images",
                self.upload,
            ),
        ]
        return [
            web.route(method, prefix + path, self._wrap(endpoint, handler))
            for prefix in MODE_PREFIXES
            for method, path, endpoint, handler in table
        ]

    # -- cross-cutting: log, faults, auth ----------------------------------------------

    def _wrap(self, endpoint: str, handler: Handler) -> RouteHandler:
        scope = "submit" if endpoint.startswith("submit/") or endpoint in self._submits else "query"

        async def wrapped(request: web.Request) -> web.StreamResponse:
            mode = _mode(request.path)
            body, ok = await _read_json(request)
            self.sim.log.record(RequestRecord(request.method, endpoint, mode, body))
            faults = self.sim.faults
            if faults.take("timeouts", scope):
                await asyncio.sleep(faults.timeout_seconds)
            if faults.take("unauthorized", scope):
                return json_response(_INVALID_TOKEN, 401)
            if faults.take("http_500", scope):
                return web.Response(status=500, text="500 Internal Server Error")
            if faults.take("rate_limited", scope):
                return _too_many_requests(faults.retry_after)
            if faults.take("invalid_json", scope):
                return web.Response(text=_HTML_ERROR, content_type="text/html")
            if not self._authorized(request):
                if self.sim.config.flavor == "relay":
                    return json_response(_INVALID_TOKEN, 401)
                return web.Response(status=401)  # the proxies answer 401 with no body
            return await handler(request, Call(mode, body, ok))

        return wrapped

    def _authorized(self, request: web.Request) -> bool:
        return key_accepted(request, self.sim.config.api_key)

    # -- handlers ---------------------------------------------------------------------

    def _error(self, err: SimError) -> web.Response:
        status, body = error(err, self.sim.config.flavor)
        return json_response(body, status)

    def _render(self, task: SimTask, now: float | None = None) -> dict[str, Any]:
        snap = self.sim.engine.snapshot(task, now)
        return self.sim.view.render(task, snap, self.sim.base_url)

    def _submit(self, endpoint: str) -> Handler:
        async def handler(request: web.Request, call: Call) -> web.StreamResponse:
            if not call.body_ok:
                return self._error(SimError(4, "请求体不是合法的JSON"))
            fields = call.fields
            custom_id = fields.get("customId")
            if (
                self.sim.config.flavor == "relay"
                and endpoint == "submit/action"
                and isinstance(custom_id, str)
                and custom_id.startswith(RELAY_UNSUPPORTED)
            ):
                return self._error(SimError(4, f"unknown_action:{custom_id} "))
            if self.sim.config.flavor == "relay":  # new-api strips it (MjNotifyEnabled off)
                fields = {k: v for k, v in fields.items() if k != "notifyHook"}
            try:
                sub = self._submits[endpoint](fields, mode=call.mode)
            except SimError as err:
                return self._error(err)
            self.sim.billing.charge()
            if self.sim.faults.take("lose_submit_answers", "submit"):
                return await self._lose_answer(request)
            flavor, as_number = self.sim.config.flavor, self.sim.faults.result_as_number
            return json_response(submitted(sub, flavor, as_number))

        return handler

    async def _lose_answer(self, request: web.Request) -> web.StreamResponse:
        """The task exists; its submitter never hears of it."""
        if self.sim.faults.lost_answer == "hang":
            await asyncio.sleep(LOST_ANSWER_HANG_SECONDS)  # the client gives up first
        if request.transport is not None:
            request.transport.close()
        raise web.HTTPNoContent()  # never reaches the closed connection

    def _lookup_unsupported(self, switched_off: bool) -> web.Response | None:
        # novicezk plus and trueai have them; the relays (new-api) have neither.
        if switched_off or self.sim.config.flavor == "relay":
            return web.Response(status=404, text="404: Not Found")
        return None

    async def query(self, request: web.Request, call: Call) -> web.StreamResponse:
        refused = self._lookup_unsupported(self.sim.faults.task_query_unsupported)
        if refused is not None:
            return refused
        if not call.body_ok:
            return self._error(SimError(4, "请求体不是合法的JSON"))
        now = self.sim.engine.clock()
        tasks = list(self.sim.engine.tasks.values())
        try:
            page = query_page(tasks, lambda task: self._render(task, now), call.fields)
        except SimError as err:
            return self._error(err)
        return json_response(page)

    async def all_tasks(self, request: web.Request, call: Call) -> web.StreamResponse:
        refused = self._lookup_unsupported(self.sim.faults.task_list_unsupported)
        if refused is not None:
            return refused
        now = self.sim.engine.clock()
        tasks = list(self.sim.engine.tasks.values())
        return json_response(task_list(tasks, lambda task: self._render(task, now)))

    async def upload(self, request: web.Request, call: Call) -> web.StreamResponse:
        if self.sim.faults.uploads_unsupported:  # plus/novicezk and most relays have none
            return web.Response(status=404, text="404: Not Found")
        try:
            answer = upload(self.sim, call.fields)
        except SimError as err:
            return self._error(err)
        self.sim.billing.charge()  # new-api bills mj_upload
        return json_response(answer)

    async def fetch(self, request: web.Request, call: Call) -> web.StreamResponse:
        task = self.sim.engine.get(request.match_info["task_id"])
        if task is not None:
            return json_response(self._render(task))
        if self.sim.config.flavor == "relay":
            return self._error(SimError(4, "task_no_found "))
        return json_response(None)  # plus/novicezk: HTTP 200, body `null`

    async def list_tasks(self, request: web.Request, call: Call) -> web.StreamResponse:
        faults = self.sim.faults
        if faults.list_unsupported:
            return web.Response(status=404, text="404: Not Found")
        ids = call.fields.get("ids")
        strings = isinstance(ids, list) and all(isinstance(i, str) for i in ids)
        if not call.body_ok or (ids is not None and not strings):
            # new-api binds []string: numbers fail before reaching upstream.
            return json_response({"code": 4, "description": "do_request_failed"}, 400)
        engine, now = self.sim.engine, self.sim.engine.clock()
        wanted = [i for i in dict.fromkeys(ids or []) if i not in faults.omit_from_list]
        tasks = [t for t in map(engine.get, wanted) if t is not None]
        tasks.reverse()  # servers promise no order; reversing catches clients that assume one
        return json_response([self._render(t, now) for t in tasks])

    async def queue(self, request: web.Request, call: Call) -> web.StreamResponse:
        # novicezk/plus only: trueai v10+ removed it and the relays never had it.
        if self.sim.faults.queue_unsupported or self.sim.config.flavor == "relay":
            return web.Response(status=404, text="404: Not Found")
        base_url, view = self.sim.base_url, self.sim.view
        return json_response(
            [view.render(t, snap, base_url) for t, snap in self.sim.engine.queue()]
        )

    async def cancel(self, request: web.Request, call: Call) -> web.StreamResponse:
        if self.sim.faults.cancel_unsupported:  # older builds and some relays have none
            return web.Response(status=404, text="404: Not Found")
        try:
            self.sim.engine.cancel(request.match_info["task_id"])
        except SimError as err:
            return self._error(err)
        return json_response({"code": 1, "description": "成功"})

    async def image_seed(self, request: web.Request, call: Call) -> web.StreamResponse:
        try:
            seed = self.sim.engine.image_seed(request.match_info["task_id"])
        except SimError as err:
            return self._error(err)
        return json_response({"code": 1, "description": "成功", "result": seed})


async def update_from_json(
    request: web.Request, update: Callable[[dict[str, Any]], None], current: Callable[[], Any]
) -> web.StreamResponse:
    """POST a JSON object of changes: 400 naming the problem, else the state after it."""
    try:
        data = await request.json()
    except ValueError:
        data = None
    if not isinstance(data, dict):
        return json_response({"error": "body must be a JSON object"}, 400)
    try:
        update(data)
    except ValueError as exc:
        return json_response({"error": str(exc)}, 400)
    return json_response(current())
