"""Request-field parsing shared by the submit paths, with the proxies' error codes."""

from __future__ import annotations

import hashlib
import re

from bot.sim.datauri import decode_data_url
from bot.sim.model import SimError

_VERSION = re.compile(r"--(?:v|version|niji)\b")


def text(value: object) -> str:
    """A trimmed string field; anything else counts as blank."""
    return value.strip() if isinstance(value, str) else ""


def bot_type(value: object) -> str:
    return "NIJI_JOURNEY" if value in ("NIJI_JOURNEY", "niji") else "MID_JOURNEY"


def image(value: object) -> tuple[bytes, str]:
    try:
        return decode_data_url(value)
    except ValueError as exc:
        raise SimError(4, "base64格式错误") from exc


def short_link(data: bytes) -> str:
    # Midjourney echoes uploaded reference images as s.mj.run short links.
    return f"https://s.mj.run/{hashlib.sha256(data).hexdigest()[:11]}"


def finalise(prompt: str, bot: str) -> str:
    # Midjourney appends the default model version to the prompt it echoes back.
    if _VERSION.search(prompt):
        return prompt
    return f"{prompt} --niji 6" if bot == "NIJI_JOURNEY" else f"{prompt} --v 6.1"
