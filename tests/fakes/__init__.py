"""Loopback fakes for driving a real discord.py bot in end-to-end tests.

Start with `running_fake_discord()` (tests/fakes/discord_server.py) and build interactions with
`InteractionFactory` + `dispatch` (tests/fakes/interactions.py). A bot that connects (a real
`python -m bot` process, tests/app/bot_process.py) gets them through the fake's gateway
instead: `await fake.gateway.deliver(payload)` (tests/fakes/gateway.py).
"""

from .discord_server import FakeDiscord, running_fake_discord
from .interactions import InteractionFactory, dispatch
from .lifecycle import logged_in
from .models import (
    ButtonInfo,
    FakeAttachment,
    FakeInteraction,
    FakeMessage,
    OpenedModal,
    RequestRecord,
    Violation,
)

__all__ = [
    "ButtonInfo",
    "FakeAttachment",
    "FakeDiscord",
    "FakeInteraction",
    "FakeMessage",
    "InteractionFactory",
    "OpenedModal",
    "RequestRecord",
    "Violation",
    "dispatch",
    "logged_in",
    "running_fake_discord",
]
