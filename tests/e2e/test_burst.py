"""Many commands at once: each is answered within Discord's 3 s, before the work of any
job begins, so the last of a burst is not pushed late by the records and submits of the
first ones."""

from __future__ import annotations

import asyncio
import copy

from bot.discord_bot import DISCORD_CONNECTIONS
from bot.ui.ack_first import AckFirst
from bot.ui.publisher import DELIVERY_SLOTS
from tests.e2e.harness import Harness

BURST = 60


async def test_a_burst_is_acknowledged_before_any_job_is_recorded(h: Harness) -> None:
    payloads = [
        h.factory.slash_command("imagine", {"prompt": f"burst {n}"}, user_id=50_000 + n)
        for n in range(BURST)
    ]
    inters = [h.fake.interaction(p["token"]) for p in payloads]
    state = h.bot._connection
    for payload in payloads:  # as the gateway hands them over, with no wait between
        state.parse_interaction_create(copy.deepcopy(payload))

    def shown() -> bool:
        originals = [h.fake.original_response(p["token"]) for p in payloads]
        return all(m is not None and not m.loading for m in originals)

    await h.wait(shown, "every job's first state", within=30)
    jobs = await h.jobs()
    assert len(jobs) == BURST
    # Each deferred ("thinking...") in time: the stand-in refuses a callback after 3 s.
    assert [i.callback_type for i in inters] == [5] * BURST
    last_ack = max(i.callback_at.timestamp() for i in inters if i.callback_at)
    assert last_ack <= min(job.created_at for job in jobs)


async def test_connections_to_discord_are_pooled(h: Harness) -> None:
    assert h.bot.http.connector.limit == DISCORD_CONNECTIONS  # not discord.py's unlimited
    # Edits and uploads never take every connection from new commands' acknowledgements.
    assert DELIVERY_SLOTS < DISCORD_CONNECTIONS


async def test_work_after_an_acknowledgement_waits_for_the_others() -> None:
    acks = AckFirst(most_wait=30.0)
    order: list[str] = []
    answered = asyncio.Event()

    async def slow_ack() -> None:
        with acks.acknowledging():
            await answered.wait()
            order.append("second acknowledged")

    async def first_command() -> None:
        with acks.acknowledging():
            order.append("first acknowledged")
        await acks.after_acks()
        order.append("first job starts")

    slow = asyncio.create_task(slow_ack())
    first = asyncio.create_task(first_command())
    await asyncio.sleep(0.05)
    assert order == ["first acknowledged"]  # held while the other is being answered
    answered.set()
    await asyncio.gather(slow, first)
    assert order == ["first acknowledged", "second acknowledged", "first job starts"]
    await asyncio.wait_for(acks.after_acks(), 1)  # none pending: at once


async def test_a_stuck_acknowledgement_holds_other_work_back_only_briefly() -> None:
    acks = AckFirst(most_wait=0.05)
    stuck = asyncio.Event()

    async def never_answered() -> None:
        with acks.acknowledging():
            await stuck.wait()

    task = asyncio.create_task(never_answered())
    await asyncio.sleep(0)
    assert acks.pending == 1
    await asyncio.wait_for(acks.after_acks(), 5)  # gives up waiting after most_wait
    stuck.set()
    await task
    assert acks.pending == 0
