"""/imagine as the official bot runs it: a permutation prompt or `--repeat` makes several
jobs, each its own job, message, limits and charge.

The prompt (with the user's suffix) is planned first, so the user can be asked before
anything starts; it is translated once, braces protected, and only then expanded, so
ten jobs cost one translation. Jobs after the first count as the same request for the
cooldown (one command, one cooldown, as with "Imagine all"); every other limit and the
wallet judge each job as if it were its own command.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from bot.core.jobs import JobService
from bot.core.mj.errors import (
    MJBannedPromptError,
    MJError,
    MJTimeoutError,
    MJValidationError,
)
from bot.core.models import Job, JobKind, NewJob, Origin
from bot.core.permutations import MAX_JOBS_PER_PROMPT, expand
from bot.core.translate import Translation
from bot.core.validation import RequestRejectedError, check_prompt

log = logging.getLogger(__name__)

OriginFor = Callable[[int], Awaitable[Origin]]  # the message of the n-th job (0-based)
Refused = Callable[[Origin, Exception], Awaitable[None]]


@dataclass(frozen=True)
class ImaginePlan:
    text: str  # the user's prompt with their suffix, as it is translated
    prompts: tuple[str, ...]  # the prompt of each job, untranslated

    @property
    def count(self) -> int:
        return len(self.prompts)


@dataclass
class BatchResult:
    jobs: list[Job] = field(default_factory=list)  # started (or perhaps started: timed out)
    refusal: Exception | None = None  # why the last job that did not start did not
    not_started: int = 0  # jobs never tried after a stop
    failed: int = 0  # jobs the aggregator refused (each failed and refunded)

    def stop(self, why: Exception, not_started: int) -> None:
        self.refusal, self.not_started = why, not_started


# The aggregator refusing the prompt itself: the batch's other prompts may still pass.
_ONLY_THIS_PROMPT = (MJBannedPromptError, MJValidationError)


class ImagineBatch:
    def __init__(self, service: JobService, *, limit: int = MAX_JOBS_PER_PROMPT) -> None:
        self._service = service
        self.limit = limit

    async def plan(self, user_id: int, prompt: str, *, most: int | None = None) -> ImaginePlan:
        """The jobs a prompt makes; RequestRejectedError (nothing started) when it is
        empty, too long, unbalanced or makes more than `limit` jobs (or `most`, where
        fewer messages can be sent)."""
        prefs = await self._service.preferences.of(user_id)
        limit = self._service.limits.max_prompt_chars
        text = check_prompt(prefs.with_suffix(prompt), max_chars=limit)
        jobs = self.limit if most is None else min(most, self.limit)
        prompts = tuple(expand(text, limit=jobs))
        for each in prompts:  # `{, x}` alone would start an empty job
            check_prompt(each, max_chars=limit)
        return ImaginePlan(text, prompts)

    async def start(
        self,
        plan: ImaginePlan,
        origin_for: OriginFor,
        *,
        on_refused: Refused | None = None,
        **imagine: Any,
    ) -> BatchResult:
        """Translate once, then start the jobs in order (`imagine`: JobService.imagine's
        options, e.g. images and mode). Without `on_refused` any error is raised (one job,
        as a plain /imagine). With it, a job that does not start is handed back with why
        (its message then says so, or goes), and:
        - a limit or the wallet refusing it stops the rest (they would be refused too);
        - the aggregator refusing this prompt (a banned word, a bad parameter) lets the
          others go on; refusing for any other reason (down, key, queue) stops them;
        - a submit without answer may have started: that job stays, its message follows
          it as after a restart, and the rest stop."""
        result = BatchResult()
        translation: Translation | None = None
        prompts = plan.prompts
        for n in range(plan.count):
            left = plan.count - n - 1
            try:
                where = await origin_for(n)
            except Exception as exc:  # no message for it (Discord refused a follow-up)
                if on_refused is None:
                    raise
                log.warning("job %d of a batch has no message: %s", n + 1, exc)
                result.stop(exc, left + 1)
                break
            try:
                if translation is None:  # once, for the first job's place and payer
                    first = NewJob(JobKind.IMAGINE, where, plan.text)
                    translation, prompts = await self._translated(plan, first)
                prepared = Translation(translation.original, prompts[n], translation.outcome)
                text = prompts[n]
                job = await self._service.imagine(
                    where, text, prepared=prepared, same_request=n > 0, **imagine
                )
            except RequestRejectedError as exc:
                if on_refused is None:
                    raise
                await on_refused(where, exc)
                result.stop(exc, left + 1)
                break
            except MJTimeoutError as exc:
                if on_refused is None:
                    raise
                pending = await self._service.job(exc.job_id) if exc.job_id else None
                if pending is not None:
                    result.jobs.append(pending)
                result.stop(exc, left)
                break
            except MJError as exc:
                if on_refused is None:
                    raise
                await on_refused(where, exc)  # failed and refunded: its message says why
                result.failed += 1
                if not isinstance(exc, _ONLY_THIS_PROMPT):
                    result.stop(exc, left)
                    break
                result.refusal = exc
                continue
            result.jobs.append(job)
        return result

    async def _translated(
        self, plan: ImaginePlan, first: NewJob
    ) -> tuple[Translation, tuple[str, ...]]:
        translation = await self._service.translated(plan.text, for_job=first)
        if not translation.translated:
            return translation, plan.prompts
        try:
            prompts = tuple(expand(translation.prompt, limit=self.limit))
        except RequestRejectedError:
            prompts = ()
        if len(prompts) != plan.count:  # cannot happen with a verified answer; be sure
            log.warning("the translated prompt expands differently; the original is submitted")
            return translation.failed(), plan.prompts
        return translation, prompts
