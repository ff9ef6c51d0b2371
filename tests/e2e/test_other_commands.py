"""/blend, /describe and /shorten, and the describe/shorten follow-up buttons."""

from __future__ import annotations

from bot.core.models import JobKind
from bot.sim.png import encode_png
from tests.e2e.harness import Harness

PNG = encode_png(32, 32, lambda y: bytes([y * 8 % 256, 80, 160]) * 32)


def hosted(h: Harness, name: str, data: bytes = PNG) -> dict:
    return h.fake.host_attachment(name, data, "image/png", width=32, height=32)


async def test_blend_two_images_in_portrait(h: Harness) -> None:
    inter = await h.command(
        "blend",
        {"dimensions": "PORTRAIT"},
        attachments={"image1": hosted(h, "a.png"), "image2": hosted(h, "b.png")},
    )
    message = await h.wait_final(inter.token)
    assert message.attachments and [b.label for b in message.buttons()][:4] == [
        "U1",
        "U2",
        "U3",
        "U4",
    ]
    body = h.sim.records("submit/blend")[0].body_json
    assert body["dimensions"] == "PORTRAIT" and len(body["base64Array"]) == 2
    assert body["base64Array"][0].startswith("data:image/png;base64,")


async def test_describe_then_prompt_two_through_the_modal(h: Harness) -> None:
    inter = await h.command("describe", {}, attachments={"image": hosted(h, "fox.png")})
    described = await h.wait_final(inter.token)
    (embed,) = described.embeds
    assert "1️⃣" in embed["description"] and "4️⃣" in embed["description"]
    emojis = [b.emoji or b.label for b in described.buttons()]
    assert emojis == ["1️⃣", "2️⃣", "3️⃣", "4️⃣", "🔄", "🎉"]

    second = described.buttons()[1]
    opened = await h.dispatch(h.factory.button_click(described, second.custom_id))
    assert opened.callback_type == 9
    modal = h.fake.last_modal
    assert modal is not None
    (job,) = await h.jobs()
    prompt_two = h.core.presses.result_prompts(job)[1]
    assert prompt_two in str(modal.components)

    answer = await h.dispatch(h.factory.modal_submit(modal.custom_id, {"prompt": prompt_two}))
    imagined = await h.wait_final(answer.token)
    assert imagined.attachments
    assert h.sim.records("submit/imagine")[0].body_json["prompt"] == prompt_two
    assert h.sim.count("submit/action") == 0  # done by the bot itself


async def test_describe_again_and_imagine_all(h: Harness) -> None:
    inter = await h.command("describe", {}, attachments={"image": hosted(h, "fox.png")})
    described = await h.wait_final(inter.token)
    retry, everything = described.buttons()[4], described.buttons()[5]

    again = await h.dispatch(h.factory.button_click(described, retry.custom_id))
    await h.wait_final(again.token)
    sent = [r.body_json["base64"] for r in h.sim.records("submit/describe")]
    assert len(sent) == 2 and sent[0] == sent[1]

    all_four = await h.dispatch(h.factory.button_click(described, everything.custom_id))
    await h.wait_final(all_four.token)
    imagines = [j for j in await h.jobs() if j.kind is JobKind.IMAGINE]
    assert len(imagines) == 4 and len({j.message.message_id for j in imagines}) == 4
    await h.wait(
        lambda: all(
            h.fake.message(j.message.message_id).buttons() for j in imagines if j.message.message_id
        ),
        "all four grids",
    )


async def test_shorten_lists_prompts_with_a_button_each(h: Harness) -> None:
    inter = await h.command(
        "shorten", {"prompt": "a majestic red fox sitting in deep snow, watercolor, soft light"}
    )
    message = await h.wait_final(inter.token)
    (embed,) = message.embeds
    assert "1️⃣" in embed["description"]
    assert [b.emoji for b in message.buttons()] == ["1️⃣", "2️⃣", "3️⃣", "4️⃣", "5️⃣"]
    opened = await h.dispatch(h.factory.button_click(message, message.buttons()[0].custom_id))
    assert opened.callback_type == 9
