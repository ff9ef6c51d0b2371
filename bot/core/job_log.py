"""One log line per job event, naming the job, its kind, user, guild, channel, task,
status and (once finished) how long it took; the same fields as `extra`, which the JSON
log format prints as fields of their own."""

from __future__ import annotations

import logging

from bot.core.events import Cause, JobEvent

log = logging.getLogger("bot.jobs")

_LOGGED = frozenset(
    {
        Cause.RECORDED,
        Cause.SUBMITTED,
        Cause.RECOVERED,
        Cause.SUBMIT_FAILED,
        Cause.TASK,
        Cause.DEADLINE,
        Cause.INTERRUPTED,
        Cause.CANCELLED,
    }
)


async def log_job_event(event: JobEvent) -> None:
    """Lifecycle listener. Progress ticks are left out (they would be most of the log);
    status changes and final states are in."""
    job = event.job
    if event.cause not in _LOGGED:
        return
    if event.cause is Cause.TASK and event.previous is job.status:
        return  # progress only
    duration = None
    if job.finished_at is not None:
        duration = round(job.finished_at - job.created_at, 1)
    fields = {
        "job_id": job.id,
        "kind": job.kind.value.lower(),
        "user_id": job.user_id,
        "guild_id": job.guild_id,
        "channel_id": job.message.channel_id,
        "task_id": job.task_id,
        "status": job.status.value,
        "cause": event.cause.value,
        "duration_s": duration,
    }
    text = (
        f"job {job.id} {fields['kind']} {event.cause.value}: {job.status.value}"
        f" user={job.user_id} guild={job.guild_id} channel={job.message.channel_id}"
        f" task={job.task_id}"
    )
    if duration is not None:
        text += f" after {duration} s"
    if job.fail_reason and job.status.is_terminal:
        text += f" ({job.fail_reason[:120]})"
    level = logging.WARNING if event.cause is Cause.SUBMIT_FAILED else logging.INFO
    log.log(level, text, extra=fields)
