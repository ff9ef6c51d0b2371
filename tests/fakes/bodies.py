"""Reading request bodies the way Discord does: JSON, or multipart with payload_json + files[n]."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from aiohttp import BodyPartReader, web

from .models import UploadedFile


class BadBody(Exception):
    """A body Discord would not parse at all (50109 "The request body contains invalid JSON")."""


@dataclass
class ParsedBody:
    json: Any = None
    files: list[UploadedFile] = field(default_factory=list)
    has_json: bool = False

    @property
    def upload_bytes(self) -> int:
        return sum(f.size for f in self.files)


async def read_body(request: web.Request) -> ParsedBody:
    if request.method in ("GET", "HEAD") or not request.body_exists:
        return ParsedBody()
    if request.content_type.startswith("multipart/"):
        return await _read_multipart(request)
    raw = await request.read()
    if not raw:
        return ParsedBody()
    try:
        return ParsedBody(json=json.loads(raw), has_json=True)
    except ValueError as exc:
        raise BadBody(str(exc)) from exc


async def _read_multipart(request: web.Request) -> ParsedBody:
    body = ParsedBody()
    reader = await request.multipart()
    while (part := await reader.next()) is not None:
        if not isinstance(part, BodyPartReader):  # nested multipart: Discord ignores it too
            continue
        name = part.name or ""
        data = await part.read(decode=False)
        if name == "payload_json":
            try:
                body.json, body.has_json = json.loads(data), True
            except ValueError as exc:
                raise BadBody(str(exc)) from exc
        elif part.filename is not None:
            content_type = part.headers.get("Content-Type")
            body.files.append(UploadedFile(name, part.filename, content_type, bytes(data)))
    return body
