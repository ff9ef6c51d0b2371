"""Pure: what a task update or a final state changes on a job, and what the user sees."""

from __future__ import annotations

from typing import Any

from bot.core.models import Job, JobStatus, TaskUpdate

# Fields whose change the user can see on the message.
VISIBLE_FIELDS = (
    "status",
    "progress",
    "image_url",
    "fail_reason",
    "final_prompt",
    "queue_position",
)


def is_visible(before: Job, after: Job) -> bool:
    return any(getattr(before, name) != getattr(after, name) for name in VISIBLE_FIELDS)


def changes_from_task(job: Job, update: TaskUpdate, now: float) -> dict[str, Any]:
    """What a task update changes on the job; empty when nothing does."""
    status = update.status
    changes: dict[str, Any] = {"status": status}
    if update.progress is not None:
        changes["progress"] = update.progress
    if status is JobStatus.SUCCESS:
        changes["progress"] = 100
    if update.image_url:
        changes["image_url"] = update.image_url
    if update.final_prompt and status.is_settled:
        changes["final_prompt"] = update.final_prompt
    if status is JobStatus.FAILURE:
        changes["fail_reason"] = update.fail_reason or "failed"
    if status is not JobStatus.WAITING:
        changes["queue_position"] = None
    elif update.queue_position is not None:  # nobody ahead: plain "waiting to start"
        changes["queue_position"] = update.queue_position or None
    changes = {name: value for name, value in changes.items() if getattr(job, name) != value}
    if not changes:
        return {}
    changes["updated_at"] = now
    if status.is_terminal:
        changes["finished_at"] = now
    return changes


def final_changes(status: JobStatus, reason: str, now: float) -> dict[str, Any]:
    return {
        "status": status,
        "fail_reason": reason,
        "queue_position": None,
        "updated_at": now,
        "finished_at": now,
    }
