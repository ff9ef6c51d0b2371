"""JobStarter: record a job, then submit it once, through the job lifecycle.

Every job is written to storage (with where its message lives) *before* the submit, so a
crash between the two leaves a trace instead of a silent charge. Submits are never
retried: the aggregator has no idempotency key, and a retry could run (and charge) twice.
Commands (`JobService`) and buttons (`ButtonPresses`) both start jobs through here.
"""

from __future__ import annotations

from collections.abc import Awaitable, Sequence
from dataclasses import dataclass
from typing import Any

from bot.core.lifecycle import JobLifecycle
from bot.core.mj.client import notify_hook, submit_state
from bot.core.mj.errors import MJError, MJTimeoutError
from bot.core.mj.schemas import BotType, SpeedMode, Submission
from bot.core.models import InputImage, Job, JobKind, NewJob, Origin
from bot.core.push import PushHooks
from bot.core.submit_state import SubmitStates
from bot.core.validation import MAX_PROMPT_CHARS

FAIL_REASON_MAX_CHARS = 500


@dataclass(frozen=True)
class JobLimits:
    """Plain values from the operator's settings that decide what a request may be."""

    max_prompt_chars: int = MAX_PROMPT_CHARS
    max_image_bytes: int = 8 * 1024 * 1024
    owner_only_buttons: bool = True
    owner_pays: bool = False  # a press by someone else is paid by the job's owner
    swapface_enabled: bool = True  # SWAPFACE_ENABLED: /swapface may submit
    private_links: bool = False  # DESCRIBE_PRIVATE_LINKS: /describe links to private hosts


class JobStarter:
    def __init__(
        self,
        lifecycle: JobLifecycle,
        *,
        hooks: PushHooks | None = None,
        states: SubmitStates | None = None,
    ) -> None:
        self._lifecycle = lifecycle
        self._hooks = hooks  # PUBLIC_URL set: every submit carries the job's notifyHook
        self._states = states  # every submit carries `<instance>:<job id>` as its state

    async def record(
        self,
        kind: JobKind,
        origin: Origin,
        prompt: str,
        mode: SpeedMode | None,
        bot_type: BotType | None,
        *,
        options: dict[str, Any] | None = None,
        inputs: Sequence[InputImage] = (),
        parent: Job | None = None,
        index: int | None = None,
        payer_id: int | None = None,
        asks_first: bool = False,
        same_request: bool = False,
    ) -> Job:
        """Write a job (and where its message is) before anything is submitted; limits and
        credits may refuse it there (RequestRejectedError, nothing written)."""
        options = dict(options or {})
        if mode:
            options["mode"] = mode.value
        if bot_type:
            options["bot_type"] = bot_type.value
        new = NewJob(
            kind,
            origin,
            prompt=prompt,
            options=options,
            parent_job_id=parent.id if parent else None,
            button_index=index,
            inputs=tuple(inputs),
            payer_id=payer_id,
            asks_first=asks_first,
            same_request=same_request,
        )
        return await self._lifecycle.record(new)

    async def submit(
        self, job: Job, call: Awaitable[Submission], *, needs_input: bool = False
    ) -> Job:
        """Await the submit and record its answer. `needs_input`: the aggregator now waits
        for a modal answer even if it did not say so (Custom Zoom, Vary Region).

        A refusal fails the job (and refunds it). A timeout, a cancellation (shutdown) or
        a crash leave it PENDING: the task may exist, so it is resolved later, once."""
        hook = await self._hooks.issue(job.id) if self._hooks is not None else None
        state = await self._states.of(job.id) if self._states is not None else None
        try:
            with notify_hook(hook), submit_state(state):
                submission = await call
        except MJTimeoutError as exc:
            # The task may have started: the job stays PENDING, its credits reserved,
            # until the tracker's sweep resolves it at its deadline (or a restart does).
            exc.job_id = job.id
            raise
        except MJError as exc:
            await self._lifecycle.submit_failed(job, str(exc)[:FAIL_REASON_MAX_CHARS])
            exc.job_id = job.id
            raise
        return await self._lifecycle.submitted(
            job,
            task_id=submission.task_id,
            queue_position=submission.queue_position,
            final_prompt=submission.final_prompt,
            needs_input=needs_input or submission.needs_modal,
            duplicate=submission.already_exists,
        )
