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
    to_data_url,
)
from tests.images import declared_png, picture

PNG = picture("PNG")
JPEG = picture("JPEG")
GIF = picture("GIF")
WEBP = picture("WEBP")


@pytest.mark.parametrize(
    ("data", "mime"),
    [(PNG, "image/png"), (JPEG, "image/jpeg"), (GIF, "image/gif"), (WEBP, "image/webp")],
)
def test_images_are_recognised_by_their_bytes(data: bytes, mime: str) -> None:
    assert check_images([data], max_bytes=100_000) == [InputImage(mime=mime, data=data)]


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"%PDF-1.7 not an image",
        b"<svg xmlns='http://www.w3.org/2000/svg'/>",
        b"RIFF\x00\x00\x00\x00WAVE",
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 16,  # a PNG signature and nothing behind it
        picture("BMP"),  # a real image, not a format Midjourney takes
        picture("TIFF"),
    ],
)
def test_non_images_are_refused_with_their_position(data: bytes) -> None:
    with pytest.raises(RequestRejectedError) as caught:
        check_images([PNG, data], max_bytes=100_000)
    assert caught.value.reason is Rejection.IMAGE_NOT_SUPPORTED
    assert caught.value.params == {"position": 2}


def test_an_image_over_the_cap_is_refused() -> None:
    with pytest.raises(RequestRejectedError) as caught:
        check_images([picture("PNG", (64, 64)), PNG], max_bytes=len(PNG) + 1)
    assert caught.value.reason is Rejection.IMAGE_TOO_LARGE
    assert caught.value.params["position"] == 1


def test_a_decompression_bomb_is_refused_before_decoding() -> None:
    bomb = declared_png(50_000, 50_000)
    assert len(bomb) < 1000  # small on the wire, 2.5 gigapixels declared
    with pytest.raises(RequestRejectedError) as caught:
        check_images([bomb], max_bytes=100_000)
    assert caught.value.reason is Rejection.IMAGE_TOO_MANY_PIXELS
    assert caught.value.params == {"position": 1, "max_mp": "50"}


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP", "GIF"])
def test_a_truncated_image_is_refused_as_damaged(fmt: str) -> None:
    whole = picture(fmt, (200, 150), "orange")
    with pytest.raises(RequestRejectedError) as caught:
        check_images([whole[: len(whole) * 2 // 3]], max_bytes=100_000)
    assert caught.value.reason in (Rejection.IMAGE_DAMAGED, Rejection.IMAGE_NOT_SUPPORTED)
    if fmt in ("PNG", "JPEG"):  # their headers survive the cut: the decode finds it
        assert caught.value.reason is Rejection.IMAGE_DAMAGED


def test_checked_images_keep_their_real_type_whatever_the_name() -> None:
    # The bytes decide: a JPEG is a JPEG even when Discord was told "image/png".
    assert check_images([JPEG, WEBP], max_bytes=100_000) == [
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


def test_a_gif_too_large_to_decode_is_refused_rather_than_half_checked() -> None:
    # GIF and WEBP have no cheap whole-file check (PNG's CRCs, JPEG's reduced decode),
    # so above 16.8 megapixels they are refused, cut in half or not.
    big = picture("GIF", (5000, 4000), "white")
    for data in (big, big[: len(big) // 2]):
        with pytest.raises(RequestRejectedError) as caught:
            check_images([data], max_bytes=len(big))
        assert caught.value.reason is Rejection.IMAGE_TOO_MANY_PIXELS
        assert caught.value.params["max_mp"] == "16.8"
