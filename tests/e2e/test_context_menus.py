"""Message context menus (Apps → "Describe this image", "Use as image prompt") through the
real bot, as Discord sends them: APPLICATION_COMMAND, data.type 3, the message resolved."""

from __future__ import annotations

import base64

from bot.sim.png import encode_png
from tests.e2e.harness import Harness
from tests.e2e.recording_host import recording_server

DESCRIBE, USE = "Describe this image", "Use as image prompt"
PHOTO = encode_png(24, 16, lambda y: bytes([y * 12 % 256, 90, 30]) * 24)


def decoded(data_url: str) -> bytes:
    return base64.b64decode(data_url.split(",", 1)[1])


async def test_describe_this_image_describes_the_messages_attachment(h: Harness) -> None:
    posted = h.fake.post_user_message(
        content="look", files=[("notes.txt", b"hi"), ("cat.png", PHOTO)]
    )
    inter = await h.dispatch(h.factory.message_command(DESCRIBE, posted))
    assert inter.callback_type == 5  # deferred within 3 s, publicly
    described = await h.wait_final(inter.token)
    assert described.type == 23  # Discord's CONTEXT_MENU_COMMAND reply
    (embed,) = described.embeds
    assert "1️⃣" in embed["description"] and "4️⃣" in embed["description"]
    (body,) = [r.body_json for r in h.sim.records("submit/describe")]
    assert decoded(body["base64"]) == PHOTO  # the picture, not the text file before it


async def test_describe_this_image_on_a_result_of_the_bot(h: Harness) -> None:
    inter = await h.command("imagine", {"prompt": "a red fox"})
    grid = await h.wait_final(inter.token)
    menu = await h.dispatch(h.factory.message_command(DESCRIBE, grid, locale="zh-CN"))
    await h.wait_final(menu.token)
    (body,) = [r.body_json for r in h.sim.records("submit/describe")]
    assert decoded(body["base64"]) == grid.attachments[0].content


async def test_use_as_image_prompt_asks_for_the_prompt_then_imagines_with_the_image(
    h: Harness,
) -> None:
    posted = h.fake.post_user_message(files=[("cat.png", PHOTO)])
    opened = await h.dispatch(h.factory.message_command(USE, posted))
    assert opened.callback_type == 9  # the modal is the first answer
    modal = h.fake.last_modal
    assert modal is not None and len(modal.custom_id) <= 100
    assert h.sim.count("total") == 0  # nothing read or sent before the prompt

    answer = await h.dispatch(h.factory.modal_submit(modal.custom_id, {"prompt": "as a statue"}))
    result = await h.wait_final(answer.token)
    assert result.attachments and result.buttons()
    (upload,) = [
        r for r in h.sim.records("submit/upload-discord-images") if r.body_json["base64Array"]
    ]
    assert [decoded(u) for u in upload.body_json["base64Array"]] == [PHOTO]
    (imagine,) = h.sim.records("submit/imagine")
    url, *words = imagine.body_json["prompt"].split()
    assert url.startswith(h.sim.base_url + "/sim/uploads/") and words == ["as", "a", "statue"]
    assert h.fake.base_url not in imagine.body_json["prompt"]  # Discord's URLs expire


async def test_use_as_image_prompt_without_uploads_sends_base64(h: Harness) -> None:
    h.sim.faults.uploads_unsupported = True
    posted = h.fake.post_user_message(files=[("cat.png", PHOTO)])
    await h.dispatch(h.factory.message_command(USE, posted, locale="zh-CN"))
    modal = h.fake.last_modal
    assert modal is not None and modal.title == "绘图"
    answer = await h.dispatch(h.factory.modal_submit(modal.custom_id, {"prompt": "雕像"}))
    await h.wait_final(answer.token)
    (imagine,) = h.sim.records("submit/imagine")
    assert imagine.body_json["prompt"] == "雕像"
    assert [decoded(u) for u in imagine.body_json["base64Array"]] == [PHOTO]


async def test_an_embedded_image_discord_serves_is_used(h: Harness) -> None:
    hosted = h.fake.host_attachment("shared.png", PHOTO, "image/png")
    posted = h.fake.post_user_message(embeds=[{"type": "rich", "image": {"url": hosted["url"]}}])
    inter = await h.dispatch(h.factory.message_command(DESCRIBE, posted))
    await h.wait_final(inter.token)
    (body,) = [r.body_json for r in h.sim.records("submit/describe")]
    assert decoded(body["base64"]) == PHOTO


async def test_a_message_without_an_image_is_refused_privately(h: Harness) -> None:
    async with recording_server() as (base, hits):
        # Text, a file that is no picture, and an embed of a link someone typed (not
        # served by Discord): nothing the bot may read.
        posted = h.fake.post_user_message(
            content=f"see {base}/cat.png",
            files=[("notes.txt", b"no picture")],
            embeds=[{"type": "image", "thumbnail": {"url": f"{base}/cat.png"}}],
        )
        for name, locale, text in (
            (DESCRIBE, "en-US", "has no image to use"),
            (USE, "zh-CN", "没有可用的图片"),
        ):
            refused = await h.dispatch(h.factory.message_command(name, posted, locale=locale))
            assert refused.callback_type == 4
            reply = h.original(refused.token)
            assert reply.ephemeral and text in reply.content
        assert hits == [] and h.fake.opened_modals == [] and h.sim.count("total") == 0


async def test_a_prompt_form_from_before_a_restart_asks_to_use_the_menu_again(
    h: Harness,
) -> None:
    posted = h.fake.post_user_message(files=[("cat.png", PHOTO)])
    await h.dispatch(h.factory.message_command(USE, posted))
    modal = h.fake.last_modal
    assert modal is not None
    await h.stop_bot()
    await h.start_bot()
    answer = await h.dispatch(h.factory.modal_submit(modal.custom_id, {"prompt": "too late"}))
    reply = h.original(answer.token)
    assert answer.callback_type == 4 and reply.ephemeral and "Use as image prompt" in reply.content
    assert h.sim.count("submit/imagine") == 0


async def test_use_as_image_prompt_makes_one_job_and_says_where_permutations_work(
    h: Harness,
) -> None:
    posted = h.fake.post_user_message(files=[("cat.png", PHOTO)])
    await h.dispatch(h.factory.message_command(USE, posted))
    modal = h.fake.last_modal
    assert modal is not None
    prompt = {"prompt": "a {red, blue} statue --repeat 3"}
    answer = await h.dispatch(h.factory.modal_submit(modal.custom_id, prompt, locale="zh-CN"))
    assert "/imagine" in await h.refusal(answer) and h.sim.count("total") == 0
