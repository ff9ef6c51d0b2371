"""Pure rendering of each job stage, in both languages."""

from __future__ import annotations

import string
from typing import Any

import pytest

from bot.core.i18n import keys, t, templates
from bot.core.models import (
    TIMED_OUT_REASON,
    Job,
    JobKind,
    JobStatus,
    MessageKind,
    MessageRef,
    StoredButton,
)
from bot.core.payload import CANCEL_BUTTON, MODAL_BUTTON, SEED_BUTTON
from bot.core.render import layout_buttons, render

HASH = "3eaa7c0c-9825-4110-9c89-02c4e463a8d0"


def job(**changes: Any) -> Job:
    base: dict[str, Any] = {
        "id": 7,
        "task_id": "1730621718151844",
        "kind": JobKind.IMAGINE,
        "status": JobStatus.WAITING,
        "prompt": "a red fox, *watercolor*",
        "options": {},
        "user_id": 42,
        "guild_id": 1,
        "message": MessageRef(channel_id=2, message_id=3, kind=MessageKind.ORIGINAL),
        "locale": "en-US",
        "progress": 0,
        "queue_position": None,
        "image_url": None,
        "final_prompt": None,
        "fail_reason": None,
        "shown_status": None,
        "parent_job_id": None,
        "button_index": None,
        "created_at": 0.0,
        "updated_at": 0.0,
        "submitted_at": None,
        "finished_at": None,
    }
    base.update(changes)
    return Job.model_validate(base)


def buttons(*ids_labels: tuple[str, str, str]) -> list[StoredButton]:
    return [
        StoredButton(job_id=7, index=i, custom_id=c, label=label, emoji=emoji, style=2)
        for i, (c, label, emoji) in enumerate(ids_labels)
    ]


GRID = buttons(
    *[(f"MJ::JOB::upsample::{n}::{HASH}", f"U{n}", "") for n in range(1, 5)],
    (f"MJ::JOB::reroll::0::{HASH}::SOLO", "", "🔄"),
    *[(f"MJ::JOB::variation::{n}::{HASH}", f"V{n}", "") for n in range(1, 5)],
)


def test_waiting_and_queued_states() -> None:
    assert render(job()).content == (
        r"**a red fox, \*watercolor\*** - <@42> (Waiting to start)" + "\n-# Job 7"
    )
    assert "(Queued, 3 ahead)" in render(job(queue_position=3)).content
    assert "排队中，前面还有 3 个任务" in render(job(queue_position=3, locale="zh-CN")).content


def test_progress_shows_percentage_and_preview() -> None:
    payload = render(job(status=JobStatus.IN_PROGRESS, progress=46, image_url="http://x/p.png"))
    assert payload.content.endswith("(46%)\n-# Job 7")
    assert payload.image_url == "http://x/p.png" and not payload.attach_image
    assert not payload.final


def test_grid_result_lays_out_like_midjourney() -> None:
    payload = render(job(status=JobStatus.SUCCESS, image_url="http://x/r.png"), GRID)
    assert payload.final and payload.attach_image
    rows: dict[int, list[str]] = {}
    for spec in payload.buttons:
        rows.setdefault(spec.row, []).append(spec.label or spec.emoji)
    assert rows == {0: ["U1", "U2", "U3", "U4", "🔄"], 1: ["V1", "V2", "V3", "V4"], 2: ["Seed"]}
    assert [s.route for s in payload.buttons] == [*(str(i) for i in range(9)), SEED_BUTTON]


def test_upscale_result_rows_of_at_most_five_and_unsupported_left_out() -> None:
    upscale = buttons(
        (f"MJ::JOB::upsample_v6_2x_subtle::1::{HASH}::SOLO", "Upscale (Subtle)", ""),
        (f"MJ::JOB::upsample_v6_2x_creative::1::{HASH}::SOLO", "Upscale (Creative)", ""),
        (f"MJ::JOB::low_variation::1::{HASH}::SOLO", "Vary (Subtle)", "🪄"),
        (f"MJ::JOB::high_variation::1::{HASH}::SOLO", "Vary (Strong)", "🪄"),
        (f"MJ::Inpaint::1::{HASH}::SOLO", "Vary (Region)", "🖌️"),
        (f"MJ::Outpaint::50::1::{HASH}::SOLO", "Zoom Out 2x", "🔍"),
        (f"MJ::Outpaint::75::1::{HASH}::SOLO", "Zoom Out 1.5x", "🔍"),
        (f"MJ::CustomZoom::{HASH}", "Custom Zoom", "🔍"),
        (f"MJ::JOB::pan_left::1::{HASH}::SOLO", "", "⬅️"),
        (f"MJ::JOB::pan_right::1::{HASH}::SOLO", "", "➡️"),
        (f"MJ::BOOKMARK::{HASH}", "", "❤️"),
    )
    specs = layout_buttons(7, upscale)
    assert "❤️" not in [s.emoji for s in specs]
    rows: dict[int, list[str]] = {}
    for spec in specs:
        rows.setdefault(spec.row, []).append(spec.label or spec.emoji)
    assert rows == {
        0: ["Upscale (Subtle)", "Upscale (Creative)"],
        1: ["Vary (Subtle)", "Vary (Strong)", "Vary (Region)"],
        2: ["Zoom Out 2x", "Zoom Out 1.5x", "Custom Zoom"],
        3: ["⬅️", "➡️"],
    }
    assert all(len(r) <= 5 for r in rows.values())


def test_upscale_headline_names_the_image() -> None:
    upscale = job(
        kind=JobKind.ACTION,
        status=JobStatus.SUCCESS,
        options={"custom_id": f"MJ::JOB::upsample::2::{HASH}", "label": "U2"},
    )
    assert "Image #2 <@42>" in render(upscale).content
    assert "图片 #2" in render(upscale, locale="zh-CN").content


def test_describe_result_lists_prompts_with_buttons() -> None:
    text = "1️⃣ one fox\n\n2️⃣ two fox\n\n3️⃣ three fox\n\n4️⃣ four fox"
    described = job(kind=JobKind.DESCRIBE, status=JobStatus.SUCCESS, final_prompt=text, prompt="")
    follow = buttons(
        *[(f"MJ::Job::PicReader::{n}", "", f"{n}\ufe0f\u20e3") for n in range(1, 5)],
        ("MJ::Picread::Retry", "", "🔄"),
        ("MJ::Job::PicReader::all", "Imagine all", "🎉"),
    )
    payload = render(described, follow)
    assert payload.embed is not None and payload.embed.description is not None
    assert "2️⃣ two fox" in payload.embed.description
    assert [s.row for s in payload.buttons] == [0, 0, 0, 0, 0, 1]
    assert not payload.attach_image


def test_failure_shows_the_reason() -> None:
    failed = render(job(status=JobStatus.FAILURE, fail_reason="[Banned prompt detected] no"))
    assert failed.final and failed.embed is not None
    assert failed.embed.description == "Failed: [Banned prompt detected] no"
    timed_out = render(job(status=JobStatus.FAILURE, fail_reason=TIMED_OUT_REASON, locale="zh"))
    assert timed_out.embed is not None and "按时" in (timed_out.embed.description or "")


def test_modal_state_offers_an_edit_button() -> None:
    payload = render(job(status=JobStatus.MODAL, final_prompt="remix this"))
    (edit,) = payload.buttons
    assert edit.route == MODAL_BUTTON and payload.final


def test_long_prompts_fit_discords_limit() -> None:
    assert len(render(job(prompt="word " * 900)).content) <= 2000


@pytest.mark.parametrize("key", keys())
def test_every_text_exists_in_both_languages(key: str) -> None:
    english, chinese = templates(key)
    names = placeholders(english)
    assert names == placeholders(chinese), "both languages take the same values"
    params = dict.fromkeys(names, "1")
    english, chinese = t(key, "en-US", **params), t(key, "zh-CN", **params)
    assert english and chinese and (english != chinese or key == "state.progress")


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


# ---------------------------------------------------------------- the user's own controls


def test_the_speed_mode_and_the_job_number_are_on_every_message() -> None:
    fast = job(options={"mode": "fast"}, status=JobStatus.IN_PROGRESS, progress=10)
    assert fast.id == 7
    assert render(fast).content.endswith("(10%) (fast)\n-# Job 7")
    assert render(fast, locale="zh-CN").content.endswith("(10%) (快速)\n-# 任务 7")
    done = job(options={"mode": "relax"}, status=JobStatus.SUCCESS, image_url="http://x/r.png")
    assert render(done).content.endswith("<@42> (relax)\n-# Job 7")
    assert "(fast)" not in render(job()).content  # no mode known: nothing claimed


def test_cancel_is_offered_while_the_task_waits_or_runs_only() -> None:
    def routes(j: Job) -> list[str]:
        return [b.route for b in render(j).buttons]

    assert routes(job()) == [CANCEL_BUTTON]
    assert routes(job(status=JobStatus.IN_PROGRESS, progress=50)) == [CANCEL_BUTTON]
    assert routes(job(status=JobStatus.PENDING, task_id=None)) == []  # nothing to cancel yet
    assert routes(job(status=JobStatus.FAILURE, fail_reason="x")) == []
    assert routes(job(status=JobStatus.CANCEL)) == []
    (cancel,) = render(job(), locale="zh-CN").buttons
    assert cancel.label == "取消"


def test_seed_is_offered_on_image_results_only() -> None:
    grid = render(job(status=JobStatus.SUCCESS, image_url="http://x/r.png"), GRID)
    assert [b.label for b in grid.buttons if b.route == SEED_BUTTON] == ["Seed"]
    zh = render(job(status=JobStatus.SUCCESS, image_url="http://x/r.png"), GRID, "zh-CN")
    assert [b.label for b in zh.buttons if b.route == SEED_BUTTON] == ["种子"]
    described = job(kind=JobKind.DESCRIBE, status=JobStatus.SUCCESS, final_prompt="1️⃣ a cat")
    assert SEED_BUTTON not in [b.route for b in render(described).buttons]


def test_seed_shares_the_last_row_when_five_rows_are_taken() -> None:
    families = [
        ("MJ::JOB::upsample_v6_2x_subtle::1::h::SOLO", "Up", ""),
        ("MJ::JOB::low_variation::1::h::SOLO", "Vary", ""),
        ("MJ::Outpaint::50::1::h::SOLO", "Zoom", ""),
        ("MJ::JOB::pan_left::1::h::SOLO", "", "⬅️"),
        ("MJ::JOB::variation::1::h", "V1", ""),
    ]
    specs = render(job(status=JobStatus.SUCCESS, image_url="u"), buttons(*families)).buttons
    assert [(s.route, s.row) for s in specs][-2:] == [("4", 4), (SEED_BUTTON, 4)]


def test_pressed_buttons_are_coloured() -> None:
    success = job(status=JobStatus.SUCCESS, image_url="http://x/r.png")
    styles = {b.label: b.style for b in render(success, GRID, pressed={0, 6}).buttons}
    assert styles["U1"] == 1 and styles["V2"] == 1  # pressed: blurple, as Midjourney
    assert styles["U2"] == 2 and styles["V1"] == 2
