"""/settings: a user's defaults reach the aggregator on their next jobs, and what they
give on a command still wins."""

from __future__ import annotations

from typing import Any

from tests.e2e.harness import Harness

USER = 6001


async def settings(h: Harness, options: dict[str, Any], **kwargs: Any) -> str:
    inter = await h.command("settings", options, user_id=USER, **kwargs)
    reply = h.original(inter.token)
    assert reply.ephemeral and inter.callback_type == 4
    return reply.content


async def test_defaults_shape_the_next_request_and_show_on_the_message(h: Harness) -> None:
    text = await settings(
        h, {"mode": "relax", "model": "NIJI_JOURNEY", "suffix": "--ar 3:2 --stylize 50"}
    )
    assert "Speed: **relax**" in text and "Model: **Niji**" in text and "Saved." in text

    inter = await h.command("imagine", {"prompt": "a koi pond"}, user_id=USER)
    message = await h.wait_final(inter.token)
    (submit,) = h.sim.records("submit/imagine")
    assert submit.mode == "RELAX" and submit.body_json["botType"] == "NIJI_JOURNEY"
    assert submit.body_json["prompt"] == "a koi pond --ar 3:2 --stylize 50"
    assert "(relax)" in message.content and f"Job {(await h.jobs())[0].id}" in message.content

    # A prompt that already ends with the suffix does not get it twice.
    again = await h.command("imagine", {"prompt": "a koi --ar 3:2 --stylize 50"}, user_id=USER)
    await h.wait_final(again.token)
    assert h.sim.records("submit/imagine")[-1].body_json["prompt"] == "a koi --ar 3:2 --stylize 50"

    # The grid's buttons run as the grid did: an upscale goes the relax way too.
    u1 = next(b for b in message.buttons() if b.label == "U1")
    click = await h.dispatch(h.factory.button_click(message, u1.custom_id, user_id=USER))
    await h.wait_final(click.token)
    assert h.sim.records("submit/action")[-1].mode == "RELAX"
    assert h.fake.violations == []


async def test_command_options_win_over_the_defaults(h: Harness) -> None:
    await settings(h, {"mode": "relax", "model": "NIJI_JOURNEY"})
    inter = await h.command(
        "imagine", {"prompt": "fast please", "mode": "turbo", "model": "MID_JOURNEY"}, user_id=USER
    )
    message = await h.wait_final(inter.token)
    (submit,) = h.sim.records("submit/imagine")
    assert submit.mode == "TURBO" and submit.body_json["botType"] == "MID_JOURNEY"
    assert "(turbo)" in message.content

    shorten = await h.command("shorten", {"prompt": "a long prompt", "mode": "fast"}, user_id=USER)
    await h.wait_final(shorten.token)
    (short,) = h.sim.records("submit/shorten")
    assert short.mode == "FAST" and short.body_json["botType"] == "NIJI_JOURNEY"
    assert short.body_json["prompt"] == "a long prompt"  # the suffix is for images only


async def test_settings_without_options_shows_them_with_buttons_that_change_them(
    h: Harness,
) -> None:
    inter = await h.command("settings", {}, user_id=USER, locale="zh-CN")
    shown = h.original(inter.token)
    assert shown.ephemeral and "速度：**服务器默认**" in shown.content
    assert "结果仅自己可见：**关**" in shown.content
    toggle = next(b for b in shown.buttons() if b.label == "仅自己可见：关")
    click = await h.dispatch(
        h.factory.button_click(shown, toggle.custom_id, user_id=USER, locale="zh-CN")
    )
    assert click.callback_type == 7  # the same message is redrawn
    redrawn = h.fake.message(shown.id)
    assert "结果仅自己可见：**开**" in redrawn.content
    assert (await h.core.preferences.of(USER)).private is True

    fast = next(b for b in redrawn.buttons() if b.label == "快速")
    await h.dispatch(h.factory.button_click(redrawn, fast.custom_id, user_id=USER))
    prefs = await h.core.preferences.of(USER)
    assert prefs.mode is not None and prefs.mode.value == "fast"
    assert next(b for b in h.fake.message(shown.id).buttons() if b.label == "Fast").style == 1


async def test_a_suffix_is_cleared_with_a_dash_and_a_long_one_is_refused(h: Harness) -> None:
    await settings(h, {"suffix": "--v 6"})
    assert (await h.core.preferences.of(USER)).suffix == "--v 6"
    cleared = await settings(h, {"suffix": "-"})
    assert "Suffix: none" in cleared
    inter = await h.command("settings", {"suffix": "x" * 201}, user_id=USER)
    assert inter.callback_type == 4 and h.original(inter.token).ephemeral
    assert (await h.core.preferences.of(USER)).suffix == ""


async def test_remix_opens_the_prompt_editor_before_a_variation(h: Harness) -> None:
    await settings(h, {"remix": True})
    inter = await h.command("imagine", {"prompt": "remix me"}, user_id=USER)
    grid = await h.wait_final(inter.token)
    v2 = next(b for b in grid.buttons() if b.label == "V2")
    opened = await h.dispatch(h.factory.button_click(grid, v2.custom_id, user_id=USER))
    assert opened.callback_type == 9 and h.sim.count("submit/action") == 0
    modal = h.fake.last_modal
    assert modal is not None and "remix me" in str(modal.components)

    answer = await h.dispatch(
        h.factory.modal_submit(modal.custom_id, {"prompt": "remix me, in gold"}, user_id=USER)
    )
    result = await h.wait_final(answer.token)
    assert result.attachments
    action = h.sim.records("submit/action")[-1].body_json
    assert action["enableRemix"] is True and action["customId"].startswith("MJ::JOB::variation::2")
    assert h.sim.records("submit/modal")[-1].body_json["prompt"] == "remix me, in gold"
    assert h.fake.violations == []


async def test_variation_strength_goes_with_the_v_buttons(h: Harness) -> None:
    await settings(h, {"variation": "strong"})
    inter = await h.command("imagine", {"prompt": "vary me"}, user_id=USER)
    grid = await h.wait_final(inter.token)
    v1 = next(b for b in grid.buttons() if b.label == "V1")
    click = await h.dispatch(h.factory.button_click(grid, v1.custom_id, user_id=USER))
    await h.wait_final(click.token)
    assert h.sim.records("submit/action")[-1].body_json["strong"] is True

    await settings(h, {"variation": "subtle"})
    u1 = next(b for b in grid.buttons() if b.label == "U1")
    click = await h.dispatch(h.factory.button_click(grid, u1.custom_id, user_id=USER))
    await h.wait_final(click.token)
    assert "strong" not in h.sim.records("submit/action")[-1].body_json  # not a V button


async def test_the_new_commands_and_their_choices_are_synced_in_both_languages(
    h: Harness,
) -> None:
    (sync,) = h.fake.requests_to("PUT", "/applications/{application_id}/guilds/{guild_id}/commands")
    synced = {c["name"]: c for c in sync.json}
    settings_command = synced["settings"]
    options = {o["name"]: o for o in settings_command["options"]}
    assert {"mode", "model", "suffix", "private", "remix", "variation"} == set(options)
    assert all(not o.get("required") for o in options.values())
    assert settings_command["description_localizations"]["zh-CN"].startswith("你的默认设置")
    modes = options["mode"]["choices"]
    assert [c["value"] for c in modes] == ["fast", "relax", "turbo"]
    assert [c["name_localizations"]["zh-CN"] for c in modes] == ["快速", "慢速", "极速"]
    assert [c["value"] for c in options["model"]["choices"]] == ["MID_JOURNEY", "NIJI_JOURNEY"]
    assert options["variation"]["choices"][0]["name_localizations"]["zh-CN"] == "强变化"
    for name in ("blend", "describe", "shorten"):
        assert {"mode", "model"} <= {o["name"] for o in synced[name]["options"]}
    blend = {o["name"]: o for o in synced["blend"]["options"]}
    assert blend["dimensions"]["choices"][0]["name_localizations"]["zh-CN"] == "竖图 2:3"
    assert synced["show"]["options"][0]["name"] == "job"
    assert "zh-CN" in synced["history"]["description_localizations"]
