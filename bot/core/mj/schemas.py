"""Wire models of the midjourney-proxy API, tolerant of what real servers send.

Servers disagree on shapes: ids come as numbers or strings, progress as "46%", "", null
or a number, status may be "" before a relay's first sync, properties may be stripped to
two keys and buttons may be absent. Every model ignores unknown fields.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

_PERCENT = re.compile(r"(\d+(?:\.\d+)?)")


class TaskStatus(StrEnum):
    NOT_START = "NOT_START"
    SUBMITTED = "SUBMITTED"
    MODAL = "MODAL"
    IN_PROGRESS = "IN_PROGRESS"
    SUCCESS = "SUCCESS"
    FAILURE = "FAILURE"
    CANCEL = "CANCEL"
    UNKNOWN = "UNKNOWN"  # "" / null / a value we do not know: still waiting

    @property
    def is_terminal(self) -> bool:
        return self in _TERMINAL


_TERMINAL = frozenset({TaskStatus.SUCCESS, TaskStatus.FAILURE, TaskStatus.CANCEL})


class BotType(StrEnum):
    MID_JOURNEY = "MID_JOURNEY"
    NIJI_JOURNEY = "NIJI_JOURNEY"


class SpeedMode(StrEnum):
    """Speed mode chosen by path prefix; NONE leaves it to the server."""

    NONE = "none"
    FAST = "fast"
    RELAX = "relax"
    TURBO = "turbo"

    @property
    def path_prefix(self) -> str:
        return "" if self is SpeedMode.NONE else f"/mj-{self.value}"


class BlendDimensions(StrEnum):
    PORTRAIT = "PORTRAIT"
    SQUARE = "SQUARE"
    LANDSCAPE = "LANDSCAPE"


class _Wire(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


def _str_or_empty(value: Any) -> str:
    if value is None:
        return ""
    return str(value)


class TaskButton(_Wire):
    custom_id: str = Field("", alias="customId")
    emoji: str = ""
    label: str = ""
    type: int = 2
    style: int = 2

    @field_validator("custom_id", "emoji", "label", mode="before")
    @classmethod
    def _none_to_empty(cls, value: Any) -> str:
        return _str_or_empty(value)

    @field_validator("type", "style", mode="before")
    @classmethod
    def _int_or_default(cls, value: Any) -> int:
        try:
            return int(value)
        except (TypeError, ValueError, OverflowError):  # OverflowError: JSON's Infinity
            return 2


class TaskProperties(_Wire):
    model_config = ConfigDict(extra="allow", populate_by_name=True)

    final_prompt: str | None = Field(None, alias="finalPrompt")
    final_zh_prompt: str | None = Field(None, alias="finalZhPrompt")


class Task(_Wire):
    id: str
    action: str | None = None
    status: TaskStatus = TaskStatus.UNKNOWN
    prompt: str | None = None
    prompt_en: str | None = Field(None, alias="promptEn")
    description: str | None = None
    state: str | None = None
    submit_time: int | None = Field(None, alias="submitTime")
    start_time: int | None = Field(None, alias="startTime")
    finish_time: int | None = Field(None, alias="finishTime")
    image_url: str | None = Field(None, alias="imageUrl")
    progress: int | None = None
    fail_reason: str | None = Field(None, alias="failReason")
    properties: TaskProperties = Field(default_factory=lambda: TaskProperties.model_validate({}))
    buttons: list[TaskButton] = Field(default_factory=list)
    # Video tasks (trueai, newer new-api): one URL, or a list of URLs or {"url": ...}.
    video_url: str | None = Field(None, alias="videoUrl")
    video_urls: list[str] = Field(default_factory=list, alias="videoUrls")

    @field_validator("id", mode="before")
    @classmethod
    def _id_as_string(cls, value: Any) -> str:
        if value is None or value == "":
            raise ValueError("task without id")
        return str(value)

    @field_validator("status", mode="before")
    @classmethod
    def _status(cls, value: Any) -> TaskStatus:
        try:
            return TaskStatus(str(value).upper())
        except ValueError:
            return TaskStatus.UNKNOWN

    @field_validator("progress", mode="before")
    @classmethod
    def _progress(cls, value: Any) -> int | None:
        if value is None or value == "":
            return None
        match = _PERCENT.search(str(value))
        if match is None:
            return None
        return max(0, min(100, int(float(match.group(1)))))

    @field_validator("properties", mode="before")
    @classmethod
    def _properties(cls, value: Any) -> Any:
        return value if isinstance(value, dict) else {}

    @field_validator("buttons", mode="before")
    @classmethod
    def _buttons(cls, value: Any) -> Any:
        if not isinstance(value, list):
            return []
        return [b for b in value if isinstance(b, dict)]

    @field_validator("video_url", mode="before")
    @classmethod
    def _video_url(cls, value: Any) -> str | None:
        return (value.strip() or None) if isinstance(value, str) else None

    @field_validator("video_urls", mode="before")
    @classmethod
    def _video_urls(cls, value: Any) -> list[str]:
        if not isinstance(value, list):
            return []
        urls = [v.get("url") if isinstance(v, dict) else v for v in value]
        return [u.strip() for u in urls if isinstance(u, str) and u.strip()]

    @field_validator("submit_time", "start_time", "finish_time", mode="before")
    @classmethod
    def _epoch(cls, value: Any) -> int | None:
        try:
            return int(value) or None
        except (TypeError, ValueError, OverflowError):
            return None

    @property
    def video(self) -> str | None:
        """The first video the task gives, where it gives one apart from `imageUrl`."""
        return self.video_url or next(iter(self.video_urls), None)

    @property
    def final_prompt(self) -> str | None:
        """The prompt as Midjourney echoed it, falling back to the English prompt."""
        return self.properties.final_prompt or self.prompt_en or self.prompt


class SubmitResponse(_Wire):
    """Raw envelope of every /mj/submit/* answer."""

    code: int
    description: str = ""
    result: str | list[str] | None = None
    properties: dict[str, Any] = Field(default_factory=dict)

    @field_validator("code", mode="before")
    @classmethod
    def _code(cls, value: Any) -> int:
        try:
            return int(value)
        except (TypeError, ValueError, OverflowError) as exc:  # null, "", a list, inf...
            raise ValueError("code is not a number") from exc

    @field_validator("description", mode="before")
    @classmethod
    def _description(cls, value: Any) -> str:
        return _str_or_empty(value).strip()

    @field_validator("result", mode="before")
    @classmethod
    def _result(cls, value: Any) -> Any:
        if value is None or value == "":
            return None
        if isinstance(value, list):
            return [str(v) for v in value]
        return str(value)

    @field_validator("properties", mode="before")
    @classmethod
    def _props(cls, value: Any) -> Any:
        return value if isinstance(value, dict) else {}


class Submission(BaseModel):
    """What an accepted submit means for the bot."""

    model_config = ConfigDict(frozen=True)

    task_id: str
    queue_position: int | None = None  # code 22: tasks ahead of this one
    needs_modal: bool = False  # code 21 / "Waiting for window confirm": task is in MODAL
    final_prompt: str | None = None  # prompt to pre-fill a modal with
    already_exists: bool = False  # code 21 with a status: the same task as before
