"""Checks on user input made before anything reaches the aggregator.

Images are judged by their bytes, never by the content type a client declared.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from enum import StrEnum
from typing import Any

from bot.core.models import InputImage

MAX_PROMPT_CHARS = 4000
BLEND_MIN_IMAGES = 2
BLEND_MAX_IMAGES = 5


class Rejection(StrEnum):
    """Why a request was refused; the Discord layer turns these into localized text."""

    PROMPT_EMPTY = "prompt_empty"
    PROMPT_TOO_LONG = "prompt_too_long"
    IMAGE_COUNT = "image_count"
    IMAGE_NOT_SUPPORTED = "image_not_supported"
    IMAGE_TOO_LARGE = "image_too_large"
    IMAGE_UNREADABLE = "image_unreadable"
    NOT_OWNER = "not_owner"
    BUTTON_UNKNOWN = "button_unknown"
    BUTTON_UNSUPPORTED = "button_unsupported"
    ALREADY_PRESSED = "already_pressed"
    JOB_NOT_READY = "job_not_ready"
    REGION_INVALID = "region_invalid"
    BANNED = "banned_user"
    CHANNEL_NOT_ALLOWED = "channel_not_allowed"
    ROLE_NOT_ALLOWED = "role_not_allowed"
    COOLDOWN = "cooldown"
    TOO_MANY_RUNNING = "too_many_running"
    DAILY_LIMIT = "daily_limit"
    SERVER_DAILY_LIMIT = "server_daily_limit"
    NO_CREDITS = "no_credits"
    OWNER_NO_CREDITS = "owner_no_credits"
    CODE_INVALID = "code_invalid"
    NOT_ADMIN = "not_admin"
    NOT_OPERATOR = "not_operator"
    AMOUNT_INVALID = "amount_invalid"
    LIMIT_VALUE_INVALID = "limit_value_invalid"
    LIMIT_LOOSER = "limit_looser"
    LIMIT_SET_BY_OPERATOR = "limit_set_by_operator"
    CREDITS_OFF = "credits_off"
    SUFFIX_TOO_LONG = "suffix_too_long"
    JOB_UNKNOWN = "job_unknown"
    NOT_YOUR_JOB = "not_your_job"
    ALREADY_FINISHED = "already_finished"
    CANCEL_REFUSED = "cancel_refused"
    CANCEL_UNSUPPORTED = "cancel_unsupported"
    SEED_UNAVAILABLE = "seed_unavailable"
    # permutations and --repeat (bot.core.permutations)
    TOO_MANY_JOBS = "too_many_jobs"
    PERMUTATION_UNBALANCED = "permutation_unbalanced"
    PERMUTATION_TOO_DEEP = "permutation_too_deep"
    REPEAT_INVALID = "repeat_invalid"


class RequestRejectedError(Exception):
    """Bad input: nothing was submitted and nothing changed."""

    def __init__(self, reason: Rejection, **params: Any) -> None:
        self.reason = reason
        self.params = params
        super().__init__(f"{reason}: {params}" if params else str(reason))


_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)


def sniff_image_mime(data: bytes) -> str | None:
    """The image type the bytes really are (PNG, JPEG, WEBP, GIF), or None."""
    for signature, mime in _SIGNATURES:
        if data.startswith(signature):
            return mime
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def check_prompt(prompt: str, *, max_chars: int = MAX_PROMPT_CHARS) -> str:
    text = prompt.strip()
    if not text:
        raise RequestRejectedError(Rejection.PROMPT_EMPTY)
    if len(text) > max_chars:
        raise RequestRejectedError(Rejection.PROMPT_TOO_LONG, max=max_chars, length=len(text))
    return text


def check_image_count(count: int, *, minimum: int, maximum: int) -> None:
    if not minimum <= count <= maximum:
        raise RequestRejectedError(Rejection.IMAGE_COUNT, min=minimum, max=maximum, count=count)


def check_declared_size(position: int, size: int, *, max_bytes: int) -> None:
    """Refuse an attachment by the size Discord reports, before downloading it."""
    if size > max_bytes:
        raise RequestRejectedError(
            Rejection.IMAGE_TOO_LARGE, position=position, max_mb=_mb(max_bytes)
        )


def check_images(images: Sequence[bytes], *, max_bytes: int) -> list[InputImage]:
    """Every image is a real PNG/JPEG/WEBP/GIF within the size cap; positions are 1-based."""
    checked = []
    for position, data in enumerate(images, start=1):
        check_declared_size(position, len(data), max_bytes=max_bytes)
        mime = sniff_image_mime(data)
        if mime is None:
            raise RequestRejectedError(Rejection.IMAGE_NOT_SUPPORTED, position=position)
        checked.append(InputImage(mime=mime, data=data))
    return checked


def to_data_url(image: InputImage) -> str:
    return f"data:{image.mime};base64,{base64.b64encode(image.data).decode('ascii')}"


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):g}"
