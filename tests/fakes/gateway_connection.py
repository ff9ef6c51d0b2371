"""One websocket connection of the fake's gateway, and the sessions that outlive them."""

from __future__ import annotations

import asyncio
import json
import zlib
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass
class ConnectionRecord:
    """One websocket connection, for tests to inspect."""

    path: str
    query: dict[str, str]
    shard: tuple[int, int] | None = None
    session_id: str | None = None
    resumed: bool = False
    close_code: int | None = None  # the fake's, or the client's when it closed first


@dataclass
class GatewaySession:
    id: str
    shard: tuple[int, int]
    intents: int
    seq: int = 0
    events: list[dict[str, Any]] = field(default_factory=list, repr=False)  # for RESUME
    connection: Connection | None = field(default=None, repr=False)
    invalid: bool = False  # a RESUME of it gets INVALID_SESSION


class Connection:
    def __init__(
        self, ws: web.WebSocketResponse, request: web.Request, record: ConnectionRecord
    ) -> None:
        self.ws, self.record = ws, record
        self._transport = request.transport
        self._zlib = zlib.compressobj() if record.query.get("compress") == "zlib-stream" else None
        self._lock = asyncio.Lock()  # zlib-stream frames must leave in the order compressed

    async def send(
        self, op: int, data: Any, *, event: str | None = None, seq: int | None = None
    ) -> None:
        message = json.dumps({"op": op, "d": data, "s": seq, "t": event})
        async with self._lock:
            if self.ws.closed:
                return
            try:
                if self._zlib is None:
                    await self.ws.send_str(message)
                else:
                    data = self._zlib.compress(message.encode())
                    await self.ws.send_bytes(data + self._zlib.flush(zlib.Z_SYNC_FLUSH))
            except ConnectionResetError:
                pass  # the client went away meanwhile: as lost as on a real network

    async def close(self, code: int, reason: str = "") -> None:
        self.record.close_code = code
        await self.ws.close(code=code, message=reason.encode())

    def abort(self) -> None:
        """Hang up without a close frame, as a network failure does."""
        if self._transport is not None:
            self._transport.abort()
