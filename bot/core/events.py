"""What the job lifecycle tells its listeners: which job changed, from what, and why."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.core.models import Job, JobStatus


class Cause(StrEnum):
    RECORDED = "recorded"  # written before the submit
    SUBMITTED = "submitted"  # the aggregator accepted it (waiting, or asking for input)
    RECOVERED = "recovered"  # its submit answer was lost; its task was found by its state
    SUBMIT_FAILED = "submit_failed"  # the aggregator refused it (a timeout waits instead)
    ANSWERED = "answered"  # the user answered a MODAL: it is being submitted again
    TASK = "task"  # the aggregator reported progress or a final state
    DEADLINE = "deadline"  # the bot gave up waiting
    INTERRUPTED = "interrupted"  # the bot stopped before the submit was answered
    CANCELLED = "cancelled"  # the user cancelled it and the aggregator agreed


@dataclass(frozen=True)
class JobEvent:
    job: Job  # as stored after the change
    previous: JobStatus | None  # None when the job was just recorded
    cause: Cause
    visible: bool  # the user would see a difference on the message
    duplicate: bool = False  # SUBMITTED: the aggregator answered with a task that exists

    @property
    def finished(self) -> bool:
        return self.job.status.is_terminal
