"""What the repositories return: jobs, their buttons and their input images."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from bot.core.mj.schemas import TaskStatus

# Failure reasons the bot itself records (the renderer shows them translated).
TIMED_OUT_REASON = "timed out: the aggregator did not finish the task in time"
INTERRUPTED_REASON = "interrupted: the bot stopped before the aggregator confirmed the submit"


class JobKind(StrEnum):
    IMAGINE = "IMAGINE"
    BLEND = "BLEND"
    DESCRIBE = "DESCRIBE"
    SHORTEN = "SHORTEN"
    ACTION = "ACTION"  # a button pressed on another job's result


class JobStatus(StrEnum):
    PENDING = "PENDING"  # recorded, submit not answered yet
    WAITING = "WAITING"  # accepted by the aggregator, not started
    IN_PROGRESS = "IN_PROGRESS"
    MODAL = "MODAL"  # the aggregator waits for the user's input
    SUCCESS = "SUCCESS"
    FAILURE = "FAILURE"
    CANCEL = "CANCEL"

    @property
    def is_terminal(self) -> bool:
        return self in (JobStatus.SUCCESS, JobStatus.FAILURE, JobStatus.CANCEL)

    @property
    def is_settled(self) -> bool:
        """Nothing more happens without the user: the message shows its final state."""
        return self.is_terminal or self is JobStatus.MODAL

    @property
    def is_tracked(self) -> bool:
        """The tracker polls the aggregator for jobs in these states."""
        return self in (JobStatus.WAITING, JobStatus.IN_PROGRESS)

    @classmethod
    def from_task(cls, status: TaskStatus) -> JobStatus:
        return _FROM_TASK.get(status, cls.WAITING)


_FROM_TASK = {
    TaskStatus.IN_PROGRESS: JobStatus.IN_PROGRESS,
    TaskStatus.MODAL: JobStatus.MODAL,
    TaskStatus.SUCCESS: JobStatus.SUCCESS,
    TaskStatus.FAILURE: JobStatus.FAILURE,
    TaskStatus.CANCEL: JobStatus.CANCEL,
}


class MessageKind(StrEnum):
    """How the job's message was made, which decides how it can be edited."""

    ORIGINAL = "original"  # the interaction's own response: "@original" via the token
    FOLLOWUP = "followup"  # a followup of the interaction: its id via the token
    CHANNEL = "channel"  # a plain channel message: bot token only


class Origin(BaseModel):
    """Who asked and where the answer goes; stored with the job before the user sees it."""

    model_config = ConfigDict(frozen=True)

    user_id: int
    channel_id: int | None = None
    guild_id: int | None = None
    message_id: int | None = None
    message_kind: MessageKind = MessageKind.ORIGINAL
    interaction_token: str | None = Field(None, repr=False)
    token_expires_at: float | None = None
    upload_limit: int | None = None  # bytes Discord accepts per file in that place
    locale: str = "en-US"


class Job(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: int
    task_id: str | None
    kind: JobKind
    status: JobStatus
    prompt: str
    options: dict[str, Any]
    user_id: int
    guild_id: int | None
    channel_id: int | None
    message_id: int | None
    message_kind: MessageKind
    upload_limit: int | None
    interaction_token: str | None = Field(repr=False)
    token_expires_at: float | None
    locale: str
    progress: int
    queue_position: int | None
    image_url: str | None
    final_prompt: str | None
    fail_reason: str | None
    shown_status: JobStatus | None
    parent_job_id: int | None
    button_index: int | None
    created_at: float
    updated_at: float
    submitted_at: float | None
    finished_at: float | None


class StoredButton(BaseModel):
    model_config = ConfigDict(frozen=True)

    job_id: int
    index: int
    custom_id: str
    label: str
    emoji: str
    style: int


class InputImage(BaseModel):
    """An image a user gave, checked by its bytes."""

    model_config = ConfigDict(frozen=True)

    mime: str
    data: bytes = Field(repr=False)
