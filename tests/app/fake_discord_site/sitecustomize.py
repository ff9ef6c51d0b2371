"""Tests only: a Python started with this folder on PYTHONPATH and FAKE_DISCORD_API_BASE set
sends discord.py's REST calls to the loopback Discord stand-in, as `running_fake_discord`
does in the test process (it patches `discord.http.Route.BASE`), and its gateway connection
to the stand-in's minimal gateway (tests/fakes/gateway.py). See tests/app/bot_process.py.
"""

import os

_base = os.environ.get("FAKE_DISCORD_API_BASE")
if _base:
    import discord.gateway
    import discord.http
    import yarl

    discord.http.Route.BASE = _base
    # discord.py opens its first gateway connection without asking where: the fake's.
    _root = _base.removesuffix("/api/v10").replace("http://", "ws://", 1)
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(_root + "/gateway/")
