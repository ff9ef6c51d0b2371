"""A minimal gateway: enough for a bot in another process (`python -m bot`, see
tests/app/bot_process.py) to connect, identify, heartbeat, and receive the events a test
sends, INTERACTION_CREATE above all.

HELLO, IDENTIFY -> READY (no guilds: interactions carry what the bot needs), HEARTBEAT
-> ACK, RESUME -> INVALID_SESSION (the bot identifies again). Frames are plain JSON text,
which discord.py accepts beside its compressed binary frames.
"""

from __future__ import annotations

import asyncio
import json
import secrets
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType, web

if TYPE_CHECKING:
    from .discord_server import FakeDiscord

HELLO, HEARTBEAT, IDENTIFY, RESUME, INVALID_SESSION, HEARTBEAT_ACK = 10, 1, 2, 6, 9, 11
DISPATCH = 0
HEARTBEAT_INTERVAL_MS = 41_250


@dataclass
class GatewaySession:
    socket: web.WebSocketResponse = field(repr=False)
    session_id: str = field(default_factory=lambda: secrets.token_hex(16))
    sequence: int = 0
    identify: dict[str, Any] = field(default_factory=dict)

    async def send(self, op: int, data: Any, event: str | None = None) -> None:
        seq = None
        if op == DISPATCH:
            self.sequence += 1
            seq = self.sequence
        await self.socket.send_str(json.dumps({"op": op, "d": data, "s": seq, "t": event}))


class FakeGateway:
    def __init__(self, fake: FakeDiscord) -> None:
        self._fake = fake
        self.sessions: list[GatewaySession] = []  # identified and still connected
        self.identified = 0  # IDENTIFYs received, over every connection

    @property
    def url(self) -> str:
        return self._fake.base_url.replace("http://", "ws://") + "/gateway/"

    async def wait_connected(self, *, within: float = 30.0, sessions: int = 1) -> None:
        async with asyncio.timeout(within):
            while len(self.sessions) < sessions:  # noqa: ASYNC110  # sockets come and go
                await asyncio.sleep(0.02)

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """Send one event to every identified session."""
        if not self.sessions:
            raise AssertionError(f"no bot is connected to the gateway to receive {event}")
        for session in list(self.sessions):
            await session.send(DISPATCH, data, event)

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        session = GatewaySession(socket)
        await session.send(HELLO, {"heartbeat_interval": HEARTBEAT_INTERVAL_MS})
        try:
            async for message in socket:
                if message.type is not WSMsgType.TEXT:
                    continue
                frame = json.loads(message.data)
                op = frame.get("op")
                if op == HEARTBEAT:
                    await session.send(HEARTBEAT_ACK, None)
                elif op == IDENTIFY:
                    session.identify = frame.get("d") or {}
                    self.identified += 1
                    await session.send(DISPATCH, self._ready(session), "READY")
                    self.sessions.append(session)
                elif op == RESUME:
                    await session.send(INVALID_SESSION, False)
        finally:
            if session in self.sessions:
                self.sessions.remove(session)
        return socket

    def _ready(self, session: GatewaySession) -> dict[str, Any]:
        fake = self._fake
        shard = session.identify.get("shard") or [0, 1]
        return {
            "v": 10,
            "user": fake.bot_user,
            "guilds": [],
            "session_id": session.session_id,
            "resume_gateway_url": self.url,
            "shard": shard,
            "application": {"id": str(fake.application_id), "flags": 0},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": [],
            "user_settings": {},
            "_trace": ["fake-gateway"],
        }
