"""A whole session with errors, then every log line, every payload the bot sent Discord
and every request it sent the aggregator is searched for the Discord token and the API
key (and their last 8 characters). Only the auth headers may hold them."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from bot.sim import SimConfig
from tests.e2e.harness import API_KEY, BOT_TOKEN, harness

NEEDLES = (BOT_TOKEN, API_KEY, BOT_TOKEN[-8:], API_KEY[-8:])


async def test_no_secret_leaves_the_bot_but_in_its_auth_headers(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with harness(tmp_path, sim_config=SimConfig(step_seconds=0.03)) as h:
        ok = await h.command("imagine", {"prompt": "a quiet harbour"})
        grid = await h.wait_final(ok.token)
        failing = await h.command("imagine", {"prompt": "this will sim:fail"})
        await h.wait_final(failing.token)
        await h.command("imagine", {"prompt": "a bannedword here"})
        h.sim.faults.unauthorized = 1  # the aggregator refuses the key once
        await h.command("imagine", {"prompt": "refused key"})
        h.sim.faults.http_500 = 1
        await h.command("shorten", {"prompt": "a server error"})
        h.fake.expire_token(ok.token)  # later edits of that message use the bot token
        u1 = next(b for b in grid.buttons() if b.label == "U1")
        click = await h.dispatch(h.factory.button_click(grid, u1.custom_id))
        await h.wait_final(click.token)
        seed = next(b for b in grid.buttons() if b.label == "Seed")
        await h.dispatch(h.factory.button_click(grid, seed.custom_id))
        await h.app.publisher.flush()

        sent_to_discord = [
            json.dumps([r.path, r.query, r.json, r.error], default=str) for r in h.fake.requests
        ]
        sent_to_aggregator = [json.dumps(r.body_json, default=str) for r in h.sim.records()]
        messages = [m.content + json.dumps(m.embeds) for m in h.fake.messages.values()]

    formatter = logging.Formatter("%(name)s %(message)s")  # with tracebacks and extras
    logged = [formatter.format(r) + json.dumps(r.__dict__, default=str) for r in caplog.records]
    assert len(logged) > 50 and len(sent_to_discord) > 20 and len(sent_to_aggregator) > 10
    for where, texts in (
        ("logs", logged),
        ("Discord requests", sent_to_discord),
        ("messages", messages),
        ("aggregator requests", sent_to_aggregator),
    ):
        for text in texts:
            for needle in NEEDLES:
                assert needle not in text, f"a secret in the {where}: {text[:200]}"
