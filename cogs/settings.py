"""/settings [mode] [model] [suffix] [private] [remix] [variation]: the user's own
defaults, always answered privately; without options it shows them, with buttons."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.app_commands import locale_str as _
from discord.ext import commands

from bot.core.mj.schemas import BotType, SpeedMode
from bot.core.preferences import (
    MAX_SUFFIX_CHARS,
    PreferenceChange,
    Preferences,
    VariationStrength,
)
from bot.ui.admin_views import NO_MENTIONS
from bot.ui.replies import answer_error
from bot.ui.settings_view import clickable_setting_button, settings_text, settings_view
from cogs.choices import MODEL_HELP, MODELS, MODES
from cogs.installs import user_installable

CLEAR = "-"  # suffix:- removes the suffix
VARIATIONS = [
    app_commands.Choice(name=_("Vary strong"), value=VariationStrength.STRONG.value),
    app_commands.Choice(name=_("Vary subtle"), value=VariationStrength.SUBTLE.value),
]


class SettingsCommand(commands.Cog):
    def __init__(self, preferences: Preferences, bot: discord.Client) -> None:
        self._preferences = preferences
        self._bot = bot
        self._buttons = clickable_setting_button(self._on_button)

    async def cog_load(self) -> None:
        self._bot.add_dynamic_items(self._buttons)

    @app_commands.command(
        name="settings", description=_("Your defaults: speed, model, a suffix, private results")
    )
    @app_commands.describe(
        mode=_("Speed mode of your jobs"),
        model=MODEL_HELP,
        suffix=_("Text added to the end of every prompt (- removes it)"),
        private=_("Only you see your jobs and results"),
        remix=_("Edit the prompt before variations, rerolls and pans"),
        variation=_("What the V buttons do"),
    )
    @app_commands.choices(mode=MODES, model=MODELS, variation=VARIATIONS)
    @user_installable
    async def settings(
        self,
        interaction: discord.Interaction,
        mode: app_commands.Choice[str] | None = None,
        model: app_commands.Choice[str] | None = None,
        suffix: app_commands.Range[str, 1, MAX_SUFFIX_CHARS] | None = None,
        private: bool | None = None,
        remix: bool | None = None,
        variation: app_commands.Choice[str] | None = None,
    ) -> None:
        change = PreferenceChange(
            mode=SpeedMode(mode.value) if mode else None,
            bot_type=BotType(model.value) if model else None,
            suffix=suffix if suffix is not None and suffix.strip() != CLEAR else None,
            clear_suffix=suffix is not None and suffix.strip() == CLEAR,
            private=private,
            remix=remix,
            variation=VariationStrength(variation.value) if variation else None,
        )
        user_id, locale = interaction.user.id, str(interaction.locale)
        if change.empty:
            prefs = await self._preferences.of(user_id)
        else:
            prefs = await self._preferences.change(user_id, change)
        await interaction.response.send_message(
            settings_text(prefs, locale, saved=not change.empty),
            view=settings_view(prefs, locale),
            ephemeral=True,
            allowed_mentions=NO_MENTIONS,
        )

    async def _on_button(self, interaction: discord.Interaction, change: PreferenceChange) -> None:
        """A settings button: change one field and redraw the same (private) message."""
        try:
            prefs = await self._preferences.change(interaction.user.id, change)
            locale = str(interaction.locale)
            await interaction.response.edit_message(
                content=settings_text(prefs, locale, saved=True),
                view=settings_view(prefs, locale),
                allowed_mentions=NO_MENTIONS,
            )
        except Exception as exc:  # discord.py would only log it: the user must hear back
            await answer_error(interaction, exc)
