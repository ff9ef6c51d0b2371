"""User installs: the app on a user's account, used in a server the bot was never invited
to, or in a group DM. Everything there goes through the interaction's token (the fake
answers the bot token 403 Missing Access in those places); a result later than the
token's 15 minutes goes to the user's DMs, and with DMs closed it waits in /history."""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

import discord
import pytest

from bot.core.models import JobStatus, MessageKind
from bot.sim import SimConfig
from bot.sim.png import encode_png
from tests.e2e.harness import Harness, harness
from tests.fakes import InteractionFactory

USER = 7301
GLOBAL = {"discord_guild_id": None}  # user installs see global commands only
PHOTO = encode_png(24, 16, lambda y: bytes([y * 9 % 256, 40, 200]) * 24)
SPEC = Path(__file__).resolve().parents[1] / "fakes" / "discord-api-spec" / "openapi.json"


def foreign_channel(h: Harness) -> int:
    """A text channel in a server the bot is not a member of."""
    return h.fake.text_channel_in(h.fake.add_guild(name="Elsewhere", bot_member=False))


async def imagine_there(h: Harness, channel: int, prompt: str, **kwargs: object) -> str:
    payload = h.factory.slash_command(
        "imagine", {"prompt": prompt}, user_id=USER, channel_id=channel, user_install=True,
        **kwargs,  # type: ignore[arg-type]
    )  # fmt: skip
    return str((await h.dispatch(payload)).token)


async def expiring_soon(h: Harness) -> None:
    """As if 13 minutes had passed: the running job's token has two minutes left."""
    (job,) = [j for j in await h.jobs() if not j.status.is_terminal]
    soon = job.message.model_copy(update={"token_expires_at": time.time() + 150})
    await h.storage.jobs.move_message(job.id, soon, at=time.time())


def spec_values(schema: str) -> set[int]:
    spec = json.loads(SPEC.read_text())
    return {item["const"] for item in spec["components"]["schemas"][schema]["oneOf"]}


async def test_commands_are_registered_for_user_installs_except_mjadmin(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with harness(tmp_path, **GLOBAL) as h:
        commands = {c["name"]: c for c in h.fake.synced_commands(None)}
        assert h.fake.synced_commands(h.fake.guild_id) == []
        installs, contexts = (
            spec_values("ApplicationIntegrationType"),
            spec_values("InteractionContextType"),
        )
        assert installs == {0, 1} and contexts == {0, 1, 2}
        for name, command in commands.items():
            if name == "mjadmin":
                assert command["integration_types"] == [0] and command["contexts"] == [0]
            else:
                assert command["integration_types"] == sorted(installs), name
                assert command["contexts"] == sorted(contexts), name
        assert {"imagine", "swapface", "Describe this image", "mjadmin"} <= set(commands)
        with pytest.raises(AssertionError, match="does not allow user installs"):
            h.factory.slash_command("mjadmin stats", user_id=USER, user_install=True)
        assert h.fake.violations == []
    with caplog.at_level(logging.WARNING, logger="bot.ui.command_sync"):
        async with harness(tmp_path / "guild") as h:  # DISCORD_GUILD_ID set
            with pytest.raises(AssertionError, match="not a global command"):
                h.factory.slash_command("imagine", {"prompt": "x"}, user_install=True)
    assert "user installs (the app added to a user's account) see global commands" in caplog.text


async def test_imagine_where_the_bot_is_not_goes_through_the_token_and_buttons_work(
    tmp_path: Path,
) -> None:
    async with harness(tmp_path, **GLOBAL) as h:
        channel = foreign_channel(h)
        token = await imagine_there(h, channel, "a lighthouse nobody invited")
        grid = await h.wait_final(token)
        assert grid.attachments and grid.buttons() and grid.channel_id == channel
        (job,) = await h.jobs()
        assert job.message.token_only and job.message.kind is MessageKind.ORIGINAL

        u1 = next(b for b in grid.buttons() if b.label == "U1")
        click = await h.dispatch(h.factory.button_click(grid, u1.custom_id, user_id=USER))
        assert click.payload["authorizing_integration_owners"] == {"1": str(USER)}
        upscale = await h.wait_final(click.token)
        assert upscale.attachments and upscale.channel_id == channel
        await h.app.publisher.flush()
        assert h.fake.message(grid.id).buttons()[0].style == 1  # U1 marked, by the token

        h.fake.expire_token(token)  # later: the grid's own token is dead, a press is not
        u2 = next(b for b in h.fake.message(grid.id).buttons() if b.label == "U2")
        late = await h.dispatch(h.factory.button_click(grid, u2.custom_id, user_id=USER))
        assert (await h.wait_final(late.token)).attachments
        await h.app.publisher.flush()
        assert h.fake.bot_token_requests_in(channel) == []  # the bot never tried
        assert h.fake.dms_to(USER) == []
        assert h.fake.violations == []


async def test_in_a_group_dm_too(tmp_path: Path) -> None:
    async with harness(tmp_path, **GLOBAL) as h:
        group = h.fake.add_private_channel(USER, group=True)
        token = await imagine_there(h, group, "friends only")
        assert h.fake.interaction(token).payload["context"] == 2
        result = await h.wait_final(token)
        assert result.attachments and result.channel_id == group
        (job,) = await h.jobs()
        assert job.message.token_only
        assert h.fake.bot_token_requests_in(group) == []
        assert h.fake.violations == []


async def test_the_bots_own_dm_is_no_token_only_place(tmp_path: Path) -> None:
    async with harness(tmp_path, **GLOBAL) as h:
        payload = h.factory.slash_command(
            "imagine", {"prompt": "in the bot's DM"}, user_id=USER, dm=True, user_install=True
        )
        assert payload["context"] == 1
        await h.wait_final((await h.dispatch(payload)).token)
        (job,) = await h.jobs()
        assert not job.message.token_only


async def test_before_the_token_runs_out_the_job_moves_to_dms(tmp_path: Path) -> None:
    async with harness(tmp_path, sim_config=SimConfig(step_seconds=0.1), **GLOBAL) as h:
        channel = foreign_channel(h)
        h.sim.faults.never_finish = True
        token = await imagine_there(h, channel, "a long job elsewhere")
        await h.wait(lambda: "%" in h.original(token).content, "progress")
        await expiring_soon(h)

        assert await h.app.publisher.hand_over_expiring() == 1
        (job,) = await h.jobs()
        (dm,) = h.fake.dms_to(USER)
        assert "the bot is not in the place you asked from" in dm.content
        assert h.original(token).content.startswith(f"Job {job.id} continues in its owner's DMs")
        assert job.message.kind is MessageKind.DM and job.message.message_id == dm.id

        h.sim.engine.tasks[job.task_id or ""].stuck = False
        await h.wait(lambda: h.fake.message(dm.id).attachments, "the result in the DM")
        assert h.fake.message(dm.id).buttons()
        assert await h.app.publisher.hand_over_expiring() == 0  # moved once
        assert h.fake.bot_token_requests_in(channel) == []
        assert h.fake.violations == []


async def test_a_result_after_the_token_expired_goes_to_dms(tmp_path: Path) -> None:
    async with harness(tmp_path, sim_config=SimConfig(step_seconds=0.1), **GLOBAL) as h:
        channel = foreign_channel(h)
        token = await imagine_there(h, channel, "late result elsewhere")
        await h.wait(lambda: "%" in h.original(token).content, "progress")
        h.fake.expire_token(token)  # Discord refuses it from now on

        await h.wait(lambda: any(m.attachments for m in h.fake.dms_to(USER)), "the DM")
        (dm,) = h.fake.dms_to(USER)
        assert dm.content.startswith("-# Job") and dm.buttons()
        assert h.fake.bot_token_requests_in(channel) == []
        (job,) = await h.jobs()
        assert job.status is JobStatus.SUCCESS and job.message.kind is MessageKind.DM


async def test_with_dms_closed_the_result_waits_in_history(tmp_path: Path) -> None:
    async with harness(tmp_path, sim_config=SimConfig(step_seconds=0.1), **GLOBAL) as h:
        channel = foreign_channel(h)
        h.fake.close_dms(USER)
        h.sim.faults.never_finish = True
        token = await imagine_there(h, channel, "nowhere to go", locale="zh-CN")
        await h.wait(lambda: "%" in h.original(token).content, "progress")
        await expiring_soon(h)

        assert await h.app.publisher.hand_over_expiring() == 1
        (job,) = await h.jobs()
        note = h.original(token).content
        assert "私信未开启" in note and f"/show job:{job.id}" in note and "/history" in note
        assert job.message.interaction_token is None and job.message.token_only

        h.sim.engine.tasks[job.task_id or ""].stuck = False
        await h.wait_job(job.id, JobStatus.SUCCESS)
        await h.app.publisher.flush()
        assert h.fake.dms_to(USER) == [] and h.fake.bot_token_requests_in(channel) == []

        history = h.factory.slash_command(
            "history", {}, user_id=USER, channel_id=channel, user_install=True
        )
        shown = h.original((await h.dispatch(history)).token)
        assert (
            f"**{job.id}**" in shown.content
            and f"not delivered: `/show job:{job.id}`" in shown.content
        )
        show = h.factory.slash_command(
            "show", {"job": str(job.id)}, user_id=USER, channel_id=channel, user_install=True
        )
        shown_token = (await h.dispatch(show)).token
        await h.wait(lambda: h.original(shown_token).attachments, "/show's result")
        assert h.original(shown_token).buttons()
        assert h.fake.bot_token_requests_in(channel) == []
        assert h.fake.violations == []


async def test_a_channel_the_bot_cannot_see_is_reached_by_the_token_then_dms(
    tmp_path: Path,
) -> None:
    async with harness(tmp_path, sim_config=SimConfig(step_seconds=0.1)) as h:
        h.fake.forbid_channel(h.fake.channel_id)
        blind = InteractionFactory(
            h.fake, h.bot, app_permissions=discord.Permissions(send_messages=True)
        )
        payload = blind.slash_command("imagine", {"prompt": "in the dark"}, user_id=USER)
        token = (await h.dispatch(payload)).token
        await h.wait(lambda: "%" in h.original(token).content, "progress")
        (job,) = await h.jobs()
        assert job.message.token_only  # guild-installed, but no View Channel here
        h.fake.expire_token(token)
        await h.wait(lambda: any(m.attachments for m in h.fake.dms_to(USER)), "the DM")
        assert h.fake.bot_token_requests_in(h.fake.channel_id) == []


async def test_describe_this_image_where_the_bot_is_not(tmp_path: Path) -> None:
    async with harness(tmp_path, **GLOBAL) as h:
        channel = foreign_channel(h)
        posted = h.fake.post_user_message(channel, files=[("cat.png", PHOTO)], user_id=99)
        menu = h.factory.message_command(
            "Describe this image", posted, user_id=USER, user_install=True
        )
        described = await h.wait_final((await h.dispatch(menu)).token)
        assert described.channel_id == channel and described.embeds
        assert h.fake.bot_token_requests_in(channel) == []
        assert h.fake.violations == []


async def test_a_permutation_where_the_bot_is_not_makes_at_most_five_jobs(tmp_path: Path) -> None:
    # Discord lets a user-installed app send 5 follow-ups per interaction: one job each.
    async with harness(tmp_path, **GLOBAL) as h:
        channel = foreign_channel(h)
        payload = h.factory.slash_command(
            "imagine", {"prompt": "a {red, blue, green} kite --ar {1:1, 2:3}"}, user_id=USER,
            channel_id=channel, user_install=True,
        )  # fmt: skip
        refused = await h.dispatch(payload)
        assert "makes 6 jobs, and at most 5" in await h.refusal(refused)
        repeat = h.factory.slash_command(
            "imagine", {"prompt": "a kite --repeat 6"}, user_id=USER, channel_id=channel,
            user_install=True,
        )  # fmt: skip
        assert "from 1 to 5" in await h.refusal(await h.dispatch(repeat))
        five = h.factory.slash_command(
            "imagine", {"prompt": "a kite --repeat 5"}, user_id=USER, channel_id=channel,
            user_install=True,
        )  # fmt: skip
        question = h.original((await h.dispatch(five)).token)
        assert question.ephemeral and "Start 5 jobs" in [b.label for b in question.buttons()]
        assert h.sim.count("submit/imagine") == 0
