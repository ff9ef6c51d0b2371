"""`POST /push/{job}/{secret}`: the aggregator's notifyHook callbacks.

The body is capped before anything is read; the checks and the tracker are in
`bot.core.push.PushInbox`. An unknown job and a wrong secret get the same answer, so job
ids cannot be probed. Aggregators ignore the answer; the status codes are for people.
"""

from __future__ import annotations

from aiohttp import web

from bot.core.push import PUSH_PATH, PushInbox, PushOutcome

MAX_PUSH_BYTES = 256 * 1024  # a task with its buttons is a few KiB
PUSH_ROUTE = PUSH_PATH + "/{job}/{secret}"
_READ_CHUNK = 64 * 1024

_STATUS = {
    PushOutcome.ACCEPTED: 204,
    PushOutcome.EARLY: 202,  # authentic, nothing to apply yet: the next one will be
    PushOutcome.UNKNOWN_JOB: 404,
    PushOutcome.FORGED: 404,
    PushOutcome.MALFORMED: 400,
    PushOutcome.WRONG_TASK: 409,
    PushOutcome.TOO_LARGE: 413,
}


def push_routes(inbox: PushInbox, *, max_bytes: int = MAX_PUSH_BYTES) -> list[web.RouteDef]:
    async def receive(request: web.Request) -> web.StreamResponse:
        raw_job = request.match_info["job"]
        number = raw_job.isascii() and raw_job.isdigit() and len(raw_job) < 19
        job_id = int(raw_job) if number else None
        body = await _read_capped(request, max_bytes)
        if body is None:  # before the secret is checked: the job id is not trusted
            outcome = inbox.refused(None, PushOutcome.TOO_LARGE)
        else:
            outcome = await inbox.receive(job_id, request.match_info["secret"], body)
        return _answer(outcome)

    return [web.post(PUSH_ROUTE, receive)]


async def _read_capped(request: web.Request, max_bytes: int) -> bytes | None:
    """The body, or None when it is larger than `max_bytes` (not read any further)."""
    if request.content_length is not None and request.content_length > max_bytes:
        return None
    body = bytearray()
    while chunk := await request.content.read(_READ_CHUNK):
        body += chunk
        if len(body) > max_bytes:
            return None
    return bytes(body)


def _answer(outcome: PushOutcome) -> web.Response:
    status = _STATUS[outcome]
    if status == 204:
        return web.Response(status=204)
    text = "not found" if status == 404 else outcome.value.replace("_", " ")
    return web.Response(status=status, text=text)
