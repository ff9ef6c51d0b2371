"""A loopback stand-in for Discord's REST API that a real discord.py bot can talk to.

async with running_fake_discord() as discord_fake:
    await bot.login("fake-token")      # GET /users/@me, GET /oauth2/applications/@me
    ...
    assert discord_fake.violations == []
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import discord.http
import yarl
from aiohttp import web
from aiohttp.web_urldispatcher import SystemRoute
from discord.gateway import DiscordWebSocket

from . import errors
from .bodies import BadBody, ParsedBody, read_body
from .gateway import FakeGateway
from .models import Auth, FakeMessage, OpenedModal, RequestRecord, Violation
from .ratelimits import PendingRateLimit
from .rules import CALLBACK_ROUTE, request_problems
from .schema import SchemaProblem, describe, discord_errors, operation_id
from .world import World

API_PREFIX = "/api/v10"
FAKE_KEY: web.AppKey[FakeDiscord] = web.AppKey("fake_discord")
BODY_KEY: web.RequestKey[ParsedBody] = web.RequestKey("fake_discord_body", ParsedBody)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class FakeDiscord(World):
    """In-memory Discord plus the aiohttp app serving it. Start it with `running_fake_discord`."""

    def __init__(
        self,
        *,
        application_id: int | None = None,
        bot_token: str | None = None,
        upload_limit: int | None = 25 * 1024 * 1024,
        callback_deadline: float = 3.0,
        token_lifetime: float = 15 * 60,
    ) -> None:
        super().__init__(application_id=application_id)
        self.bot_token = bot_token  # None: any "Bot ..." token is accepted
        self.upload_limit = upload_limit  # max total file bytes per request (None: unlimited)
        self.callback_deadline = callback_deadline  # Discord's 3 s rule for the first response
        self.token_lifetime = token_lifetime  # interaction tokens die 15 min after creation
        self.requests: list[RequestRecord] = []
        self.violations: list[Violation] = []
        self.opened_modals: list[OpenedModal] = []
        self._rate_limits: list[PendingRateLimit] = []
        self._edits_flowing = asyncio.Event()
        self._edits_flowing.set()
        self._answers_flowing = asyncio.Event()
        self._answers_flowing.set()
        self._stalled_answers: Callable[[RequestRecord], bool] | None = None
        self._drops = 0
        self._drops_where = ""
        self.gateway = FakeGateway(self)  # the websocket a bot process connects to
        self.app = self._build_app()

    # -- switches for tests ------------------------------------------------------------

    def stall_edits(self, stalled: bool = True) -> None:
        """While stalled, every message edit (PATCH) waits without an answer, as when
        Discord or the network hangs; releasing lets the waiting ones through."""
        if stalled:
            self._edits_flowing.clear()
        else:
            self._edits_flowing.set()

    def stall_answers(self, which: Callable[[RequestRecord], bool] | None) -> None:
        """Requests `which` picks are carried out but their answers wait (None releases
        them), as when the network fails on the way back: the sender cannot know that
        its request landed."""
        self._stalled_answers = which
        if which is None:
            self._answers_flowing.set()
        else:
            self._answers_flowing.clear()

    def expire_token(self, token: str) -> None:
        """Later webhook-route uses of this interaction token answer 401 (50027)."""
        self.interaction(token).token_revoked = True

    def delete_message(self, channel_id: int, message_id: int) -> None:
        """As if someone deleted it: later GET/PATCH answer 404 (10008)."""
        msg = self.message(message_id)
        if msg.channel_id != int(channel_id):
            raise KeyError(f"message {message_id} is not in channel {channel_id}")
        msg.deleted = True

    def forbid_channel(self, channel_id: int, forbidden: bool = True) -> None:
        """Bot-token routes on this channel answer 403 (50001), like a lost View Channel."""
        self.channels[int(channel_id)].forbidden = forbidden

    def close_dms(self, user_id: int, closed: bool = True) -> None:
        """While closed, bot-token sends into this user's DM channel answer 403 (50007), as when
        the user blocked the bot or turned off DMs. Opening the DM channel still works."""
        if closed:
            self._closed_dms.add(int(user_id))
        else:
            self._closed_dms.discard(int(user_id))

    def set_upload_limit(self, limit: int | None) -> None:
        self.upload_limit = limit

    def rate_limit_next(
        self,
        method: str | None = None,
        route: str | None = None,
        *,
        retry_after: float = 0.05,
        is_global: bool = False,
        times: int = 1,
    ) -> None:
        """Answer the next `times` matching requests with 429 + retry_after.

        `route` matches the spec path template ("/channels/{channel_id}/messages/{message_id}")
        or a concrete path below the API base; None matches everything.
        """
        self._rate_limits.append(PendingRateLimit(method, route, retry_after, is_global, times))

    # -- inspection helpers ----------------------------------------------------------------

    @property
    def api_base(self) -> str:
        return self.base_url + API_PREFIX

    def requests_to(
        self, method: str | None = None, route: str | None = None
    ) -> list[RequestRecord]:
        return [
            r
            for r in self.requests
            if (method is None or r.method == method)
            and (route is None or route in (r.route, r.path))
        ]

    def bot_token_requests_in(self, channel_id: int) -> list[RequestRecord]:
        """Requests the bot made with its own token on this channel or its messages."""
        prefix = f"/channels/{int(channel_id)}"
        return [
            r
            for r in self.requests
            if r.auth == "bot" and (r.path == prefix or r.path.startswith(prefix + "/"))
        ]

    @property
    def unhandled(self) -> list[RequestRecord]:
        """Requests for endpoints the fake does not implement (answered 404)."""
        return [
            r for r in self.requests if r.route is None and not r.path.startswith("/attachments/")
        ]

    @property
    def last_modal(self) -> OpenedModal | None:
        return self.opened_modals[-1] if self.opened_modals else None

    async def wait_until(
        self, predicate: Callable[[], object], *, within: float = 2.0, what: str = ""
    ) -> None:
        """Poll until `predicate()` is truthy; bot work after the first response is async."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while not predicate():
            if loop.time() > deadline:
                raise AssertionError(
                    f"timed out after {within:g} s waiting for {what or predicate}"
                )
            await asyncio.sleep(0.01)

    def record_violation(
        self, request: web.Request, route: str | None, problems: list[SchemaProblem], body: Any
    ) -> dict[str, Any]:
        """Remember a request Discord would reject as malformed (any 400) and build `errors`."""
        tree = discord_errors(problems)
        self.violations.append(
            Violation(
                method=request.method,
                path=_api_path(request.path),
                route=route,
                operation_id=operation_id(request.method, route) if route else None,
                errors=tree,
                problems=describe(problems),
                body=body,
            )
        )
        return tree

    # -- bot-token access ---------------------------------------------------------------

    def channel_for_bot(self, channel_id: int) -> int:
        channel = self.channels.get(channel_id)
        if channel is None:
            raise errors.unknown_channel()
        if not self.bot_reaches(channel_id):  # forbidden, or a server the bot is not in
            raise errors.missing_access()
        return channel_id

    def check_can_send(self, channel_id: int) -> None:
        """Bot-token message sends into a DM whose user closed their DMs fail with 50007."""
        recipient = self.dm_recipient(channel_id)
        if recipient is not None and self.dms_closed(recipient):
            raise errors.cannot_dm()

    def message_for_bot(self, channel_id: int, message_id: int) -> FakeMessage:
        self.channel_for_bot(channel_id)
        msg = self.messages.get(message_id)
        # Ephemeral messages do not exist for the bot token (discord-api-docs#3090).
        if msg is None or msg.deleted or msg.channel_id != channel_id or msg.ephemeral:
            raise errors.unknown_message()
        return msg

    # -- HTTP plumbing ------------------------------------------------------------------

    def _build_app(self) -> web.Application:
        from . import routes_bot, routes_interactions  # routes import this module's keys

        # Big enough that oversize uploads reach our own 413 check, as with Discord.
        app = web.Application(middlewares=[_middleware], client_max_size=512 * 1024 * 1024)
        app[FAKE_KEY] = self
        app.add_routes(routes_interactions.routes)
        app.add_routes(routes_bot.routes)
        self.gateway.install(app)
        return app

    def drop_connections(self, times: int, path_contains: str = "") -> None:
        """Hang up without an answer on the next `times` requests whose path contains
        `path_contains` (Discord unreachable)."""
        self._drops = times
        self._drops_where = path_contains

    async def handle(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if self._drops > 0 and self._drops_where in request.path:
            self._drops -= 1
            if request.transport is not None:
                request.transport.close()
            return web.Response(status=503)  # never reaches the client: it was hung up on
        if request.method == "PATCH":
            await self._edits_flowing.wait()
        match = request.match_info
        resource = None if isinstance(match.route, SystemRoute) else match.route.resource
        canonical = resource.canonical if resource is not None else None
        route = canonical.removeprefix(API_PREFIX) if canonical else None
        token = match.get("webhook_token") or match.get("interaction_token")
        auth: Auth = "webhook" if token else "bot" if _bot_token(request) is not None else "none"
        record = RequestRecord(
            request.method,
            _api_path(request.path),
            route,
            dict(request.query),
            None,
            [],
            auth,
            token,
        )
        self.requests.append(record)
        try:
            try:
                body = await read_body(request)
            except BadBody as exc:
                raise errors.invalid_json() from exc
            record.json, record.files = body.json, body.files
            if route is None:
                raise errors.not_found()
            self._maybe_rate_limit(request.method, route, record.path)
            if not token and canonical and canonical.startswith(API_PREFIX):
                self._check_bot_auth(request)
            if (
                body.files
                and self.upload_limit is not None
                and body.upload_bytes > self.upload_limit
            ):
                raise errors.too_large()
            self._validate(request, route, body)
            request[BODY_KEY] = body
            response = await handler(request)
            if self._stalled_answers is not None and self._stalled_answers(record):
                await self._answers_flowing.wait()
        except errors.DiscordError as exc:
            if exc.status == 400 and exc.code != 50035:  # 50035 is recorded with its details
                problem = SchemaProblem((), str(exc.code), exc.message)
                self.record_violation(request, route, [problem], record.json)
            record.error = exc.body()
            response = exc.response()
        record.status = response.status
        if route == CALLBACK_ROUTE and record.status != 429:
            self._settle_callback(match["interaction_id"], record)
        return response

    def _settle_callback(self, interaction_id: str, record: RequestRecord) -> None:
        inter = self.interactions.get(int(interaction_id)) if interaction_id.isdigit() else None
        if inter is not None:
            if record.error is not None and not inter.acknowledged:
                inter.callback_error = record.error
            inter.settled.set()

    def _check_bot_auth(self, request: web.Request) -> None:
        given = _bot_token(request)
        if given is None or (self.bot_token is not None and given != self.bot_token):
            raise errors.unauthorized()

    def _maybe_rate_limit(self, method: str, route: str, path: str) -> None:
        for pending in self._rate_limits:
            if pending.matches(method, route, path):
                pending.remaining -= 1
                if pending.remaining <= 0:
                    self._rate_limits.remove(pending)
                raise pending.error()

    def _validate(self, request: web.Request, route: str, body: ParsedBody) -> None:
        if body.has_json:
            problems = request_problems(request.method, route, body.json)
            if problems:
                tree = self.record_violation(request, route, problems, body.json)
                raise errors.invalid_form(tree)


@web.middleware
async def _middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    return await request.app[FAKE_KEY].handle(request, handler)


def _bot_token(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    return header.removeprefix("Bot ") if header.startswith("Bot ") else None


def _api_path(path: str) -> str:
    return path.removeprefix(API_PREFIX)


_active: list[FakeDiscord] = []


def active_fakes() -> list[FakeDiscord]:
    """Fakes currently serving (used by `interactions.dispatch` to find the right one)."""
    return list(_active)


@asynccontextmanager
async def running_fake_discord(**options: Any) -> AsyncIterator[FakeDiscord]:
    """Serve a FakeDiscord on 127.0.0.1:<free port> and point discord.py's Route.BASE (and
    its default gateway, for a bot that connects) at it."""
    fake = FakeDiscord(**options)
    runner = web.AppRunner(fake.app, access_log=None, shutdown_timeout=1.0)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    fake.base_url = f"http://{host}:{port}"
    previous_base = discord.http.Route.BASE
    previous_gateway = DiscordWebSocket.DEFAULT_GATEWAY
    discord.http.Route.BASE = fake.api_base
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(fake.gateway.url)
    _active.append(fake)
    try:
        yield fake
    finally:
        _active.remove(fake)
        discord.http.Route.BASE = previous_base
        DiscordWebSocket.DEFAULT_GATEWAY = previous_gateway
        await runner.cleanup()
