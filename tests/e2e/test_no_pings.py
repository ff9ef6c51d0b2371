"""Text from users and the aggregator can hold @everyone, <@id> and <@&id>: every message
the bot sends or edits says that nobody is to be pinged, whatever path it takes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.sim import SimConfig
from tests.e2e.harness import harness

PINGS = "@everyone @here <@123456789012345678> <@&223456789012345678>"


def _message_bodies(requests: list[Any]) -> list[dict[str, Any]]:
    bodies = []
    for record in requests:
        body = record.json
        if isinstance(body, dict) and isinstance(body.get("data"), dict):
            body = body["data"]  # an interaction callback carries its message in "data"
        if isinstance(body, dict) and ("content" in body or "embeds" in body):
            bodies.append(body)
    return bodies


async def test_no_message_the_bot_sends_can_ping_anyone(tmp_path: Path) -> None:
    async with harness(tmp_path, sim_config=SimConfig(step_seconds=0.03)) as h:
        ok = await h.command("imagine", {"prompt": f"a harbour {PINGS}"})
        grid = await h.wait_final(ok.token)
        failing = await h.command("imagine", {"prompt": f"{PINGS} sim:fail"})
        await h.wait_final(failing.token)
        await h.command("shorten", {"prompt": f"{PINGS} a long prompt to shorten"})
        await h.command("history", {})
        h.fake.expire_token(ok.token)  # the next edits of that message go by the bot token
        u1 = next(b for b in grid.buttons() if b.label == "U1")
        click = await h.dispatch(h.factory.button_click(grid, u1.custom_id))
        await h.wait_final(click.token)
        await h.app.publisher.flush()
        bodies = _message_bodies(h.fake.requests)
        contents = " ".join(str(b.get("content")) for b in bodies)

    assert "@everyone" in contents and "<@&223456789012345678>" in contents  # shown as text
    assert len(bodies) > 5
    for body in bodies:
        assert body.get("allowed_mentions", {}).get("parse") == [], body
        assert not body["allowed_mentions"].get("users") and not body["allowed_mentions"].get(
            "roles"
        )
