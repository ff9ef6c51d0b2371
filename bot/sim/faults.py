"""Runtime-switchable misbehaviour of the simulated aggregator.

Change faults in-process (`sim.faults.http_500 = 2`) or over HTTP (`POST /sim/faults`).
"Next N requests" counters only count midjourney API routes, never `/sim/*` or images.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

SCOPES = ("all", "submit", "query")
COUNTERS = (
    "http_500",
    "rate_limited",
    "timeouts",
    "invalid_json",
    "unauthorized",
    "lose_submit_answers",
)
LOST_ANSWERS = ("hang", "drop")
# Next-N counters of /v1/chat/completions (prompt translation), outside the scopes above.
CHAT_COUNTERS = ("chat_errors", "chat_timeouts", "chat_mangled")
_BOOLS = (
    "queue_full",
    "fail_midway",
    "never_finish",
    "list_unsupported",
    "queue_unsupported",
    "cancel_unsupported",
    "result_as_number",
    "billing_unsupported",
    "drop_notify_hook",
    "swapface_unsupported",
    "video_in_image_url",
    "uploads_unsupported",
    "chat_unsupported",
    "task_query_unsupported",
    "task_list_unsupported",
)

# One lock for all instances: check-and-decrement must not interleave if a test thread
# flips faults while the server's event loop consumes them.
_LOCK = threading.Lock()


@dataclass
class Faults:
    http_500: int = 0  # next N requests in scope answer HTTP 500
    rate_limited: int = 0  # next N requests in scope answer HTTP 429 (with Retry-After)
    retry_after: float | None = 2.0  # the 429's Retry-After in seconds; None: no header
    fault_scope: str = "all"  # which routes the counters apply to: all | submit | query
    timeout_seconds: float = 0.0  # delay used by `timeouts`
    timeouts: int = 0  # next N requests in scope sleep timeout_seconds, then answer normally
    invalid_json: int = 0  # next N requests in scope answer 200 with an HTML body
    unauthorized: int = 0  # next N requests in scope answer 401 (new-api style body)
    # Submits answer code 22 and wait N extra steps in NOT_START behind N tasks of other
    # users, listed by GET /mj/task/queue just ahead of them, which start one per step.
    queue_position: int | None = None
    queue_full: bool = False  # submits answer code 23
    banned_words: list[str] = field(default_factory=lambda: ["bannedword"])  # -> code 24
    fail_midway: bool = False  # new tasks fail at ~50% (per prompt: "sim:fail")
    never_finish: bool = False  # new tasks hang IN_PROGRESS (per prompt: "sim:stuck")
    list_unsupported: bool = False  # list-by-condition answers HTTP 404
    queue_unsupported: bool = False  # GET /mj/task/queue answers HTTP 404 (trueai v10+)
    cancel_unsupported: bool = False  # POST /mj/task/{id}/cancel answers HTTP 404
    omit_from_list: set[str] = field(default_factory=set)  # ids list-by-condition leaves out
    result_as_number: bool = False  # submit `result` as a JSON number
    billing_unsupported: bool = False  # /v1/dashboard/billing/* answer HTTP 404
    drop_notify_hook: bool = False  # notifyHook callbacks are not made (lost, or a relay)
    swapface_unsupported: bool = False  # insight-face/swap answers code 4 "服务不支持"
    video_in_image_url: bool = False  # video results: the video in imageUrl, no videoUrl
    video_bytes: int = 0  # video results are padded to at least this many bytes
    uploads_unsupported: bool = False  # POST /mj/submit/upload-discord-images answers 404
    chat_errors: int = 0  # next N chat completions answer HTTP 500
    chat_timeouts: int = 0  # next N chat completions answer after timeout_seconds
    chat_mangled: int = 0  # next N chat answers lose their [[n]] placeholders
    chat_unsupported: bool = False  # /v1/chat/completions answers HTTP 404
    # The next N submits make their task, and their answer is lost: "hang" holds the
    # request unanswered (the client times out, or is killed meanwhile), "drop" closes
    # the connection without an answer.
    lose_submit_answers: int = 0
    lost_answer: str = "hang"
    task_query_unsupported: bool = False  # POST /mj/task/query answers HTTP 404
    task_list_unsupported: bool = False  # GET /mj/task/list answers HTTP 404

    def take(self, counter: str, scope: str) -> bool:
        """Consume one unit of `counter` if it applies to a route of `scope`."""
        if counter not in COUNTERS:
            raise ValueError(f"unknown counter {counter!r}")
        if self.fault_scope not in ("all", scope):
            return False
        return self._consume(counter)

    def take_chat(self, counter: str) -> bool:
        """Consume one unit of a chat counter."""
        if counter not in CHAT_COUNTERS:
            raise ValueError(f"unknown chat counter {counter!r}")
        return self._consume(counter)

    def _consume(self, counter: str) -> bool:
        with _LOCK:
            left = getattr(self, counter)
            if left <= 0:
                return False
            setattr(self, counter, left - 1)
            return True

    def banned_word_in(self, text: str) -> str | None:
        lowered = text.lower()
        return next((w for w in self.banned_words if w and w.lower() in lowered), None)

    def reset(self) -> None:
        """Back to defaults, in place, so references held elsewhere stay valid."""
        fresh = Faults()
        with _LOCK:
            for f in fields(self):
                setattr(self, f.name, getattr(fresh, f.name))

    def update(self, data: Mapping[str, Any]) -> None:
        """Apply a partial update (e.g. a JSON body); all-or-nothing, ValueError if invalid."""
        changes = {name: _coerce(name, value) for name, value in data.items()}
        with _LOCK:
            for name, value in changes.items():
                setattr(self, name, value)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {f.name: getattr(self, f.name) for f in fields(self)}
        out["banned_words"] = list(self.banned_words)
        out["omit_from_list"] = sorted(self.omit_from_list)
        return out


def _coerce(name: str, value: Any) -> Any:
    if name in COUNTERS or name in CHAT_COUNTERS:
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f"{name} must be a non-negative integer")
        return value
    if name in _BOOLS:
        if not isinstance(value, bool):
            raise ValueError(f"{name} must be a boolean")
        return value
    if name == "lost_answer":
        if value not in LOST_ANSWERS:
            raise ValueError(f"lost_answer must be one of {', '.join(LOST_ANSWERS)}")
        return value
    if name == "video_bytes":
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError("video_bytes must be a non-negative integer")
        return value
    if name == "fault_scope":
        if value not in SCOPES:
            raise ValueError(f"fault_scope must be one of {', '.join(SCOPES)}")
        return value
    if name == "timeout_seconds":
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise ValueError("timeout_seconds must be a non-negative number")
        return float(value)
    if name == "retry_after":
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int | float) or value < 0
        ):
            raise ValueError("retry_after must be a non-negative number or null")
        return None if value is None else float(value)
    if name == "queue_position":
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise ValueError("queue_position must be an integer or null")
        return value if value else None
    if name in ("banned_words", "omit_from_list"):
        if not isinstance(value, list | set | tuple) or not all(isinstance(v, str) for v in value):
            raise ValueError(f"{name} must be a list of strings")
        return list(value) if name == "banned_words" else set(value)
    raise ValueError(f"unknown fault {name!r}")
