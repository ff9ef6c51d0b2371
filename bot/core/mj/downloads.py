"""Downloading result images: capped in size, with the key only where it belongs."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from bot.core.mj.errors import MJHTTPError, MJProtocolError, MJTimeoutError, MJTransportError

MAX_REDIRECTS = 3


async def download(
    http: httpx.AsyncClient,
    url: str,
    *,
    max_bytes: int,
    headers_for: Callable[[str], dict[str, str]],
    hops: int = MAX_REDIRECTS,
) -> bytes:
    """Aggregator image URLs may need the key (`headers_for` gives it for those only);
    redirects are followed by hand so a CDN they lead to never sees it."""
    headers = headers_for(url)
    try:
        async with http.stream("GET", url, headers=headers, follow_redirects=False) as response:
            if response.is_redirect and hops > 0:
                target = str(response.url.join(response.headers["location"]))
                return await download(
                    http, target, max_bytes=max_bytes, headers_for=headers_for, hops=hops - 1
                )
            if response.status_code >= 300:
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
