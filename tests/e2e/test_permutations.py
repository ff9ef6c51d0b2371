"""Permutation prompts and --repeat through the real bot: the private question, the jobs
it starts (each on its own message, limited and charged each), and what is refused."""

from __future__ import annotations

from pathlib import Path

from bot.core.models import JobStatus, LedgerReason, MessageKind
from bot.sim import SimConfig
from tests.e2e.harness import Harness, harness
from tests.fakes import FakeInteraction, FakeMessage

USER = 6001


def submitted_prompts(h: Harness) -> list[str]:
    return [r.body_json["prompt"] for r in h.sim.records("submit/imagine")]


def question_of(h: Harness, inter: FakeInteraction) -> FakeMessage:
    assert inter.callback_type == 4  # answered at once, not deferred
    question = h.original(inter.token)
    assert question.ephemeral
    return question


def button(message: FakeMessage, label_start: str) -> str:
    return next(b.custom_id for b in message.buttons() if b.label.startswith(label_start))


async def press(
    h: Harness, question: FakeMessage, label_start: str, locale: str = "en-US"
) -> FakeInteraction:
    custom_id = button(question, label_start)
    return await h.dispatch(
        h.factory.button_click(question, custom_id, user_id=USER, locale=locale)
    )


async def job_messages(h: Harness, click: FakeInteraction, count: int) -> list[FakeMessage]:
    """The public messages the confirmation's jobs were delivered on, once all are final."""

    def shown() -> list[FakeMessage]:
        messages = [h.fake.message(i) for i in click.followup_ids]
        return [m for m in messages if not m.deleted and m.attachments]

    await h.wait(lambda: len(shown()) == count, f"{count} finished jobs")
    return shown()


async def test_a_permutation_is_confirmed_then_runs_as_four_jobs(h: Harness) -> None:
    prompt = "a {red, blue} bird --ar {1:1, 16:9}"
    inter = await h.command("imagine", {"prompt": prompt}, user_id=USER)
    question = question_of(h, inter)
    assert "**This prompt makes 4 jobs:**" in question.content
    assert "1. a red bird --ar 1:1" in question.content
    assert "4. a blue bird --ar 16:9" in question.content
    assert "credits" not in question.content  # credits are off
    assert [b.label for b in question.buttons()] == ["Start 4 jobs", "Cancel"]
    assert h.sim.count("submit/imagine") == 0 and await h.jobs() == []

    click = await press(h, question, "Start")
    assert click.callback_type == 7  # the question itself changes: its buttons go
    messages = await job_messages(h, click, 4)
    assert sorted(submitted_prompts(h)) == sorted(
        [
            "a red bird --ar 1:1",
            "a red bird --ar 16:9",
            "a blue bird --ar 1:1",
            "a blue bird --ar 16:9",
        ]
    )
    jobs = await h.jobs()
    assert len({job.message.message_id for job in jobs}) == 4
    assert all(job.message.kind is MessageKind.FOLLOWUP for job in jobs)
    assert {job.message.message_id for job in jobs} == {m.id for m in messages}
    assert all(not m.ephemeral and m.content.startswith("**a ") for m in messages)
    assert all(job.status is JobStatus.SUCCESS for job in jobs)
    summary = h.fake.message(question.id)
    assert summary.content == "Started 4 jobs, each on its own message." and not summary.buttons()


async def test_cancel_starts_nothing(h: Harness) -> None:
    inter = await h.command("imagine", {"prompt": "{a, b} cat"}, user_id=USER, locale="zh-CN")
    question = question_of(h, inter)
    assert "**此提示词将生成 2 个任务：**" in question.content
    click = await press(h, question, "取消", "zh-CN")
    assert click.callback_type == 7
    assert h.fake.message(question.id).content == "已取消，未发起任何任务。"
    assert h.fake.message(question.id).buttons() == []
    assert h.sim.count("submit/imagine") == 0 and await h.jobs() == []


async def test_repeat_makes_copies_without_the_parameter(h: Harness) -> None:
    inter = await h.command("imagine", {"prompt": "a lighthouse --repeat 3 --v 6"}, user_id=USER)
    question = question_of(h, inter)
    assert "makes 3 jobs" in question.content
    click = await press(h, question, "Start")
    await job_messages(h, click, 3)
    assert submitted_prompts(h) == ["a lighthouse --v 6"] * 3


async def test_a_prompt_of_one_job_needs_no_question(h: Harness) -> None:
    inter = await h.command("imagine", {"prompt": "a {red} bird --r 1"}, user_id=USER)
    assert inter.callback_type == 5  # deferred and run, as any /imagine
    message = await h.wait_final(inter.token)
    assert submitted_prompts(h) == ["a red bird"]
    assert message.content.startswith("**a red bird** - ")


async def test_more_than_ten_jobs_are_refused(h: Harness) -> None:
    inter = await h.command("imagine", {"prompt": "{a, b, c} dog --r 4"}, user_id=USER)
    refusal = h.original(inter.token)
    assert refusal.ephemeral and refusal.buttons() == []
    assert "makes 12 jobs, and at most 10" in refusal.content
    huge = await h.command("imagine", {"prompt": "{a,b}" * 40}, user_id=USER, locale="zh-CN")
    assert "此提示词会生成 1000000+ 个任务" in h.original(huge.token).content
    assert h.sim.count("submit/imagine") == 0 and await h.jobs() == []


async def test_bad_braces_and_repeats_are_refused_clearly(h: Harness) -> None:
    cases = {
        "a {red, blue bird": "has a `{` without its partner",
        "a red} bird": "has a `}` without its partner",
        "a bird --repeat 0": "`--repeat` (or `--r`) takes one whole number from 1 to 10",
        "{, a bird}": "The prompt is empty.",
    }
    for prompt, said in cases.items():
        inter = await h.command("imagine", {"prompt": prompt}, user_id=USER)
        assert said in h.original(inter.token).content
    assert h.sim.count("submit/imagine") == 0 and await h.jobs() == []


async def test_a_double_click_starts_the_jobs_once(h: Harness) -> None:
    inter = await h.command("imagine", {"prompt": "{a, b} owl"}, user_id=USER)
    question = question_of(h, inter)
    start = button(question, "Start")
    # Both clicks leave the user's client before the first answer removes the buttons.
    clicks = [h.factory.button_click(question, start, user_id=USER) for _ in range(2)]
    first = await h.dispatch(clicks[0])
    second = await h.dispatch(clicks[1])
    await job_messages(h, first, 2)
    assert second.callback_type == 4
    assert h.original(second.token).content == "This confirmation was already answered."
    assert h.sim.count("submit/imagine") == 2 and len(await h.jobs()) == 2


async def test_a_question_from_before_a_restart_has_expired(h: Harness) -> None:
    inter = await h.command("imagine", {"prompt": "{a, b} owl"}, user_id=USER)
    question = question_of(h, inter)
    await h.stop_bot()
    await h.start_bot()
    click = await press(h, question, "Start")
    answer = h.fake.message(question.id)
    assert "expired (or the bot restarted since)" in answer.content and "/imagine" in answer.content
    assert answer.buttons() == []
    assert h.sim.count("submit/imagine") == 0 and await h.jobs() == []
    assert click.callback_type == 7


async def test_with_credits_the_question_shows_the_cost_and_each_job_pays_once(
    tmp_path: Path,
) -> None:
    async with harness(
        tmp_path, credits_enabled=True, new_user_credits=10, prices="imagine=2"
    ) as h:
        inter = await h.command("imagine", {"prompt": "a {cat, dog, fox} --r 1"}, user_id=USER)
        question = question_of(h, inter)
        assert "They cost **6** credits in total (2 each)." in question.content
        click = await press(h, question, "Start")
        await job_messages(h, click, 3)
        await h.wait(lambda: h.fake.message(question.id).content.startswith("Started"), "done")
        jobs = await h.jobs()
        assert len(jobs) == 3
        wallet = await h.storage.ledger.wallet(USER)
        assert wallet is not None and (wallet.available, wallet.reserved) == (4, 0)
        entries = await h.storage.ledger.entries(USER, limit=50)
        for job in jobs:
            mine = [e.reason for e in entries if e.job_id == job.id]
            assert sorted(mine) == sorted([LedgerReason.RESERVE, LedgerReason.SETTLE])
        assert h.fake.violations == []


async def test_the_wallet_stops_the_jobs_it_cannot_pay(tmp_path: Path) -> None:
    async with harness(tmp_path, credits_enabled=True, new_user_credits=5, prices="imagine=2") as h:
        inter = await h.command("imagine", {"prompt": "{a, b, c, d} tree"}, user_id=USER)
        question = question_of(h, inter)
        assert "They cost **8** credits in total (2 each)." in question.content
        click = await press(h, question, "Start")
        await job_messages(h, click, 2)
        await h.wait(lambda: h.fake.message(question.id).content.startswith("Started"), "done")
        summary = h.fake.message(question.id).content
        assert summary.startswith("Started 2 of 4 jobs; the other 2 did not start: ")
        assert "Not enough credits: this costs 2 and you have 1." in summary
        assert h.sim.count("submit/imagine") == 2 and len(await h.jobs()) == 2
        public = [h.fake.message(i) for i in click.followup_ids]
        assert all("credits" not in m.content for m in public if not m.deleted)
        assert h.fake.violations == []


async def test_the_running_jobs_limit_applies_to_each_job(tmp_path: Path) -> None:
    config = SimConfig(step_seconds=0.03)
    async with harness(tmp_path, sim_config=config, max_concurrent_jobs_per_user=2) as h:
        h.sim.faults.never_finish = True
        inter = await h.command("imagine", {"prompt": "{a, b, c} wave"}, user_id=USER)
        question = question_of(h, inter)
        click = await press(h, question, "Start")
        await h.wait(lambda: "did not start" in h.fake.message(question.id).content, "summary")
        summary = h.fake.message(question.id).content
        assert "Started 2 of 3 jobs" in summary and "2 jobs running" in summary
        assert h.sim.count("submit/imagine") == 2
        live = [m for m in map(h.fake.message, click.followup_ids) if not m.deleted]
        assert len(live) == 2  # the refused job's placeholder is gone
        assert h.fake.violations == []


async def test_translated_once_then_expanded(tmp_path: Path) -> None:
    async with harness(tmp_path, translate_prompts="auto") as h:
        inter = await h.command(
            "imagine", {"prompt": "一只{红色，蓝色}的鸟 --ar 16:9"}, user_id=USER
        )
        question = question_of(h, inter)
        assert "1. 一只红色的鸟 --ar 16:9" in question.content  # before translation
        click = await press(h, question, "Start")
        messages = await job_messages(h, click, 2)
        assert sorted(submitted_prompts(h)) == ["a blue bird --ar 16:9", "a red bird --ar 16:9"]
        assert h.sim.count("chat/completions") == 1
        assert all(
            "🌐 Translated from: 一只{红色，蓝色}的鸟 --ar 16:9" in m.content for m in messages
        )
        assert h.fake.violations == []


async def test_private_users_get_private_jobs(h: Harness) -> None:
    await h.command("settings", {"private": True}, user_id=USER)
    inter = await h.command("imagine", {"prompt": "{a, b} moon"}, user_id=USER)
    click = await press(h, question_of(h, inter), "Start")
    await h.wait(lambda: len(click.followup_ids) == 2, "two job messages")
    await h.wait(lambda: all(h.fake.message(i).attachments for i in click.followup_ids), "done")
    jobs = await h.jobs()
    assert len(jobs) == 2
    assert all(h.fake.message(i).ephemeral for i in click.followup_ids)
    assert all(job.message.ephemeral for job in jobs)


async def confirmed(h: Harness, prompt: str, locale: str = "en-US") -> FakeInteraction:
    inter = await h.command("imagine", {"prompt": prompt}, user_id=USER, locale=locale)
    return await press(h, question_of(h, inter), "Start" if locale == "en-US" else "开始", locale)


async def note_of(h: Harness, click: FakeInteraction, starts: str) -> str:
    await h.wait(lambda: h.original(click.token).content.startswith(starts), starts)
    return h.original(click.token).content


async def test_an_aggregator_down_stops_the_batch_after_one_try(h: Harness) -> None:
    h.sim.faults.update({"http_500": 5, "fault_scope": "submit"})
    click = await confirmed(h, "a {red, blue, green} kite", locale="zh-CN")
    note = await note_of(h, click, "未发起任何任务")
    assert len(h.sim.records("submit/imagine")) == 1  # not hit three times in a row
    (failed,) = [h.fake.message(i) for i in click.followup_ids if not h.fake.message(i).deleted]
    assert failed.content in note and "HTTP 500" not in failed.content  # localized, kept
    (job,) = await h.jobs()
    assert job.status is JobStatus.FAILURE


async def test_a_banned_option_fails_alone_and_the_others_run(h: Harness) -> None:
    click = await confirmed(h, "a {bannedword, calm} lake")
    note = await note_of(h, click, "Started 1 of 2 jobs; the other 1 did not start")
    assert "bannedword" in note
    assert len(await job_messages(h, click, 1)) == 1
    assert sorted(submitted_prompts(h)) == ["a bannedword lake", "a calm lake"]


async def test_a_submit_without_answer_keeps_its_message_and_stops_the_rest(
    tmp_path: Path,
) -> None:
    async with harness(tmp_path, request_timeout_seconds=0.5) as h:
        h.sim.faults.update({"timeouts": 1, "timeout_seconds": 1.5, "fault_scope": "submit"})
        click = await confirmed(h, "a {red, blue, green} kite")
        note = await note_of(h, click, "Started 1 of 3 jobs; the other 2 did not start")
        assert "may still have started" in note
        assert len(h.sim.records("submit/imagine")) == 1
        (kept,) = [h.fake.message(i) for i in click.followup_ids if not h.fake.message(i).deleted]
        (job,) = await h.jobs()
        assert job.message.message_id == kept.id  # its message follows it, as after a restart
