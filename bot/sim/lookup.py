"""`POST /mj/task/query` (novicezk plus's page query) and `GET /mj/task/list`: how a
client finds tasks it has no id for, e.g. by the `state` its lost submit carried.

The page query answers a Spring page (`content`, `totalElements`, `number`, `size`...);
`pageNumber` is 0-based, `sort` is `id,desc` (default) or `id,asc`. Filters: `ids`,
`state`, `action`, `status`, `statusSet` match exactly; `prompt`, `promptEn`,
`description` and `failReason` match a part of the text.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.sim.model import SimError, SimTask

Payload = dict[str, Any]
DEFAULT_PAGE_SIZE = 10
MAX_PAGE_SIZE = 100
_EXACT = ("state", "action", "status")
_PARTIAL = ("prompt", "promptEn", "description", "failReason")


def _int(body: Payload, name: str, default: int, low: int, high: int) -> int:
    value = body.get(name, default)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise SimError(4, f"{name}参数错误")
    return value


def _matches(task: Payload, body: Payload) -> bool:
    ids = body.get("ids")
    if isinstance(ids, list) and ids and task["id"] not in ids:
        return False
    statuses = body.get("statusSet")
    if isinstance(statuses, list) and statuses and task["status"] not in statuses:
        return False
    for name in _EXACT:
        wanted = body.get(name)
        if wanted not in (None, "") and task.get(name) != wanted:
            return False
    for name in _PARTIAL:
        wanted = body.get(name)
        if wanted not in (None, "") and str(wanted) not in str(task.get(name) or ""):
            return False
    return True


def query_page(
    tasks: list[SimTask], render: Callable[[SimTask], Payload], body: Payload
) -> Payload:
    """One page of the tasks matching the body's filters."""
    page = _int(body, "pageNumber", 0, 0, 1 << 30)
    size = _int(body, "pageSize", DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE)
    sort = body.get("sort") or "id,desc"
    if sort not in ("id,desc", "id,asc"):
        raise SimError(4, "sort参数错误")
    rendered = [render(task) for task in tasks]
    hits = sorted(
        (task for task in rendered if _matches(task, body)),
        key=lambda task: int(task["id"]),
        reverse=sort == "id,desc",
    )
    content = hits[page * size : (page + 1) * size]
    pages = (len(hits) + size - 1) // size
    return {
        "content": content,
        "totalElements": len(hits),
        "totalPages": pages,
        "number": page,
        "size": size,
        "numberOfElements": len(content),
        "first": page == 0,
        "last": page >= pages - 1,
        "empty": not content,
    }


def task_list(tasks: list[SimTask], render: Callable[[SimTask], Payload]) -> list[Payload]:
    """Every task, the newest first."""
    return [render(task) for task in sorted(tasks, key=lambda t: int(t.id), reverse=True)]
