"""Hostile input, property-based: whatever a user or the aggregator sends, the real
parsing and validation code either accepts it within its bounds or refuses it with a
reason the bot can put into words. Nothing else escapes."""

from __future__ import annotations

import contextlib
import re
import unicodedata
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from bot.core.buttons import ButtonRoute, classify
from bot.core.editor_mask import MaskSizeError, MaskTooComplexError, Painting, check_mask
from bot.core.mask import parse_region
from bot.core.mj.errors import MJError, MJProtocolError
from bot.core.mj.responses import check_envelope, parse_tasks, submission_of
from bot.core.models import StoredButton
from bot.core.prompts import describe_prompts, prompt_number, shortened_prompts
from bot.core.validation import (
    Rejection,
    RequestRejectedError,
    check_images,
    check_prompt,
)
from bot.ui.components import CUSTOM_ID_TEMPLATE
from tests.images import picture

MAX = 4000
ZWJ = "\u200d"
HOSTILE = st.sampled_from(
    [
        "@everyone",
        "<@123456789012345678>",
        "<@&223456789012345678>",
        "**bold** `code` ||spoiler||",
        "\u200b",
        "\u202e",
        "\ufeff",
        "\x00",
        "\x1b[31m",
        "猫",
        "一只猫 in the rain",
        "--ar 16:9",
        ZWJ,
        "\n",
        " ",
    ]
)
PROMPTS = st.one_of(
    st.text(max_size=300),
    st.lists(HOSTILE, max_size=40).map("".join),
    st.lists(st.one_of(HOSTILE, st.text(max_size=5)), max_size=60).map("".join),
)


@given(PROMPTS)
@example("x" * 6000)
@example("\u200b" * 10)
@example("猫" * 4001)
def test_a_prompt_is_cleaned_and_bounded_or_refused(prompt: str) -> None:
    try:
        text = check_prompt(prompt, max_chars=MAX)
    except RequestRejectedError as exc:
        assert exc.reason in (Rejection.PROMPT_EMPTY, Rejection.PROMPT_TOO_LONG)
        return
    assert 0 < len(text) <= MAX and text == text.strip()
    for ch in text:
        category = unicodedata.category(ch)
        assert category != "Cf" or ch == ZWJ, f"an invisible {ch!r} kept"
        assert category != "Cc" or ch == "\n", f"a control character {ch!r} kept"
    assert any(ch.isprintable() and not ch.isspace() and ch != ZWJ for ch in text)


@given(st.binary(max_size=2048))
@example(picture("PNG")[:40])
@example(picture("JPEG")[:100])
@example(b"GIF89a" + b"\xff" * 20)
@example(b"RIFF\x00\x00\x00\x00WEBPVP8 ")
def test_any_bytes_are_a_checked_image_or_a_refusal(data: bytes) -> None:
    try:
        (image,) = check_images([data], max_bytes=1024)
    except RequestRejectedError as exc:
        assert exc.reason in (
            Rejection.IMAGE_NOT_SUPPORTED,
            Rejection.IMAGE_DAMAGED,
            Rejection.IMAGE_TOO_LARGE,
            Rejection.IMAGE_TOO_MANY_PIXELS,
        )
        assert exc.params["position"] == 1
        return
    assert image.mime in ("image/png", "image/jpeg", "image/webp", "image/gif")


@given(st.binary(min_size=1, max_size=64), st.sampled_from(["PNG", "JPEG", "GIF", "WEBP"]))
@settings(suppress_health_check=[HealthCheck.too_slow])
def test_a_real_image_with_damaged_bytes_is_never_an_unexpected_error(
    noise: bytes, fmt: str
) -> None:
    whole = picture(fmt, (40, 30), "purple")
    middle = len(whole) // 2
    damaged = whole[:middle] + noise + whole[middle + len(noise) :]
    try:
        check_images([damaged], max_bytes=100_000)
    except RequestRejectedError as exc:
        assert exc.reason in (Rejection.IMAGE_NOT_SUPPORTED, Rejection.IMAGE_DAMAGED)


@given(st.text(max_size=60))
@example("10,20,30,40")
@example("0,0,100,100")
@example("50%, 50%, 50%, 60%")
@example("1e309,0,1,1")
def test_a_typed_region_is_a_proper_box_or_none(text: str) -> None:
    region = parse_region(text)
    if region is not None:
        assert 0 <= region.x1 < region.x2 <= 1 and 0 <= region.y1 < region.y2 <= 1


CUSTOM_IDS = st.one_of(
    st.text(max_size=100),
    st.from_regex(r"mj:v1:[0-9]{0,25}:[0-9a-z]{0,3}", fullmatch=True),
    st.just("mj:v1:" + "9" * 19 + ":99"),
    st.just("x" * 100),
)


@given(CUSTOM_IDS)
def test_only_well_formed_custom_ids_reach_the_job_buttons(custom_id: str) -> None:
    # discord.py matches DynamicItem templates with fullmatch; anything else is ignored
    # before any handler or database is involved.
    match = re.fullmatch(CUSTOM_ID_TEMPLATE, custom_id)
    if match is not None:
        assert len(match["job"]) <= 18 and int(match["job"]) < 2**63  # fits a BIGINT
        assert match["route"] in ("m", "c", "s") or 0 <= int(match["route"]) <= 99


@given(st.text(max_size=120), st.text(max_size=20), st.integers(-5, 10))
def test_any_aggregator_button_is_classified(custom_id: str, label: str, style: int) -> None:
    button = StoredButton(custom_id=custom_id, label=label, style=style, job_id=1, index=0)
    meaning = classify(button)
    assert meaning.route in ButtonRoute
    if meaning.prompt_number is not None:
        assert meaning.route is ButtonRoute.PICK_PROMPT and meaning.prompt_number >= 0


@given(st.one_of(st.none(), st.text(max_size=500)), st.integers(-3, 8))
@example("1️⃣ a cat --ar 1:1\n\n2️⃣ a dog\n\n", 2)
@example("## Shortened prompts\n1️⃣ cat\n2️⃣ dog", 1)
def test_describe_and_shorten_texts_from_the_aggregator_never_break(
    text: str | None, number: int
) -> None:
    for prompts in (describe_prompts(text), shortened_prompts(text)):
        assert all(isinstance(p, str) and p for p in prompts)
        picked = prompt_number(prompts, number)
        assert picked is None or picked in prompts


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=10), inner),
    max_leaves=30,
)


@given(st.one_of(JSON, st.dictionaries(st.sampled_from(["code", "description", "result"]), JSON)))
def test_any_submit_answer_is_a_submission_or_a_protocol_error(body: Any) -> None:
    try:  # an MJError is the aggregator's refusal, put into words for the user
        submission = submission_of(check_envelope(body))
    except MJError:
        return
    assert isinstance(submission.task_id, str) and submission.task_id


TASK_KEYS = ["id", "status", "progress", "imageUrl", "buttons", "properties", "submitTime"]


@given(st.one_of(JSON, st.lists(st.dictionaries(st.sampled_from(TASK_KEYS), JSON), max_size=4)))
@example(
    [{"id": "1", "status": "SUCCESS", "submitTime": float("inf"), "buttons": [{"style": 1e999}]}]
)
def test_any_task_list_answer_is_tasks_or_a_protocol_error(body: Any) -> None:
    try:
        tasks = parse_tasks(body, "list-by-condition")
    except MJProtocolError:
        return
    assert isinstance(tasks, list)


SHAPE = st.fixed_dictionaries(
    {"type": st.sampled_from(["rect", "lasso", "brush", "circle"])},
    optional={
        "x1": JSON,
        "y1": st.floats(),
        "x2": st.floats(-1, 2),
        "y2": st.floats(0, 1),
        "size": st.floats(),
        "points": st.lists(st.tuples(st.floats(), st.floats()), max_size=8),
    },
)


@given(st.dictionaries(st.sampled_from(["shapes", "extra"]), st.lists(SHAPE, max_size=4)))
def test_a_painting_from_the_browser_is_valid_and_bounded_or_refused(body: Any) -> None:
    try:
        painting = Painting.model_validate(body)
    except ValidationError:
        return
    for shape in painting.shapes:
        for point in getattr(shape, "points", ()):
            assert all(0.0 <= v <= 1.0 for v in point)
    with contextlib.suppress(MaskSizeError, MaskTooComplexError):  # refusals in words
        check_mask(1024, 1024, painting)
