"""Reading describe/shorten results and deciding what each aggregator button does."""

from __future__ import annotations

import pytest

from bot.core.buttons import ButtonRoute, classify
from bot.core.models import StoredButton
from bot.core.prompts import describe_prompts, shortened_prompts, with_zoom

DESCRIBE = (
    "1️⃣ a red fox in a snowy forest, watercolor --ar 3:2\n\n"
    "2️⃣ fox portrait, loose brush strokes --ar 3:2\n\n"
    "3️⃣ a fox, ink wash\n\n"
    "4️⃣ minimal fox, flat colours"
)
SHORTEN = (
    "## Important tokens\n**appdash** **appdash**, in the ~~style~~ of **draftsmanship**\n"
    "## Shortened prompts\n1️⃣ appdash appdash, draftsmanship, toonami\n\n"
    "2️⃣ appdash appdash, toonami\n\n3️⃣ appdash appdash"
)


def test_describe_prompts_lose_their_keycaps() -> None:
    assert describe_prompts(DESCRIBE) == [
        "a red fox in a snowy forest, watercolor --ar 3:2",
        "fox portrait, loose brush strokes --ar 3:2",
        "a fox, ink wash",
        "minimal fox, flat colours",
    ]


def test_describe_prompts_from_crlf_back_ends_without_emoji() -> None:
    assert describe_prompts("a fox\r\nan owl\r\na cat\r\na dog") == [
        "a fox",
        "an owl",
        "a cat",
        "a dog",
    ]


def test_shortened_prompts_follow_their_heading() -> None:
    assert shortened_prompts(SHORTEN) == [
        "appdash appdash, draftsmanship, toonami",
        "appdash appdash, toonami",
        "appdash appdash",
    ]
    assert shortened_prompts("no heading here") == []
    assert describe_prompts(None) == []


def test_zoom_prompt_replaces_an_existing_zoom() -> None:
    assert with_zoom("a red fox --ar 3:2") == "a red fox --ar 3:2 --zoom 2"
    assert with_zoom("a red fox --zoom 1.5 --ar 3:2") == "a red fox --ar 3:2 --zoom 2"


def _button(custom_id: str, style: int = 2) -> StoredButton:
    return StoredButton(job_id=1, index=0, custom_id=custom_id, label="", emoji="", style=style)


@pytest.mark.parametrize(
    ("custom_id", "route", "number"),
    [
        ("MJ::JOB::upsample::1::3eaa7c0c-9825-4110-9c89-02c4e463a8d0", ButtonRoute.SUBMIT, None),
        ("MJ::JOB::reroll::0::3eaa7c0c::SOLO", ButtonRoute.SUBMIT, None),
        ("MJ::JOB::pan_left::1::3eaa7c0c::SOLO", ButtonRoute.SUBMIT, None),
        ("MJ::Outpaint::50::1::3eaa7c0c::SOLO", ButtonRoute.SUBMIT, None),
        ("MJ::CustomZoom::f58fa448", ButtonRoute.ASK_THEN_SUBMIT, None),
        ("MJ::Inpaint::1::f58fa448::SOLO", ButtonRoute.ASK_THEN_SUBMIT, None),
        ("MJ::Job::PicReader::2", ButtonRoute.PICK_PROMPT, 2),
        ("MJ::Job::PicReader::all", ButtonRoute.IMAGINE_ALL, None),
        ("MJ::Picread::Retry", ButtonRoute.DESCRIBE_AGAIN, None),
        ("MJ::Job::PromptAnalyzer::abc::5", ButtonRoute.PICK_PROMPT, 5),
        ("MJ::Job::PromptAnalyzer::abc::details", ButtonRoute.UNSUPPORTED, None),
        ("MJ::BOOKMARK::3eaa7c0c", ButtonRoute.UNSUPPORTED, None),
        ("", ButtonRoute.UNSUPPORTED, None),
    ],
)
def test_button_routes(custom_id: str, route: ButtonRoute, number: int | None) -> None:
    meaning = classify(_button(custom_id))
    assert meaning.route is route
    assert meaning.prompt_number == number


def test_link_buttons_are_left_out() -> None:
    assert classify(_button("MJ::JOB::upsample::1::x", style=5)).route is ButtonRoute.UNSUPPORTED
