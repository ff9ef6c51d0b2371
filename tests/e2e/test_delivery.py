"""Messages that cannot be lost: restarts, the 15-minute token, deleted messages."""

from __future__ import annotations

import time
from pathlib import Path

from bot.core.models import JobStatus, MessageKind
from bot.sim import SimConfig
from tests.e2e.harness import Harness, harness
from tests.fakes import InteractionFactory

CHANNEL_EDIT = "/channels/{channel_id}/messages/{message_id}"


async def test_restart_mid_task_finishes_the_same_message_and_old_buttons_work(
    tmp_path: Path,
) -> None:
    async with harness(tmp_path, sim_config=SimConfig(step_seconds=0.15)) as h:
        inter = await h.command("imagine", {"prompt": "survive a restart"})
        await h.wait(lambda: "%" in h.original(inter.token).content, "progress")
        await h.stop_bot()  # the process stops mid-task
        (job,) = await h.jobs()
        assert job.status is JobStatus.IN_PROGRESS

        await h.start_bot()
        message = await h.wait_final(inter.token)
        assert message.id == job.message.message_id and message.attachments
        click = await h.dispatch(h.factory.button_click(message, message.buttons()[5].custom_id))
        variation = await h.wait_final(click.token)
        assert [b.label for b in variation.buttons()][:2] == ["U1", "U2"]
        assert h.fake.violations == []


async def test_expired_token_switches_to_the_bot_token(tmp_path: Path) -> None:
    async with harness(tmp_path, sim_config=SimConfig(step_seconds=0.1)) as h:
        inter = await h.command("imagine", {"prompt": "a long job"})
        await h.wait(lambda: "%" in h.original(inter.token).content, "progress")
        h.fake.expire_token(inter.token)

        message = await h.wait_final(inter.token)
        assert message.attachments and message.buttons()
        channel_edits = h.fake.requests_to("PATCH", CHANNEL_EDIT)
        assert channel_edits and all(r.auth == "bot" and r.status == 200 for r in channel_edits)
        (job,) = await h.jobs()
        assert job.message.interaction_token is None and job.message.message_id == message.id
        assert h.fake.violations == []


async def test_a_token_about_to_expire_is_not_used(tmp_path: Path) -> None:
    async with harness(tmp_path, sim_config=SimConfig(step_seconds=0.1)) as h:
        inter = await h.command("imagine", {"prompt": "late"})
        await h.wait(lambda: "%" in h.original(inter.token).content, "progress")
        # 14.5 minutes later, as far as the bot can tell: 30 s of token life left. Only the
        # publisher writes a message's columns, and it keeps what it knows of them in
        # memory: the row is changed behind its back between two runs.
        await h.stop_bot()
        (job,) = await h.jobs()
        late = job.message.model_copy(update={"token_expires_at": time.time() + 30})
        await h.storage.jobs.move_message(job.id, late, at=time.time())
        webhook_edits = len([r for r in h.fake.requests if r.auth == "webhook"])
        await h.start_bot()

        message = await h.wait_final(inter.token)
        assert message.buttons()
        assert len([r for r in h.fake.requests if r.auth == "webhook"]) == webhook_edits
        assert h.fake.requests_to("PATCH", CHANNEL_EDIT)


async def test_a_deleted_message_is_posted_anew(tmp_path: Path) -> None:
    async with harness(tmp_path, sim_config=SimConfig(step_seconds=0.1)) as h:
        inter = await h.command("imagine", {"prompt": "where did it go"})
        await h.wait(lambda: "%" in h.original(inter.token).content, "progress")
        first = h.original(inter.token)
        h.fake.delete_message(first.channel_id, first.id)

        await h.wait(
            lambda: any(m.attachments for m in h.fake.messages_in(first.channel_id)), "new"
        )
        (job,) = await h.jobs()
        assert job.message.kind is MessageKind.CHANNEL and job.message.message_id != first.id
        new = h.fake.message(job.message.message_id or 0)
        assert new.attachments and not new.deleted
        assert h.fake.violations == []


async def test_edits_are_coalesced(tmp_path: Path) -> None:
    async with harness(
        tmp_path, sim_config=SimConfig(step_seconds=0.05), edit_interval_seconds=0.5
    ) as h:
        inter = await h.command("imagine", {"prompt": "not too chatty"})
        message = await h.wait_final(inter.token)
        # 8+ visible states (waiting, 7 percentages, result) in ~0.5 s: at most a few edits.
        assert 2 <= message.edits <= 4
        assert message.buttons()


async def test_channel_without_access_falls_back_to_the_token(h: Harness) -> None:
    h.fake.forbid_channel(h.fake.channel_id)
    inter = await h.command("imagine", {"prompt": "private channel"})
    message = await h.wait_final(inter.token)
    assert message.buttons()
    assert h.fake.requests_to("PATCH", CHANNEL_EDIT) == []


async def test_a_result_over_the_upload_limit_is_linked_instead(h: Harness) -> None:
    small = InteractionFactory(h.fake, h.bot, attachment_size_limit=100)
    inter = await h.dispatch(small.slash_command("imagine", {"prompt": "too big to upload"}))
    message = await h.wait_final(inter.token)
    assert message.attachments == []
    (embed,) = message.embeds
    assert embed["image"]["url"].startswith(h.sim.base_url)
    assert message.buttons()
