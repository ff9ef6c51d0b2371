"""What must hold after any number of kills and restarts, checked on what the user saw
(the fake's messages and every edit it received), what the aggregator was asked (the
simulator's request log) and what the bot stored (jobs, ledger)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from bot.core.models import ChargeState, Job, JobKind, JobStatus, LedgerReason
from tests.crash.rig import CREDITS_EACH, USERS, Rig, Sent
from tests.fakes import FakeDiscord, RequestRecord

_EDIT_ROUTES = (
    "/webhooks/{webhook_id}/{webhook_token}/messages/@original",
    "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}",
    "/channels/{channel_id}/messages/{message_id}",
)


def edits_of(fake: FakeDiscord, message_id: int) -> list[RequestRecord]:
    """Every edit of the message the fake accepted, oldest first."""
    found = []
    for record in fake.requests:
        if record.method != "PATCH" or record.route not in _EDIT_ROUTES or record.status != 200:
            continue
        if record.route == _EDIT_ROUTES[0]:
            assert record.token is not None
            target = fake.interaction(record.token).original_message_id
        else:
            target = int(record.path.rsplit("/", 1)[1])
        if target == message_id:
            found.append(record)
    return found


def uploads_to(fake: FakeDiscord, message_id: int) -> int:
    return sum(1 for a in fake.attachments.values() if a.message_id == message_id)


async def check_outcomes(rig: Rig) -> dict[str, int]:
    """Assert every rule; returns a few counts for the test's own assertions."""
    jobs = await rig.storage.jobs.list_by_status(list(JobStatus))
    by_message = {job.message.message_id: job for job in jobs}
    assert len(by_message) == len(jobs), "two jobs share a message"
    thinking, unanswered = _check_interactions(rig, by_message)
    for job in jobs:
        _check_shown_once(rig.fake, job)
    await _check_submits(rig, jobs)
    await _check_credits(rig, jobs)
    return {
        "jobs": len(jobs),
        "lost": thinking + unanswered,
        "lost_thinking": thinking,  # deferred, killed before its job was written
        "success": sum(job.status is JobStatus.SUCCESS for job in jobs),
        "interrupted": sum("interrupted" in (job.fail_reason or "").lower() for job in jobs),
    }


def _check_interactions(rig: Rig, by_message: dict[int | None, Job]) -> tuple[int, int]:
    """Every interaction the running bot answered became one job; one sent to a process
    that was then stopped may have been lost with it (never answered, or answered and
    killed before its job was written): then nothing was charged or submitted for it."""
    last = len(rig.processes) - 1
    lost = Counter[bool]()  # by whether the bot had answered ("thinking...")
    claimed = set()
    for sent in rig.sent:
        job = by_message.get(sent.inter.original_message_id) if sent.inter.acknowledged else None
        if job is None:
            assert sent.process != last and sent.kind != "probe", f"{_describe(sent)}: no job"
            placeholder = rig.fake.original_response(sent.inter.token)
            # Deferred and then killed before its job was written: "thinking" is all there
            # is (Discord ends it after 15 minutes), and nothing was charged or submitted.
            assert placeholder is None or placeholder.loading, (_describe(sent), placeholder)
            lost[sent.inter.acknowledged] += 1
            continue
        claimed.add(job.id)
        expected = JobKind.IMAGINE if sent.kind != "press" else JobKind.ACTION
        assert job.kind is expected and job.user_id == int(sent.inter.user["id"]), job
    strays = [job for job in by_message.values() if job.id not in claimed]
    assert not strays, f"jobs nobody asked for: {strays}"
    return lost[True], lost[False]


def _check_shown_once(fake: FakeDiscord, job: Job) -> None:
    """Its end is on its message, sent once: a result's picture uploaded once, a
    failure's text sent once, never again after a restart."""
    assert job.status.is_terminal and job.shown_status is job.status, job
    assert job.message.message_id is not None
    message = fake.message(job.message.message_id)
    assert not message.loading and not message.deleted, (job, message)
    edits = edits_of(fake, message.id)
    if job.status is JobStatus.SUCCESS:
        finals = [edit for edit in edits if edit.files]
        assert uploads_to(fake, message.id) == 1
        assert any(b.label in ("U1", "Upscale (Subtle)") for b in message.buttons()), message
    else:
        description = message.embeds[0].get("description") if message.embeds else None
        assert description, f"job {job.id} failed without saying why: {message}"
        finals = [edit for edit in edits if description in str(_body(edit).get("embeds"))]
        assert uploads_to(fake, message.id) == 0
    assert len(finals) == 1, (
        f"job {job.id}: its end was sent {len(finals)} times: {[_summary(e) for e in edits]}"
    )


def _body(edit: RequestRecord) -> dict[str, Any]:
    return edit.json if isinstance(edit.json, dict) else {}


async def _check_submits(rig: Rig, jobs: list[Job]) -> None:
    """One submit at most per job, exactly one for a job with a task; no submit for
    anything that is not a job; no task followed by two jobs."""
    imagines = Counter(
        _tag(r.body_json.get("prompt", "")) for r in rig.sim.records("submit/imagine")
    )
    actions = Counter[Any](
        (r.body_json.get("taskId"), r.body_json.get("customId"))
        for r in rig.sim.records("submit/action")
    )
    seen_imagines, seen_actions = Counter[Any](), Counter[Any]()
    parents = {job.id: job for job in jobs}
    for job in jobs:
        if job.kind is JobKind.IMAGINE:
            key: Any = _tag(job.prompt)
            submits, seen = imagines[key], seen_imagines
        else:
            parent = parents[job.parent_job_id or 0]
            buttons = {b.index: b.custom_id for b in await rig.storage.buttons.list(parent.id)}
            key = (parent.task_id, buttons.get(job.button_index or 0))
            submits, seen = actions[key], seen_actions
        seen[key] += 1
        assert submits <= 1, f"job {job.id} was submitted {submits} times"
        if job.task_id is not None:
            assert submits == 1, f"job {job.id} has task {job.task_id} but no submit"
    assert all(n == 1 for n in seen_imagines.values()), "two jobs for one prompt"
    assert set(imagines) <= set(seen_imagines), "a submit that is no job's"
    assert set(actions) <= set(seen_actions), "a button press submitted for no job"
    tasks = [job.task_id for job in jobs if job.task_id]
    assert len(tasks) == len(set(tasks)), "one task followed by two jobs"


def _tag(prompt: str) -> str:
    """The word after "crash test" that names the command (job12, probe3)."""
    words = prompt.split()
    return words[2] if len(words) > 2 and words[:2] == ["crash", "test"] else prompt


async def _check_credits(rig: Rig, jobs: list[Job]) -> None:
    """Reserved once per job, then settled (a result) or refunded (anything else) once."""
    entries = [e for user in USERS for e in await rig.storage.ledger.entries(user, limit=10_000)]
    per_job = Counter((e.job_id, e.reason) for e in entries if e.job_id is not None)
    for job in jobs:
        ending = LedgerReason.SETTLE if job.status is JobStatus.SUCCESS else LedgerReason.REFUND
        other = LedgerReason.REFUND if ending is LedgerReason.SETTLE else LedgerReason.SETTLE
        assert per_job[(job.id, LedgerReason.RESERVE)] == 1, job
        assert per_job[(job.id, ending)] == 1 and per_job[(job.id, other)] == 0, job
        state = ChargeState.SETTLED if ending is LedgerReason.SETTLE else ChargeState.REFUNDED
        assert await rig.storage.ledger.charge_state(job.id) is state, job
    wallets = [await rig.storage.ledger.wallet(user) for user in USERS]
    assert all(w is not None and w.reserved == 0 for w in wallets), wallets
    spent = sum(job.status is JobStatus.SUCCESS for job in jobs)
    assert sum(w.available for w in wallets if w) == CREDITS_EACH * len(USERS) - spent


def _describe(sent: Sent) -> str:
    return f"{sent.kind} {sent.tag} (to process {sent.process})"


def _summary(edit: RequestRecord) -> str:
    body = _body(edit)
    rows = body.get("components") or []
    ids = [c.get("custom_id") for row in rows for c in row.get("components", [])]
    return f"files={len(edit.files)} {str(body.get('content', ''))[:40]!r} {ids}"
