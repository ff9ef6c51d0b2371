"""Checks on user input made before anything reaches the aggregator.

Images are judged by their bytes as Pillow decodes them, never by the content type a
client declared.
"""

from __future__ import annotations

import base64
import unicodedata
from collections.abc import Sequence
from enum import StrEnum
from typing import Any

from bot.core.image_check import MAX_IMAGE_PIXELS, ImageCheckError, ImageProblem, inspect_image
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
    IMAGE_TOO_MANY_PIXELS = "image_too_many_pixels"
    IMAGE_DAMAGED = "image_damaged"
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
    SWAPFACE_DISABLED = "swapface_disabled"
    SWAPFACE_SAME_IMAGE = "swapface_same_image"
    # several image prompts, references, /describe link, the message context menus
    NAMED_IMAGE_NOT_SUPPORTED = "named_image_not_supported"
    NAMED_IMAGE_TOO_LARGE = "named_image_too_large"
    NAMED_IMAGE_UNREADABLE = "named_image_unreadable"
    REFERENCES_UNSUPPORTED = "references_unsupported"
    REFERENCES_UNAVAILABLE = "references_unavailable"
    DESCRIBE_NEEDS_ONE = "describe_needs_one"
    LINK_INVALID = "link_invalid"
    NO_IMAGE_IN_MESSAGE = "no_image_in_message"
    MENU_EXPIRED = "menu_expired"
    MENU_ONE_JOB = "menu_one_job"
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


def check_prompt(prompt: str, *, max_chars: int = MAX_PROMPT_CHARS) -> str:
    """The prompt as it is submitted: control characters become spaces, invisible format
    characters (zero-width spaces, bidi overrides) go, ends trimmed; refused when nothing
    visible is left or it is too long."""
    text = clean_text(prompt).strip()
    if not any(ch.isprintable() and not ch.isspace() and ch != _ZWJ for ch in text):
        raise RequestRejectedError(Rejection.PROMPT_EMPTY)
    if len(text) > max_chars:
        raise RequestRejectedError(Rejection.PROMPT_TOO_LONG, max=max_chars, length=len(text))
    return text


_ZWJ = "\u200d"  # kept: it joins emoji (👩‍🎨), which prompts may use


def clean_text(text: str) -> str:
    """User text without control characters (as spaces, newlines kept) or invisible
    format characters, which Midjourney cannot read and which hide what a text says."""
    out = []
    for ch in text:
        category = unicodedata.category(ch)
        if category == "Cc":
            out.append(ch if ch == "\n" else " ")
        elif category == "Cf" and ch != _ZWJ:
            continue
        else:
            out.append(ch)
    return "".join(out)


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
    """Every image is a whole PNG/JPEG/WEBP/GIF within the size caps, as Pillow decodes
    it; positions are 1-based. CPU-bound: call it off the event loop."""
    checked = []
    for position, data in enumerate(images, start=1):
        check_declared_size(position, len(data), max_bytes=max_bytes)
        try:
            info = inspect_image(data)
        except ImageCheckError as exc:
            raise _image_rejection(exc, position) from exc
        checked.append(InputImage(mime=info.mime, data=data))
    return checked


def _image_rejection(error: ImageCheckError, position: int) -> RequestRejectedError:
    if error.problem is ImageProblem.TOO_MANY_PIXELS:
        return RequestRejectedError(
            Rejection.IMAGE_TOO_MANY_PIXELS,
            position=position,
            max_mp=f"{(error.limit or MAX_IMAGE_PIXELS) / 1_000_000:.3g}",
        )
    if error.problem is ImageProblem.DAMAGED:
        return RequestRejectedError(Rejection.IMAGE_DAMAGED, position=position)
    return RequestRejectedError(Rejection.IMAGE_NOT_SUPPORTED, position=position)


def to_data_url(image: InputImage) -> str:
    return f"data:{image.mime};base64,{base64.b64encode(image.data).decode('ascii')}"


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):g}"
