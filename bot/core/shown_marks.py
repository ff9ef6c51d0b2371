"""Final states recorded as shown, many in one write.

When a hundred jobs finish together their hundred final edits each record "shown" (so
that a restart re-sends only what was not delivered). One write each would queue them
behind one another and behind the tracker's own writes for SQLite's single writer; here
every mark made while a write runs goes in the next one. `mark` returns once its own
mark is stored, as a single write would."""

from __future__ import annotations

import asyncio

from bot.core.models import JobStatus
from bot.core.ports import JobStore


class ShownMarks:
    def __init__(self, jobs: JobStore) -> None:
        self._jobs = jobs
        self._pending: dict[int, JobStatus] = {}
        self._written: asyncio.Future[None] | None = None  # of the pending marks
        self._writer: asyncio.Task[None] | None = None

    async def mark(self, job_id: int, status: JobStatus) -> None:
        self._pending[job_id] = status
        if self._written is None:
            self._written = asyncio.get_running_loop().create_future()
        written = self._written
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write(), name="shown-marks")
        await asyncio.shield(written)  # one caller cancelled does not cancel the others'

    async def _write(self) -> None:
        written: asyncio.Future[None] | None = None
        try:
            while self._pending:
                marks, written = self._pending, self._written
                self._pending, self._written = {}, None
                try:
                    await self._jobs.mark_shown_many(marks)
                except Exception as exc:  # each caller sees the failure of its own mark
                    _fail(written, exc)
                    continue
                if written is not None and not written.done():
                    written.set_result(None)
        finally:  # cancelled (a stop): nobody waits for ever; a restart re-sends these
            stopped = RuntimeError("stopped before the shown marks were written")
            _fail(written, stopped)
            if self._pending:
                self._pending.clear()
                _fail(self._written, stopped)
                self._written = None


def _fail(written: asyncio.Future[None] | None, exc: BaseException) -> None:
    if written is not None and not written.done():
        written.set_exception(exc)
        written.exception()  # retrieved here too: no "never retrieved" noise
