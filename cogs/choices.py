"""The speed and model choices every job command offers (and /settings)."""

from __future__ import annotations

from discord import app_commands
from discord.app_commands import locale_str as _

from bot.core.mj.schemas import BotType, SpeedMode

SPEEDS = (SpeedMode.FAST, SpeedMode.RELAX, SpeedMode.TURBO)
MODES = [app_commands.Choice(name=_(m.value), value=m.value) for m in SPEEDS]
MODELS = [
    app_commands.Choice(name="Midjourney", value=BotType.MID_JOURNEY.value),
    app_commands.Choice(name="Niji", value=BotType.NIJI_JOURNEY.value),
]
MODE_HELP = _("Speed mode (default: yours, else the server's)")
MODEL_HELP = _("Midjourney or Niji")


def speed_of(choice: app_commands.Choice[str] | None) -> SpeedMode | None:
    return SpeedMode(choice.value) if choice else None


def model_of(choice: app_commands.Choice[str] | None) -> BotType | None:
    return BotType(choice.value) if choice else None
