"""/imagine with several image prompts and style / character references, through the
aggregator's upload-discord-images where it has one, else as base64Array."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import httpx

from bot.sim.png import encode_png
from tests.e2e.harness import Harness, harness

USER = 6001
COLOURS = [(200, 40, 40), (40, 200, 40), (40, 40, 200), (200, 200, 40), (40, 200, 200)]
PROMPTS = [encode_png(16, 16, lambda y, c=c: bytes(c) * 16) for c in COLOURS]
STYLE = encode_png(16, 16, lambda y: b"\x90\x10\x90" * 16)
CHARACTER = encode_png(16, 16, lambda y: b"\x10\x90\x90" * 16)
IMAGE_OPTIONS = ["image", "image2", "image3", "image4", "image5"]


def hosted(h: Harness, name: str, data: bytes) -> dict[str, Any]:
    return h.fake.host_attachment(name, data, "image/png", width=16, height=16)


def five_images(h: Harness) -> dict[str, dict[str, Any]]:
    return {o: hosted(h, f"{o}.png", d) for o, d in zip(IMAGE_OPTIONS, PROMPTS, strict=True)}


def decoded(data_url: str) -> bytes:
    return base64.b64decode(data_url.split(",", 1)[1])


async def test_five_image_prompts_and_both_references_go_into_the_prompt_as_urls(
    h: Harness,
) -> None:
    attachments = {
        **five_images(h),
        "sref": hosted(h, "style.png", STYLE),
        "cref": hosted(h, "hero.png", CHARACTER),
    }
    inter = await h.command("imagine", {"prompt": "a castle at dusk"}, attachments=attachments)
    message = await h.wait_final(inter.token)
    assert message.attachments and message.buttons()

    probe, upload = h.sim.records("submit/upload-discord-images")
    assert probe.body_json == {"base64Array": []}  # asked once whether it exists
    sent = [decoded(u) for u in upload.body_json["base64Array"]]
    assert sent == [*PROMPTS, STYLE, CHARACTER]  # in the order of the options
    (imagine,) = h.sim.records("submit/imagine")
    assert "base64Array" not in imagine.body_json  # a small submit: URLs only
    words = imagine.body_json["prompt"].split()
    urls = [*words[:5], words[-3], words[-1]]
    assert words[5:] == ["a", "castle", "at", "dusk", "--sref", urls[5], "--cref", urls[6]]
    # The URLs are the aggregator's (never Discord's, which expire), and serve the images.
    assert all(u.startswith(h.sim.base_url + "/sim/uploads/") for u in urls)
    assert h.fake.base_url not in imagine.body_json["prompt"]
    async with httpx.AsyncClient() as client:
        served = [(await client.get(u)).content for u in urls]
    assert served == [*PROMPTS, STYLE, CHARACTER]
    (job,) = await h.jobs()
    assert job.prompt == "a castle at dusk"  # the message shows the words, not the URLs

    # Asked once per process: the next imagine with an image uploads at once.
    again = await h.command(
        "imagine", {"prompt": "again"}, attachments={"image": hosted(h, "a.png", PROMPTS[0])}
    )
    await h.wait_final(again.token)
    uploads = [
        len(r.body_json["base64Array"]) for r in h.sim.records("submit/upload-discord-images")
    ]
    assert uploads == [0, 7, 1]  # one probe, then an upload per imagine


async def test_without_uploads_five_image_prompts_go_as_base64_array(h: Harness) -> None:
    h.sim.faults.uploads_unsupported = True
    inter = await h.command("imagine", {"prompt": "five colours"}, attachments=five_images(h))
    await h.wait_final(inter.token)
    assert h.sim.count("submit/upload-discord-images") == 1  # the probe answered 404
    (imagine,) = h.sim.records("submit/imagine")
    assert imagine.body_json["prompt"] == "five colours"
    assert [decoded(u) for u in imagine.body_json["base64Array"]] == PROMPTS


async def test_without_uploads_a_style_reference_is_refused_and_nothing_is_charged(
    tmp_path: Path,
) -> None:
    async with harness(tmp_path, credits_enabled=True, new_user_credits=3) as h:
        h.sim.faults.uploads_unsupported = True
        refs = {"sref": hosted(h, "style.png", STYLE)}
        inter = await h.command("imagine", {"prompt": "styled"}, attachments=refs, user_id=USER)
        assert "style or character references" in await h.refusal(inter)
        zh = await h.command(
            "imagine",
            {"prompt": "角色"},
            attachments={"cref": hosted(h, "hero.png", CHARACTER)},
            user_id=USER,
            locale="zh-CN",
        )
        assert "不支持风格参考或角色参考" in await h.refusal(zh)
        assert h.sim.count("submit/imagine") == 0 and await h.jobs() == []
        wallet = await h.storage.ledger.wallet(USER)
        assert wallet is not None and (wallet.available, wallet.reserved) == (3, 0)
        assert h.sim.count("submit/upload-discord-images") == 1  # asked once, then known
        assert h.fake.violations == []


async def test_a_failed_upload_submits_nothing_and_gives_the_credit_back(tmp_path: Path) -> None:
    async with harness(tmp_path, credits_enabled=True, new_user_credits=3) as h:
        first = await h.command(
            "imagine",
            {"prompt": "one"},
            attachments={"image": hosted(h, "a.png", PROMPTS[0])},
            user_id=USER,
        )
        await h.wait_final(first.token)
        h.sim.faults.update({"http_500": 1, "fault_scope": "submit"})  # the next upload
        failed = await h.command(
            "imagine",
            {"prompt": "two"},
            attachments={"sref": hosted(h, "style.png", STYLE)},
            user_id=USER,
        )
        await h.wait(lambda: "could not be uploaded" in h.original(failed.token).content, "why")
        assert h.sim.count("submit/imagine") == 1  # only the first
        wallet = await h.storage.ledger.wallet(USER)
        assert wallet is not None and (wallet.available, wallet.reserved) == (2, 0)
        assert h.fake.violations == []


async def test_an_attachment_that_is_no_picture_is_refused_by_its_option_name(
    h: Harness,
) -> None:
    images = {
        "image": hosted(h, "a.png", PROMPTS[0]),
        "image3": h.fake.host_attachment("notes.png", b"%PDF-1.7 not a picture", "image/png"),
    }
    inter = await h.command("imagine", {"prompt": "mixed"}, attachments=images)
    assert "`image3` is not a PNG" in await h.refusal(inter)
    assert h.sim.count("submit/imagine") == 0 and h.sim.count("submit/upload-discord-images") == 0


async def test_an_oversized_reference_is_refused_before_the_defer(h: Harness) -> None:
    big = h.fake.host_attachment("big.png", PROMPTS[0] + b"\x00" * (9 * 1024 * 1024), "image/png")
    inter = await h.command("imagine", {"prompt": "big"}, attachments={"cref": big})
    assert inter.callback_type == 4
    assert "`cref` is larger than 8 MB" in h.original(inter.token).content
    assert h.sim.count("total") == 0


async def test_an_aggregator_that_cannot_be_asked_about_uploads_still_takes_image_prompts(
    h: Harness,
) -> None:
    h.sim.faults.update({"http_500": 1, "fault_scope": "submit"})  # the upload question
    inter = await h.command(
        "imagine", {"prompt": "a harbour"}, attachments={"image": hosted(h, "a.png", PROMPTS[0])}
    )
    assert (await h.wait_final(inter.token)).attachments
    (imagine,) = h.sim.records("submit/imagine")
    assert [decoded(u) for u in imagine.body_json["base64Array"]] == [PROMPTS[0]]

    # Meanwhile references cannot work: said plainly, in the user's language, nothing sent.
    refs = await h.command(
        "imagine",
        {"prompt": "a harbour"},
        attachments={"sref": hosted(h, "style.png", STYLE)},
        locale="zh-CN",
    )
    assert "没有响应" in await h.refusal(refs)
    assert len(h.sim.records("submit/upload-discord-images")) == 1  # not asked again yet
    assert len(h.sim.records("submit/imagine")) == 1


async def test_a_failed_upload_without_references_falls_back_to_base64(h: Harness) -> None:
    first = await h.command(
        "imagine", {"prompt": "one"}, attachments={"image": hosted(h, "a.png", PROMPTS[0])}
    )
    await h.wait_final(first.token)  # the upload question was answered: it has uploads
    h.sim.faults.update({"http_500": 1, "fault_scope": "submit"})  # the next upload
    second = await h.command(
        "imagine", {"prompt": "two"}, attachments={"image": hosted(h, "b.png", PROMPTS[1])}
    )
    assert (await h.wait_final(second.token)).attachments
    imagines = h.sim.records("submit/imagine")
    assert len(imagines) == 2
    assert [decoded(u) for u in imagines[1].body_json["base64Array"]] == [PROMPTS[1]]


async def test_the_jobs_of_a_permutation_upload_their_images_once(h: Harness) -> None:
    inter = await h.command(
        "imagine",
        {"prompt": "a {red, blue, green} castle"},
        attachments={"image": hosted(h, "a.png", PROMPTS[0]), "sref": hosted(h, "s.png", STYLE)},
        user_id=USER,
    )
    question = h.original(inter.token)
    start = next(b.custom_id for b in question.buttons() if b.label.startswith("Start"))
    click = await h.dispatch(h.factory.button_click(question, start, user_id=USER))
    await h.wait(lambda: len(h.sim.records("submit/imagine")) == 3, "three imagines")
    uploads = [
        r for r in h.sim.records("submit/upload-discord-images") if r.body_json["base64Array"]
    ]
    assert len(uploads) == 1  # one upload, its URLs in all three prompts
    prompts = [r.body_json["prompt"].split() for r in h.sim.records("submit/imagine")]
    assert len({(p[0], p[-1]) for p in prompts}) == 1
    assert click.followup_ids
