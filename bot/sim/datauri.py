"""Parsing of the `data:image/...;base64,...` URLs the proxies require for uploads."""

from __future__ import annotations

import base64
import binascii
import re

_DATA_URL = re.compile(r"^data:(image/[A-Za-z0-9.+-]+);base64,(.+)$", re.DOTALL)


def decode_data_url(value: object) -> tuple[bytes, str]:
    """Return (bytes, mime type); ValueError if not a decodable image data URL."""
    if not isinstance(value, str):
        raise ValueError("not a string")
    match = _DATA_URL.match(value.strip())
    if match is None:
        raise ValueError("not a data:image/...;base64, URL")
    payload = "".join(match[2].split())  # tolerate line-wrapped base64
    try:
        data = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError("undecodable base64") from exc
    if not data:
        raise ValueError("empty image")
    return data, match[1].lower()
