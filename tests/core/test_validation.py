"""Input checks that run before anything reaches the aggregator."""

from __future__ import annotations

import base64

import pytest

from bot.core.models import InputImage
from bot.core.validation import (
    Rejection,
    RequestRejectedError,
    check_image_count,
    check_images,
    check_prompt,
    sniff_image_mime,
    to_data_url,
)

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 16
GIF = b"GIF89a" + b"\x00" * 16
WEBP = b"RIFF\x10\x00\x00\x00WEBPVP8 " + b"\x00" * 8


@pytest.mark.parametrize(
    ("data", "mime"),
    [(PNG, "image/png"), (JPEG, "image/jpeg"), (GIF, "image/gif"), (WEBP, "image/webp")],
)
def test_images_are_recognised_by_their_bytes(data: bytes, mime: str) -> None:
    assert sniff_image_mime(data) == mime


@pytest.mark.parametrize(
    "data", [b"", b"%PDF-1.7 not an image", b"<svg xmlns='...'/>", b"RIFF\x00\x00\x00\x00WAVE"]
)
def test_non_images_are_refused_with_their_position(data: bytes) -> None:
    with pytest.raises(RequestRejectedError) as caught:
        check_images([PNG, data], max_bytes=1000)
    assert caught.value.reason is Rejection.IMAGE_NOT_SUPPORTED
    assert caught.value.params == {"position": 2}


def test_an_image_over_the_cap_is_refused() -> None:
    with pytest.raises(RequestRejectedError) as caught:
        check_images([PNG + b"\x00" * 2000], max_bytes=1024 * 1024 // 1024)
    assert caught.value.reason is Rejection.IMAGE_TOO_LARGE
    assert caught.value.params["position"] == 1


def test_checked_images_keep_their_real_type() -> None:
    assert check_images([JPEG, WEBP], max_bytes=1000) == [
        InputImage(mime="image/jpeg", data=JPEG),
        InputImage(mime="image/webp", data=WEBP),
    ]


def test_data_url_carries_the_sniffed_type() -> None:
    url = to_data_url(InputImage(mime="image/png", data=PNG))
    prefix, payload = url.split(",", 1)
    assert prefix == "data:image/png;base64"
    assert base64.b64decode(payload) == PNG


@pytest.mark.parametrize("prompt", ["", "   ", "\n\t"])
def test_empty_prompts_are_refused(prompt: str) -> None:
    with pytest.raises(RequestRejectedError) as caught:
        check_prompt(prompt)
    assert caught.value.reason is Rejection.PROMPT_EMPTY


def test_prompt_length_limit() -> None:
    assert check_prompt("  a cat  ") == "a cat"
    assert check_prompt("x" * 4000) == "x" * 4000
    with pytest.raises(RequestRejectedError) as caught:
        check_prompt("x" * 4001)
    assert caught.value.reason is Rejection.PROMPT_TOO_LONG
    assert caught.value.params == {"max": 4000, "length": 4001}


@pytest.mark.parametrize("count", [0, 1, 6])
def test_blend_image_count(count: int) -> None:
    with pytest.raises(RequestRejectedError) as caught:
        check_image_count(count, minimum=2, maximum=5)
    assert caught.value.params["count"] == count


def test_blend_image_count_accepts_two_to_five() -> None:
    for count in range(2, 6):
        check_image_count(count, minimum=2, maximum=5)
