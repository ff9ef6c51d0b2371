"""The bot's domain: jobs, where their messages live, their buttons and input images.

No wire types (aggregator JSON) and no Discord types: the stores, the lifecycle, the
renderer and the Discord layer all speak these.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

# Failure reasons the bot itself records (the renderer shows them translated).
TIMED_OUT_REASON = "timed out: the aggregator did not finish the task in time"
INTERRUPTED_REASON = "interrupted: the bot stopped before the aggregator confirmed the submit"
UNCONFIRMED_REASON = "unconfirmed: the aggregator never confirmed the submit in time"
CANCELLED_REASON = "cancelled by the user"


class JobKind(StrEnum):
    IMAGINE = "IMAGINE"
    BLEND = "BLEND"
    DESCRIBE = "DESCRIBE"
    SHORTEN = "SHORTEN"
    ACTION = "ACTION"  # a button pressed on another job's result
    SWAPFACE = "SWAPFACE"  # /swapface: InsightFace on the aggregator


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
        return self in _TERMINAL

    @property
    def is_settled(self) -> bool:
        """Nothing more happens without the user: the message shows its final state."""
        return self.is_terminal or self is JobStatus.MODAL

    @property
    def is_tracked(self) -> bool:
        """The tracker polls the aggregator for jobs in these states."""
        return self in (JobStatus.WAITING, JobStatus.IN_PROGRESS)


_TERMINAL = frozenset({JobStatus.SUCCESS, JobStatus.FAILURE, JobStatus.CANCEL})
TERMINAL_STATUSES = tuple(sorted(_TERMINAL))


class MessageKind(StrEnum):
    """How the job's message was made, which decides how it can be edited."""

    ORIGINAL = "original"  # the interaction's own response: "@original" via the token
    FOLLOWUP = "followup"  # a followup of the interaction: its id via the token
    CHANNEL = "channel"  # a plain channel message: bot token only
    DM = "dm"  # a private job's message in its user's DMs: bot token only


class MessageRef(BaseModel):
    """Where a job's message is and how it can be edited."""

    model_config = ConfigDict(frozen=True)

    channel_id: int | None = None
    message_id: int | None = None
    kind: MessageKind = MessageKind.ORIGINAL
    interaction_token: str | None = Field(None, repr=False)
    token_expires_at: float | None = None
    upload_limit: int | None = None  # bytes Discord accepts per file in that place
    # Only the user sees it (the user's `private` setting): editable through the
    # interaction token alone, never re-posted in the channel; then the user's DMs.
    ephemeral: bool = False
    # The bot cannot reach the place the job was asked from with its own token (a user
    # install in a server the bot is not in, a group DM): the token alone, then the
    # user's DMs. Fixed for the job's life; a DM it moved to is the bot's own.
    token_only: bool = False

    @property
    def bot_reachable(self) -> bool:
        """The bot token may edit or post here: never for a private or token-only
        message, unless it is one the bot posted in the user's DMs."""
        in_dms = self.kind is MessageKind.DM and self.message_id is not None
        return in_dms or not (self.ephemeral or self.token_only)

    def without_token(self) -> MessageRef:
        return self.model_copy(update={"interaction_token": None})


class Origin(BaseModel):
    """Who asked and where the answer goes; stored with the job before the user sees it."""

    model_config = ConfigDict(frozen=True)

    user_id: int
    guild_id: int | None = None
    locale: str = "en-US"
    message: MessageRef = Field(default_factory=lambda: MessageRef())
    role_ids: frozenset[int] = frozenset()  # the member's roles there (limits); not stored


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
    locale: str
    message: MessageRef
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


class ResultButton(BaseModel):
    """A button a finished task offers, as the aggregator described it."""

    model_config = ConfigDict(frozen=True)

    custom_id: str
    label: str = ""
    emoji: str = ""
    style: int = 2


class StoredButton(ResultButton):
    """A result button kept with its job, addressed by its position."""

    job_id: int
    index: int


class InputImage(BaseModel):
    """An image a user gave, checked by its bytes."""

    model_config = ConfigDict(frozen=True)

    mime: str
    data: bytes = Field(repr=False)


@dataclass(frozen=True)
class NewJob:
    """A job about to be recorded: everything known before the submit."""

    kind: JobKind
    origin: Origin
    prompt: str = ""
    options: dict[str, Any] | None = None
    parent_job_id: int | None = None
    button_index: int | None = None
    inputs: tuple[InputImage, ...] = ()
    payer_id: int | None = None  # who pays, when not the user who asked (owner_pays)
    asks_first: bool = False  # an action that opens a modal before it runs
    same_request: bool = False  # a later job of one press ("Imagine all"): one cooldown

    @property
    def payer(self) -> int:
        return self.payer_id if self.payer_id is not None else self.origin.user_id


@dataclass(frozen=True)
class Progress:
    """A non-final change of one job, as stored in a batch."""

    job_id: int
    status: JobStatus
    progress: int
    queue_position: int | None
    image_url: str | None
    final_prompt: str | None


@dataclass(frozen=True)
class Final:
    """A final state of one job, as stored in a batch."""

    job_id: int
    status: JobStatus
    progress: int
    image_url: str | None
    final_prompt: str | None
    fail_reason: str | None


@dataclass(frozen=True)
class TaskUpdate:
    """What the aggregator says about a task now, in the bot's words."""

    status: JobStatus
    progress: int | None = None
    image_url: str | None = None
    final_prompt: str | None = None
    fail_reason: str | None = None
    buttons: tuple[ResultButton, ...] = ()
    # Tasks not started ahead of it in the aggregator's queue (0: none, or it started);
    # None: not known from this answer, the job keeps the position it has.
    queue_position: int | None = None


class LedgerReason(StrEnum):
    NEW_USER = "new_user"
    GRANT = "grant"
    REVOKE = "revoke"
    REDEEM = "redeem"
    RESERVE = "reserve"
    SETTLE = "settle"
    REFUND = "refund"


class Wallet(BaseModel):
    """A user's credits: `available` can be spent, `reserved` is held by unfinished jobs."""

    model_config = ConfigDict(frozen=True)

    user_id: int
    available: int = 0
    reserved: int = 0


class LedgerEntry(BaseModel):
    """One movement of credits. `delta` changes available credits, `held` reserved ones."""

    model_config = ConfigDict(frozen=True)

    id: int
    user_id: int
    reason: LedgerReason
    delta: int
    held: int
    job_id: int | None
    admin_id: int | None
    created_at: float


class ChargeState(StrEnum):
    RESERVED = "reserved"
    SETTLED = "settled"
    REFUNDED = "refunded"
