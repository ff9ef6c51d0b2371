"""Tests only: a Python started with this folder on PYTHONPATH and FAKE_DISCORD_API_BASE set
sends discord.py's REST calls to the loopback Discord stand-in, and with
FAKE_DISCORD_GATEWAY its gateway connection too, as `running_fake_discord` does in the test
process (it patches `discord.http.Route.BASE` and the default gateway). See
tests/app/bot_process.py.
"""

import os

_base = os.environ.get("FAKE_DISCORD_API_BASE")
if _base:
    import discord.http

    discord.http.Route.BASE = _base

_gateway = os.environ.get("FAKE_DISCORD_GATEWAY")
if _gateway:
    import yarl
    from discord.gateway import DiscordWebSocket

    # Client.connect() starts at DEFAULT_GATEWAY (and goes back to it after an
    # INVALID_SESSION); AutoShardedClient asks GET /gateway/bot, which the fake answers.
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(_gateway)
