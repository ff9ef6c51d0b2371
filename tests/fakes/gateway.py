"""The fake's gateway: Discord's websocket protocol as discord.py speaks it, on the
fake's own port (the URL `GET /gateway/bot` answers), so a real bot process can
`connect()` and receive interactions.

    HELLO -> (HEARTBEAT/ACK) -> IDENTIFY -> READY, GUILD_CREATE per guild of the shard
    reconnect -> RESUME -> the missed events, RESUMED   (or INVALID_SESSION -> IDENTIFY)

JSON encoding, optionally `compress=zlib-stream`. A guild's events go to shard
`(guild_id >> 22) % shard_count`, DMs to shard 0. Tests deliver interactions with
`await fake.gateway.deliver(payload)` (payloads from InteractionFactory; the response
then reaches the fake over REST as usual) and break connections with `drop`, `abort`,
`reconnect` and `invalidate`.
"""

from __future__ import annotations

import copy
import json
import secrets
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType, web

from . import gateway_payloads as gp
from .gateway_connection import Connection, ConnectionRecord, GatewaySession
from .models import FakeInteraction
from .snowflakes import snowflake

if TYPE_CHECKING:
    from .discord_server import FakeDiscord

PRIVILEGED_INTENTS = (1 << 1) | (1 << 8) | (1 << 15)  # members, presences, message content
GATEWAY_PATH, RESUME_PATH = "/gateway", "/gateway/resume"


class GatewayNotConnectedError(AssertionError):
    """No bot session identified for the shard an event belongs to."""


class FakeGateway:
    def __init__(self, fake: FakeDiscord) -> None:
        self._fake = fake
        self.heartbeat_interval_ms = 41_250
        self.recommended_shards = 1  # what GET /gateway/bot answers in "shards"
        self.required_shards = 1  # an IDENTIFY with fewer shards is closed with 4011
        self.granted_intents = 0  # privileged intents the application may ask for
        self.ack_heartbeats = True
        self.heartbeats = 0
        self.sessions: dict[str, GatewaySession] = {}
        self.connections: list[ConnectionRecord] = []
        self._latest: dict[int, GatewaySession] = {}  # shard id -> its last IDENTIFY
        self._open: set[Connection] = set()

    def install(self, app: web.Application) -> None:
        app.router.add_get(GATEWAY_PATH, self.serve)
        app.router.add_get(RESUME_PATH, self.serve)
        app.on_shutdown.append(self._close_all)

    @property
    def url(self) -> str:
        return self._fake.base_url.replace("http://", "ws://", 1) + GATEWAY_PATH

    def add_guild_on_shard(self, shard_id: int, shard_count: int, *, name: str = "Guild") -> int:
        """A new guild (with a text channel) whose events go to that shard."""
        guild_id = snowflake()
        while gp.shard_of(guild_id, shard_count) != shard_id:
            guild_id += 1 << 22  # the next millisecond: the next shard
        self._fake.add_guild(guild_id, name=name)
        self._fake.add_channel(guild_id)
        return guild_id

    # -- switches for tests ----------------------------------------------------------------

    async def drop(
        self, shard_id: int | None = None, *, code: int = gp.UNKNOWN_ERROR, resumable: bool = True
    ) -> int:
        """Close the live connections (of one shard, or all) with `code`; the client
        reconnects and RESUMEs, or IDENTIFYs again when not `resumable`."""
        connections = self._live(shard_id)
        for session, conn in connections:
            session.invalid = session.invalid or not resumable
            await conn.close(code, "dropped by the test")
        return len(connections)

    def abort(self, shard_id: int | None = None) -> int:
        """Cut the live connections at the TCP level, without a close frame."""
        connections = self._live(shard_id)
        for _, conn in connections:
            conn.abort()
        return len(connections)

    async def reconnect(self, shard_id: int | None = None) -> int:
        """Opcode 7: ask the client to reconnect and resume."""
        connections = self._live(shard_id)
        for _, conn in connections:
            await conn.send(gp.RECONNECT, None)
        return len(connections)

    def invalidate(self, shard_id: int | None = None) -> None:
        """The sessions (of one shard, or all) can no longer be resumed."""
        for session in self.sessions.values():
            if shard_id is None or session.shard[0] == shard_id:
                session.invalid = True

    # -- inspection ------------------------------------------------------------------------

    def session(self, shard_id: int = 0) -> GatewaySession | None:
        """The session of the shard's last IDENTIFY (None before any)."""
        return self._latest.get(shard_id)

    def connected(self, shard_id: int = 0) -> bool:
        session = self._latest.get(shard_id)
        return session is not None and session.connection is not None and not session.invalid

    async def wait_connected(self, *shard_ids: int, within: float = 10.0) -> None:
        """Until these shards (default 0) have a live, identified session."""
        wanted = shard_ids or (0,)
        await self._fake.wait_until(
            lambda: all(self.connected(s) for s in wanted),
            within=within,
            what=f"gateway sessions for shards {list(wanted)}",
        )

    # -- events ----------------------------------------------------------------------------

    async def dispatch(
        self, event: str, data: dict[str, Any], *, guild_id: int | None = None
    ) -> GatewaySession:
        """Send a DISPATCH to the shard the guild (by default the event's own
        `guild_id`) belongs to. While that session is disconnected the event waits for
        its RESUME, as with Discord."""
        if guild_id is None and data.get("guild_id"):
            guild_id = int(data["guild_id"])
        session = self._route(guild_id)
        await self._emit(session, event, data)
        return session

    async def send_interaction(self, payload: dict[str, Any]) -> FakeInteraction:
        """INTERACTION_CREATE for a payload built by InteractionFactory, not waiting."""
        inter = self._fake.interaction(payload["token"])
        await self.dispatch("INTERACTION_CREATE", copy.deepcopy(payload))
        return inter

    async def deliver(self, payload: dict[str, Any], *, within: float = 3.0) -> FakeInteraction:
        """Like `interactions.dispatch`, through the gateway: send, wait for the first
        response (AssertionError when none came or it was refused)."""
        inter = await self.send_interaction(payload)
        await inter.wait_answered(within)
        return inter

    def _route(self, guild_id: int | None) -> GatewaySession:
        for shard_id, session in self._latest.items():
            if not session.invalid and gp.shard_of(guild_id, session.shard[1]) == shard_id:
                return session
        raise GatewayNotConnectedError(f"no gateway session takes guild {guild_id}'s events")

    def _live(self, shard_id: int | None) -> list[tuple[GatewaySession, Connection]]:
        return [
            (s, s.connection)
            for s in self.sessions.values()
            if s.connection is not None and (shard_id is None or s.shard[0] == shard_id)
        ]

    # -- the websocket ---------------------------------------------------------------------

    async def serve(self, request: web.Request) -> web.StreamResponse:
        query = dict(request.query)
        if query.get("encoding", "json") != "json" or query.get("compress") not in (
            None,
            "zlib-stream",
        ):
            raise web.HTTPBadRequest(text="the fake gateway speaks JSON, zlib-stream at most")
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        record = ConnectionRecord(request.path, query)
        self.connections.append(record)
        conn = Connection(ws, request, record)
        self._open.add(conn)
        session: GatewaySession | None = None
        try:
            if query.get("v") != "10":
                await conn.close(gp.INVALID_API_VERSION, "Invalid API version")
                return ws
            await conn.send(gp.HELLO, {"heartbeat_interval": self.heartbeat_interval_ms})
            while not ws.closed:
                msg = await ws.receive()
                if msg.type in (WSMsgType.CLOSE, WSMsgType.CLOSING, WSMsgType.CLOSED):
                    if record.close_code is None and msg.type is WSMsgType.CLOSE:
                        record.close_code = int(msg.data)  # the client's own code
                    break
                if msg.type is WSMsgType.ERROR:
                    break
                if msg.type is not WSMsgType.TEXT:
                    await conn.close(gp.DECODE_ERROR, "Error while decoding payload.")
                    break
                try:
                    payload = json.loads(msg.data)
                    op, data = payload["op"], payload.get("d")
                except (ValueError, KeyError, TypeError):
                    await conn.close(gp.DECODE_ERROR, "Error while decoding payload.")
                    break
                session = await self._on_op(conn, session, op, data)
        finally:
            self._open.discard(conn)
            if record.close_code is None:
                record.close_code = ws.close_code
            if session is not None and session.connection is conn:
                session.connection = None
        return ws

    async def _on_op(
        self, conn: Connection, session: GatewaySession | None, op: Any, data: Any
    ) -> GatewaySession | None:
        if op == gp.HEARTBEAT:
            self.heartbeats += 1
            if self.ack_heartbeats:
                await conn.send(gp.HEARTBEAT_ACK, None)
        elif op in (gp.IDENTIFY, gp.RESUME) and session is not None:
            await conn.close(gp.ALREADY_AUTHENTICATED, "You sent more than one identify payload.")
        elif op == gp.IDENTIFY:
            return await self._identify(conn, data if isinstance(data, dict) else {})
        elif op == gp.RESUME:
            return await self._resume(conn, data if isinstance(data, dict) else {})
        elif op in (gp.PRESENCE_UPDATE, gp.VOICE_STATE_UPDATE, gp.REQUEST_GUILD_MEMBERS):
            if session is None:
                await conn.close(gp.NOT_AUTHENTICATED, "You sent a payload prior to identifying.")
        else:
            await conn.close(gp.UNKNOWN_OPCODE, "You sent an invalid Gateway opcode.")
        return session

    def _token_ok(self, token: Any) -> bool:
        expected = self._fake.bot_token
        return isinstance(token, str) and bool(token) and expected in (None, token)

    async def _identify(self, conn: Connection, data: dict[str, Any]) -> GatewaySession | None:
        shard = data.get("shard") or [0, 1]
        intents = data.get("intents")
        if not self._token_ok(data.get("token")):
            await conn.close(gp.AUTHENTICATION_FAILED, "Authentication failed.")
        elif not isinstance(intents, int) or intents < 0:
            await conn.close(gp.INVALID_INTENTS, "Invalid intent(s).")
        elif intents & PRIVILEGED_INTENTS & ~self.granted_intents:
            await conn.close(gp.DISALLOWED_INTENTS, "Disallowed intent(s).")
        elif not _valid_shard(shard):
            await conn.close(gp.INVALID_SHARD, "Invalid shard.")
        elif shard[1] < self.required_shards:
            await conn.close(gp.SHARDING_REQUIRED, "Sharding required.")
        else:
            return await self._start_session(conn, (shard[0], shard[1]), intents)
        return None

    async def _start_session(
        self, conn: Connection, shard: tuple[int, int], intents: int
    ) -> GatewaySession:
        """READY, then the full guild of each of the shard's guilds."""
        session = GatewaySession(secrets.token_hex(16), shard, intents, connection=conn)
        self.sessions[session.id] = session
        self._latest[shard[0]] = session
        conn.record.shard, conn.record.session_id = shard, session.id
        world = self._fake
        resume_url = world.base_url.replace("http://", "ws://", 1) + RESUME_PATH
        ready = gp.ready_json(world, session_id=session.id, resume_url=resume_url, shard=shard)
        await self._emit(session, "READY", ready)
        for guild_id in gp.guilds_of_shard(world, *shard):
            await self._emit(session, "GUILD_CREATE", gp.guild_create_json(world, guild_id))
        return session

    async def _resume(self, conn: Connection, data: dict[str, Any]) -> GatewaySession | None:
        session = self.sessions.get(str(data.get("session_id")))
        seq = data.get("seq")
        if not self._token_ok(data.get("token")):
            await conn.close(gp.AUTHENTICATION_FAILED, "Authentication failed.")
            return None
        if session is None or session.invalid or not isinstance(seq, int):
            await conn.send(gp.INVALID_SESSION, False)  # the client then IDENTIFYs anew
            return None
        if seq > session.seq:
            await conn.close(gp.INVALID_SEQ, "Invalid seq.")
            return None
        if session.connection is not None:  # a zombie connection of the same session
            await session.connection.close(gp.UNKNOWN_ERROR, "Session resumed elsewhere.")
        session.connection = conn
        conn.record.shard, conn.record.session_id = session.shard, session.id
        conn.record.resumed = True
        for event in [e for e in session.events if e["s"] > seq]:
            await conn.send(gp.DISPATCH, event["d"], event=event["t"], seq=event["s"])
        await self._emit(session, "RESUMED", {})
        return session

    async def _emit(self, session: GatewaySession, event: str, data: Any) -> None:
        """Number the event in its session; send it now if connected (kept for RESUME)."""
        session.seq += 1
        session.events.append({"t": event, "s": session.seq, "d": data})
        if session.connection is not None:
            await session.connection.send(gp.DISPATCH, data, event=event, seq=session.seq)

    async def _close_all(self, _: web.Application) -> None:
        for conn in list(self._open):
            await conn.close(1001, "the fake is shutting down")


def _valid_shard(shard: Any) -> bool:
    return (
        isinstance(shard, list)
        and len(shard) == 2
        and all(isinstance(n, int) for n in shard)
        and 0 <= shard[0] < shard[1]
    )
