"""Discord misbehaving, at the first response and while the job's message is updated:
fault, phase -> what the user sees. Each row also proves: no task submitted twice, no
result shown twice, the credits settled or refunded exactly once, and the other user's
job (in another channel) finishing as usual.

Rows already covered elsewhere: tests/e2e/test_delivery.py (a token that expires or is
about to, a message deleted while the token works, a channel hidden from the bot from the
start, a result over the upload limit), tests/e2e/test_private_results.py (private jobs
moving to DMs, DMs closed).
"""

from __future__ import annotations

import asyncio
import copy
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.core.i18n import t
from bot.core.models import JobStatus, MessageKind
from tests.fakes import FakeInteraction, FakeMessage
from tests.faults.scene import BYSTANDER, VICTIM, Scene, results_in, scene

CHANNEL_MESSAGE = "/channels/{channel_id}/messages/{message_id}"
PROMPT = "a castle in the fog"

Step = Callable[[Scene, FakeInteraction], None]


def victim_edits(s: Scene, inter: FakeInteraction) -> str:
    """The concrete path of the victim's original message as its token edits it."""
    return f"/webhooks/{s.h.fake.application_id}/{inter.token}/messages/@original"


def rate_limit_the_edits(s: Scene, inter: FakeInteraction) -> None:
    s.h.fake.rate_limit_next("PATCH", victim_edits(s, inter), retry_after=0.1, times=3)


def rate_limit_the_channel(s: Scene, inter: FakeInteraction) -> None:
    s.h.fake.expire_token(inter.token)  # from now on the bot token edits it, in the channel
    original = s.h.original(inter.token)
    path = CHANNEL_MESSAGE.format(channel_id=original.channel_id, message_id=original.id)
    s.h.fake.rate_limit_next("PATCH", path, retry_after=0.1, times=3)


def deny_the_channel(s: Scene, inter: FakeInteraction) -> None:
    s.h.fake.expire_token(inter.token)
    s.h.fake.deny_permissions(s.victim_channel)


def delete_the_message(s: Scene, inter: FakeInteraction) -> None:
    s.h.fake.expire_token(inter.token)
    original = s.h.original(inter.token)
    s.h.fake.delete_message(original.channel_id, original.id)


def expire_the_token(s: Scene, inter: FakeInteraction) -> None:
    s.h.fake.expire_token(inter.token)


def drop_the_edits(s: Scene, inter: FakeInteraction) -> None:
    s.h.fake.drop_connections(2, inter.token)


@dataclass(frozen=True)
class Row:
    fault: str
    phase: str  # "the first response" (right after the "thinking..." defer) or "tracking"
    sees: str  # what the victim ends up with
    step: Step
    locale: str = "en-US"

    def __str__(self) -> str:
        return f"{self.fault} at {self.phase}" + (" (zh-CN)" if self.locale == "zh-CN" else "")


ROWS = [
    Row("429 on the message edits", "tracking", "the result", rate_limit_the_edits),
    Row("429 on the channel, token expired", "tracking", "the result", rate_limit_the_channel),
    Row(
        "403 Missing Permissions, token expired",
        "tracking",
        "the result in DMs",
        deny_the_channel,
        "zh-CN",
    ),
    Row("404 Unknown Message, token expired", "tracking", "the result anew", delete_the_message),
    Row("401 on the interaction token", "the first response", "the result", expire_the_token),
    Row("dropped connections on the edits", "tracking", "the result", drop_the_edits),
]


async def victim_result(s: Scene) -> FakeMessage:
    """The victim's job once its result was delivered (recorded as shown), wherever its
    message is by then."""
    deadline = asyncio.get_running_loop().time() + 15
    while True:
        mine = [job for job in await s.h.jobs() if job.user_id == VICTIM]
        if mine and mine[0].shown_status is JobStatus.SUCCESS:
            return s.h.fake.message(mine[0].message.message_id or 0)
        assert asyncio.get_running_loop().time() < deadline, f"no result shown: {mine}"
        await asyncio.sleep(0.02)


@pytest.mark.parametrize("row", ROWS, ids=str)
async def test_discord_fault(tmp_path: Path, row: Row) -> None:
    async with scene(tmp_path) as s:
        await s.start_bystander()
        inter = await s.victim(PROMPT, locale=row.locale)
        if row.phase == "tracking":
            await s.h.wait(lambda: "%" in s.h.original(inter.token).content, "progress")
        row.step(s, inter)
        result = await victim_result(s)
        assert result.attachments and result.buttons()
        (job,) = [job for job in await s.h.jobs() if job.user_id == VICTIM]
        if row.sees == "the result in DMs":
            assert job.message.kind is MessageKind.DM and result.channel_id != s.victim_channel
            note = t("dm.channel_refused", row.locale, job=job.id)
            assert note in result.content
            assert results_in(s.h, s.victim_channel) == 0
        else:
            assert result.channel_id == s.victim_channel
            assert results_in(s.h, s.victim_channel) == 1
            moved = row.sees == "the result anew"
            assert (result.id != s.h.original(inter.token).id) is moved
        await s.bystander_unaffected()
        await s.promises_kept(submits=2)


async def test_a_dropped_first_response_starts_nothing_and_says_so(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """dropped connection at the first response -> an apology (the next answer gets
    through); nothing submitted, nothing charged, and no "bug" in the log."""
    caplog.set_level(logging.WARNING)
    async with scene(tmp_path) as s:
        await s.start_bystander()
        s.h.fake.drop_connections(1, "/callback")
        payload = s.h.factory.slash_command(
            "imagine", {"prompt": PROMPT}, user_id=VICTIM, channel_id=s.victim_channel
        )
        inter = s.h.fake.interaction(payload["token"])
        # As the gateway would; the fake's `dispatch` waits for the dropped callback.
        s.h.bot._connection.parse_interaction_create(copy.deepcopy(payload))  # type: ignore[arg-type]
        await s.h.wait(lambda: inter.acknowledged, "the apology")
        apology = s.h.original(inter.token)
        assert apology.ephemeral and apology.content == t("error.unexpected", "en-US")
        await s.bystander_unaffected()
        await s.promises_kept(submits=1)
        assert [job.user_id for job in await s.h.jobs()] == [BYSTANDER]  # none for the victim
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == [], "a network blip logged as a bug"
