"""Task record, submit results and the clock-driven status timeline."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

ResultKind = Literal["grid", "upscale", "upscale_hd", "describe", "shorten", "swap", "video"]
RGB = tuple[int, int, int]

DEFAULT_PROGRESS_STEPS: tuple[int, ...] = (0, 15, 31, 46, 62, 78, 93)
TERMINAL = frozenset({"SUCCESS", "FAILURE", "CANCEL"})
FAIL_REASON = "[Invalid parameter] Simulated failure"
MODAL_DESCRIPTION = "Waiting for window confirm"
NOTIFY_HOOK_MAX_CHARS = 2000  # trueai
# Fixed fake Discord ids: the proxies report which account/channel ran a task.
INSTANCE_PROPS: dict[str, str] = {
    "discordInstanceId": "1300000000000000042",
    "discordChannelId": "1300000000000000777",
}


@dataclass
class SimTask:
    id: str
    action: str  # proxy label: IMAGINE, UPSCALE, VARIATION, ZOOM, ...
    relay_action: str  # new-api label: LOW_VARIATION, CUSTOM_ZOOM, INPAINT, ...
    kind: ResultKind  # what SUCCESS looks like (grid, single image, text)
    prompt: str | None
    final_prompt: str | None
    description: str
    state: str | None
    mode: str | None
    bot_type: str
    submit_ms: int
    colours: list[RGB]
    size: tuple[int, int]
    job_hash: str = field(default_factory=lambda: str(uuid.uuid4()))
    seed: str = ""
    parent_id: str | None = None
    custom_id: str | None = None
    modal_kind: str | None = None  # zoom | inpaint | prompt | remix while waiting for /modal
    run_from: float | None = None  # clock time the timeline starts; None = MODAL
    queue_steps: int = 0
    fail: bool = False
    stuck: bool = False
    cancelled_at: float | None = None
    submit_description: str = "提交成功"  # relays echo the submit answer as description
    source: tuple[bytes, str] | None = None  # describe: the uploaded image and its mime
    choices: list[str] = field(default_factory=list)  # describe/shorten result prompts
    result_text: str | None = None  # describe prompts / shorten analysis, shown on SUCCESS
    buttons: list[dict[str, Any]] = field(default_factory=list)
    notify_hook: str | None = None  # called on each status / progress change


@dataclass(frozen=True)
class Snapshot:
    status: str
    progress: str | None
    image_path: str | None  # server-relative; the HTTP layer makes it absolute
    start_ms: int | None
    finish_ms: int | None
    fail_reason: str | None


@dataclass(frozen=True)
class Submitted:
    code: int
    description: str
    result: str | None
    properties: dict[str, Any] = field(default_factory=dict)
    keep_modal_code: bool = False  # relays keep code 21 only for CustomZoom / Inpaint


class SimError(Exception):
    """A submit/query rejection: proxy `code` plus its description."""

    def __init__(self, code: int, description: str, properties: dict[str, Any] | None = None):
        super().__init__(f"{code}: {description}")
        self.code = code
        self.description = description
        self.properties = properties or {}


def image_path(task_id: str, name: str) -> str:
    return f"/sim/images/{task_id}/{name}"


@dataclass(frozen=True)
class Timeline:
    """Stages of `step_seconds` each: NOT_START (1 + queue), SUBMITTED, one per progress
    step, then SUCCESS. State is derived from the clock when asked, so nothing runs in
    the background and an injected clock makes tests deterministic."""

    step_seconds: float
    progress_steps: tuple[int, ...] = DEFAULT_PROGRESS_STEPS

    @property
    def cut(self) -> int:
        # Where failing tasks fail and stuck tasks hang: the first step at or past 50%.
        steps = self.progress_steps
        return next((i for i, p in enumerate(steps) if p >= 50), len(steps) // 2)

    def snapshot(self, task: SimTask, now: float, to_ms: Callable[[float], int]) -> Snapshot:
        if task.cancelled_at is not None:
            # Frozen at the moment of cancelling (only allowed while not terminal).
            was = self._running(task, task.cancelled_at, to_ms)
            return Snapshot(
                "CANCEL", was.progress, None, was.start_ms, to_ms(task.cancelled_at), "取消任务"
            )
        return self._running(task, now, to_ms)

    def _running(self, task: SimTask, now: float, to_ms: Callable[[float], int]) -> Snapshot:
        run_from = task.run_from
        if run_from is None:
            return Snapshot("MODAL", None, None, None, None, None)
        step = self.step_seconds

        def ms_at(stage: int) -> int:
            return to_ms(run_from + stage * step)

        # The epsilon keeps exact multiples of step on the later stage despite float error.
        stage = int((now - run_from) / step + 1e-6) if step > 0 else 1 << 30
        queued = 1 + task.queue_steps
        if stage < queued:
            return Snapshot("NOT_START", "0%", None, None, None, None)
        start_ms = ms_at(queued)
        if stage == queued:
            return Snapshot("SUBMITTED", "0%", None, start_ms, None, None)
        index, steps, cut = stage - queued - 1, self.progress_steps, self.cut
        if task.fail and index >= cut:
            return Snapshot("FAILURE", "", None, start_ms, ms_at(queued + 1 + cut), FAIL_REASON)
        if task.stuck and index >= cut:
            index = cut
        if index < len(steps) or task.stuck:
            percent = steps[index] if index < len(steps) else 0
            preview = None
            if percent > 0 and task.kind not in ("describe", "shorten"):
                preview = image_path(task.id, f"preview-{percent}.png")
            return Snapshot("IN_PROGRESS", f"{percent}%", preview, start_ms, None, None)
        finish_ms = ms_at(queued + 1 + len(steps))
        return Snapshot("SUCCESS", "100%", final_image(task), start_ms, finish_ms, None)


def final_image(task: SimTask) -> str | None:
    if task.kind == "shorten":
        return None
    if task.kind == "describe":
        if task.source is None:
            return None  # described from a link: no image the simulator has
        return image_path(task.id, "source." + task.source[1].split("/", 1)[1])
    if task.kind == "video":  # imageUrl: a still of the video (videoUrl has the file)
        return image_path(task.id, "cover.png")
    return image_path(task.id, "grid.png" if task.kind == "grid" else "upscale.png")


def video_path(task: SimTask) -> str:
    return f"/sim/videos/{task.id}/video.mp4"
