"""A bot core in a process of its own, to be killed: `python -m tests.crash.worker DB URL N`.

It records and submits N imagine jobs from five users (credits on, one credit each) while
the tracker follows them, printing "submitted <i>" as it goes, until it is killed.
"""

from __future__ import annotations

import asyncio
import sys

import httpx
from pydantic import SecretStr

from bot.app import Core, build_core
from bot.core.admission import Admission
from bot.core.credits import Credits
from bot.core.limits import Limits, LimitValues
from bot.core.mj.client import MJClient
from bot.core.models import MessageRef, Origin
from bot.core.pricing import Prices
from bot.core.starter import JobLimits
from bot.core.storage import SqlStorage, open_storage

USERS = (11, 12, 13, 14, 15)


def crash_core(storage: SqlStorage, http: httpx.AsyncClient, base_url: str) -> Core:
    """The core as both the killed process and the restarted one build it."""
    client = MJClient(http, base_url=base_url, api_key=SecretStr("crash-test-key"))
    admission = Admission(
        Limits(LimitValues(max_concurrent_jobs_per_user=0)), Credits(Prices(), enabled=True)
    )
    return build_core(
        client,
        storage,
        limits=JobLimits(),
        poll_interval=0.05,
        deadline_seconds=600,
        admission=admission,
    )


async def main(db_path: str, base_url: str, count: int) -> None:
    storage = await open_storage(path=db_path)
    async with httpx.AsyncClient(timeout=10) as http:
        core = crash_core(storage, http, base_url)
        await core.tracker.start()
        for i in range(count):
            origin = Origin(
                user_id=USERS[i % len(USERS)], message=MessageRef(channel_id=1, message_id=i)
            )
            prompt = "sim:fail crash" if i % 4 == 3 else f"crash test {i}"
            await core.jobs.imagine(origin, prompt)
            print(f"submitted {i}", flush=True)
        print("all submitted", flush=True)
        await asyncio.Event().wait()  # until killed


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3])))
