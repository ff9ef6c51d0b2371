"""Tests only: a Python started with this folder on PYTHONPATH and FAKE_DISCORD_API_BASE set
sends discord.py's REST calls to the loopback Discord stand-in, as `running_fake_discord`
does in the test process (it patches `discord.http.Route.BASE`). See tests/app/bot_process.py.
"""

import os

_base = os.environ.get("FAKE_DISCORD_API_BASE")
if _base:
    import discord.http

    discord.http.Route.BASE = _base
