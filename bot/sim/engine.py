"""In-memory task store and submit logic, independent of HTTP.

Submit methods take the JSON request body as a mapping, validate it like the real proxies,
and return a `Submitted` (code 1/21/22) or raise `SimError`. Task state is derived lazily
from the injected clock, so the engine needs no background work.
"""

from __future__ import annotations

import hashlib
import math
import random
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from bot.sim import payload
from bot.sim.buttons import buttons_for
from bot.sim.faults import Faults
from bot.sim.followups import submit_action, submit_modal
from bot.sim.images import palette, size_for
from bot.sim.model import (
    DEFAULT_PROGRESS_STEPS,
    INSTANCE_PROPS,
    NOTIFY_HOOK_MAX_CHARS,
    TERMINAL,
    ResultKind,
    SimError,
    SimTask,
    Snapshot,
    Submitted,
    Timeline,
)
from bot.sim.png import png_size
from bot.sim.swap import submit_swap
from bot.sim.texts import describe_prompts, numbered, shorten_prompt

Body = Mapping[str, Any]
_BLEND_AR = {"PORTRAIT": "2:3", "SQUARE": "1:1", "LANDSCAPE": "3:2"}


class Engine:
    def __init__(
        self,
        *,
        step_seconds: float = 1.0,
        progress_steps: Sequence[int] = DEFAULT_PROGRESS_STEPS,
        clock: Callable[[], float] | None = None,
        faults: Faults | None = None,
        remix: bool = False,
    ) -> None:
        self.clock = clock or time.monotonic
        self.timeline = Timeline(step_seconds, tuple(progress_steps))
        self.faults = faults if faults is not None else Faults()
        self.remix = remix  # like an account with Remix on: V/reroll/pan open a MODAL
        self.tasks: dict[str, SimTask] = {}
        self.hooked: dict[str, SimTask] = {}  # tasks with a notifyHook not final yet
        # Started, unfinished tasks in the order they joined the queue, with tasks of other
        # users (not in `tasks`) that the `queue_position` fault put ahead of ours.
        self._queue: list[SimTask] = []
        # Maps clock readings (maybe a fake clock starting at 0) onto epoch milliseconds.
        self._epoch_ms = time.time() * 1000 - self.clock() * 1000
        self._last_id = 0
        self._rng = random.Random()

    def to_ms(self, at: float) -> int:
        return int(self._epoch_ms + at * 1000)

    def get(self, task_id: str) -> SimTask | None:
        return self.tasks.get(task_id)

    def snapshot(self, task: SimTask, now: float | None = None) -> Snapshot:
        return self.timeline.snapshot(task, self.clock() if now is None else now, self.to_ms)

    def reset(self) -> None:
        self.tasks.clear()
        self.hooked.clear()
        self._queue.clear()

    def queue(self) -> list[tuple[SimTask, Snapshot]]:
        """`GET /mj/task/queue`: the tasks waiting or running (NOT_START, SUBMITTED,
        IN_PROGRESS), in the order they joined; a MODAL task joins when confirmed."""
        now = self.clock()
        listed = [(task, self.snapshot(task, now)) for task in self._queue]
        listed = [(task, snap) for task, snap in listed if snap.status not in TERMINAL]
        self._queue = [task for task, _ in listed]  # a finished task never comes back
        return listed

    # -- submit endpoints ---------------------------------------------------------------

    def imagine(self, body: Body, *, mode: str | None = None) -> Submitted:
        prompt = payload.text(body.get("prompt"))
        if not prompt:
            raise SimError(4, "prompt不能为空")
        refs = body.get("base64Array") or []
        if not isinstance(refs, list):
            raise SimError(4, "base64格式错误")
        links = [payload.short_link(payload.image(v)[0]) for v in refs]
        self.screen(prompt)
        final = payload.finalise(" ".join([*links, prompt]), payload.bot_type(body.get("botType")))
        return self.launch(
            self.new_task("IMAGINE", "grid", body, mode, prompt, final, f"/imagine {prompt}")
        )

    def blend(self, body: Body, *, mode: str | None = None) -> Submitted:
        images = body.get("base64Array")
        if not isinstance(images, list) or not 2 <= len(images) <= 5:
            raise SimError(4, "base64List参数错误")
        links = [payload.short_link(payload.image(v)[0]) for v in images]
        dims = body.get("dimensions", "SQUARE")  # absent -> SQUARE, explicit null -> error
        if dims not in _BLEND_AR:
            raise SimError(4, "dimensions参数错误")
        self.screen("")
        bot = payload.bot_type(body.get("botType"))
        final = payload.finalise(f"{' '.join(links)} --ar {_BLEND_AR[dims]}", bot)
        task = self.new_task("BLEND", "grid", body, mode, "", final, "")
        task.description = f"/blend {task.id} {len(links)}"
        return self.launch(task)

    def describe(self, body: Body, *, mode: str | None = None) -> Submitted:
        raw, link = body.get("base64"), payload.text(body.get("link"))
        if (raw is None or raw == "") and not link:
            raise SimError(4, "base64或link不能为空")
        if raw is None or raw == "":
            # trueai's `link`: the simulator never fetches it (prompts follow the URL)
            if not link.startswith(("http://", "https://")):
                raise SimError(4, "link格式错误")
            self.screen("")
            task = self.new_task("DESCRIBE", "describe", body, mode, None, None, "/describe")
            task.choices = describe_prompts(task.id + link, "1:1")
            task.result_text = numbered(task.choices)
            return self.launch(task)
        data, mime = payload.image(raw)
        self.screen("")
        task = self.new_task("DESCRIBE", "describe", body, mode, None, None, "/describe")
        self.set_described(task, data, mime)
        return self.launch(task)

    def shorten(self, body: Body, *, mode: str | None = None) -> Submitted:
        prompt = payload.text(body.get("prompt"))
        if not prompt:
            raise SimError(4, "prompt不能为空")
        self.screen(prompt)
        task = self.new_task("SHORTEN", "shorten", body, mode, prompt, prompt, f"/shorten {prompt}")
        task.result_text, task.choices = shorten_prompt(prompt)
        return self.launch(task)

    def action(self, body: Body, *, mode: str | None = None) -> Submitted:
        return submit_action(self, body, mode)

    def modal(self, body: Body, *, mode: str | None = None) -> Submitted:
        return submit_modal(self, body, mode)

    def swap_face(self, body: Body, *, mode: str | None = None) -> Submitted:
        return submit_swap(self, body, mode)

    def cancel(self, task_id: str) -> None:
        task = self.tasks.get(task_id)
        if task is None:
            raise SimError(3, "任务不存在")
        if self.snapshot(task).status in TERMINAL:
            raise SimError(4, "任务已结束，无法取消")
        task.cancelled_at = self.clock()

    def image_seed(self, task_id: str) -> str:
        task = self.tasks.get(task_id)
        if task is None:
            raise SimError(3, "任务不存在")
        if self.snapshot(task).status != "SUCCESS":
            raise SimError(4, "任务状态错误")
        return task.seed

    # -- building blocks (also used by bot.sim.followups) -------------------------------

    def new_task(
        self,
        action: str,
        kind: ResultKind,
        body: Body,
        mode: str | None,
        prompt: str | None,
        final: str | None,
        description: str,
        *,
        relay_action: str | None = None,
        bot: str | None = None,
    ) -> SimTask:
        task_id = self._new_id()
        state = body.get("state")
        task = SimTask(
            id=task_id,
            action=action,
            relay_action=relay_action or action,
            kind=kind,
            prompt=prompt,
            final_prompt=final,
            description=description,
            state=state if isinstance(state, str) else None,
            mode=mode,
            bot_type=bot or payload.bot_type(body.get("botType")),
            submit_ms=self.to_ms(self.clock()),
            colours=palette(task_id + (final or "")),
            size=size_for(final),
        )
        task.seed = str(int(task.job_hash[:8], 16))
        task.buttons = buttons_for(kind, task.job_hash)
        self.tasks[task_id] = task
        self.set_hook(task, body)
        return task

    def set_hook(self, task: SimTask, body: Body) -> None:
        """Take the submit's `notifyHook`, if it has one (a modal's replaces the action's)."""
        hook = body.get("notifyHook")
        if not isinstance(hook, str) or not hook.startswith(("http://", "https://")):
            return
        if len(hook) <= NOTIFY_HOOK_MAX_CHARS:
            task.notify_hook = hook
            self.hooked[task.id] = task

    def set_described(self, task: SimTask, data: bytes, mime: str) -> None:
        width, height = png_size(data) or (1, 1)
        g = math.gcd(width, height) or 1
        task.source = (data, mime)
        seed = task.id + hashlib.sha256(data).hexdigest()
        task.choices = describe_prompts(seed, f"{width // g}:{height // g}")
        task.result_text = numbered(task.choices)

    def screen(self, prompt: str) -> None:
        """Submit-time rejections: banned words (24), then a full queue (23)."""
        word = self.faults.banned_word_in(prompt) if prompt else None
        if word:
            raise SimError(24, "可能包含敏感词", {"promptEn": prompt, "bannedWord": word})
        if self.faults.queue_full:
            raise SimError(23, "队列已满，请稍后尝试")

    def launch(self, task: SimTask) -> Submitted:
        """Start the task's timeline now; per-task faults are fixed at this moment."""
        text = f"{task.prompt or ''} {task.final_prompt or ''}"
        task.fail = self.faults.fail_midway or "sim:fail" in text
        task.stuck = self.faults.never_finish or "sim:stuck" in text
        task.queue_steps = max(0, self.faults.queue_position or 0)
        task.run_from = self.clock()
        if task.queue_steps:
            ahead = self._queue_behind_others(task)
            task.submit_description = f"排队中，前面还有{ahead}个任务"
            props = {"numberOfQueues": ahead, **INSTANCE_PROPS}
            return Submitted(22, task.submit_description, task.id, props)
        self._queue.append(task)
        task.submit_description = "提交成功"
        return Submitted(1, "提交成功", task.id, dict(INSTANCE_PROPS))

    def _queue_behind_others(self, task: SimTask) -> int:
        """Queue a task behind `queue_steps` tasks of other users, the k-th of which
        starts k + 1 steps from now (the task itself one step after the last); returns
        how many tasks ahead of it have not started (ours still waiting included)."""
        waiting = sum(1 for _, snap in self.queue() if snap.status == "NOT_START")
        for k in range(task.queue_steps):
            prompt = f"a job of another user #{k + 1}"
            other = SimTask(
                id=self._new_id(),
                action="IMAGINE",
                relay_action="IMAGINE",
                kind="grid",
                prompt=prompt,
                final_prompt=prompt,
                description=f"/imagine {prompt}",
                state=None,
                mode=task.mode,
                bot_type=task.bot_type,
                submit_ms=task.submit_ms,
                colours=palette(prompt),
                size=task.size,
                run_from=task.run_from,
                queue_steps=k,
            )
            self._queue.append(other)
        self._queue.append(task)
        return waiting + task.queue_steps

    def _new_id(self) -> str:
        # 16 digits: epoch milliseconds + 3 random digits, strictly increasing.
        candidate = int(time.time() * 1000) * 1000 + self._rng.randrange(1000)
        self._last_id = max(candidate, self._last_id + 1)
        return str(self._last_id)
