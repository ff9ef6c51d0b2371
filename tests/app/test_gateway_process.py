"""`python -m bot` as a real process on the loopback Discord stand-in's gateway: it comes
up, answers a command sent over the websocket, resumes after the connection drops without
losing the command sent meanwhile, and stops cleanly on SIGTERM."""

from __future__ import annotations

from pathlib import Path

from tests.app.bot_process import BotProcess
from tests.crash.rig import USERS, WITHIN, crash_rig


async def test_the_bot_process_serves_commands_over_the_gateway_across_a_drop(
    tmp_path: Path,
) -> None:
    async with crash_rig(tmp_path, seed=0) as rig:
        bot = await rig.start()  # answers a first command as it comes up
        assert rig.fake.gateway.connections[0].query["compress"] == "zlib-stream"

        assert await rig.fake.gateway.drop() == 1  # Discord closes the connection (4000)
        sent = await rig.send_imagine("after-the-drop", USERS[1])  # waits in the session
        await sent.inter.wait_answered(WITHIN)
        await rig.settle()
        assert [c.resumed for c in rig.fake.gateway.connections] == [False, True]
        assert bot.count("logged in as") == 1  # resumed, not a new session

        assert await rig.stop(BotProcess.terminate) == 0
        assert bot.count("stopped cleanly") == 1
        assert rig.fake.gateway.connections[-1].close_code is not None
        assert "crash-discord-token" not in bot.output and "sk-crash-key" not in bot.output
