"""What /settings shows: the user's defaults as text, and buttons that change them.

The buttons are a DynamicItem (`mj:v1:set:<field>:<value>`), so a /settings message
keeps working after a restart; each click changes one field and redraws the message.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

import discord

from bot.core.i18n import t
from bot.core.mj.schemas import BotType, SpeedMode
from bot.core.preferences import PreferenceChange, UserPreferences, VariationStrength

SETTING_TEMPLATE = (
    r"mj:v1:set:(?P<field>mode|model|variation|private|remix|suffix):(?P<value>\w{1,20})"
)
DEFAULT = "default"
MODEL_NAMES = {BotType.MID_JOURNEY: "Midjourney", BotType.NIJI_JOURNEY: "Niji"}  # not translated
SettingHandler = Callable[[discord.Interaction, PreferenceChange], Awaitable[None]]


def settings_text(prefs: UserPreferences, locale: str | None, *, saved: bool = False) -> str:
    default = t("settings.default", locale)
    on, off = t("settings.on", locale), t("settings.off", locale)
    mode = t(f"mode.{prefs.mode.value}", locale) if prefs.mode else default
    model = MODEL_NAMES[prefs.bot_type] if prefs.bot_type else default
    variation = (
        t(f"variation.{prefs.variation.value}", locale)
        if prefs.variation
        else t("settings.variation_default", locale)
    )
    suffix = f"`{prefs.suffix}`" if prefs.suffix else t("settings.no_suffix", locale)
    lines = [
        t("settings.title", locale),
        t("settings.mode", locale, value=mode),
        t("settings.model", locale, value=model),
        t("settings.suffix", locale, value=suffix),
        t("settings.private", locale, value=on if prefs.private else off),
        t("settings.remix", locale, value=on if prefs.remix else off),
        t("settings.variation", locale, value=variation),
        "",
        t("settings.saved", locale) if saved else t("settings.hint", locale),
    ]
    return "\n".join(lines)


def change_of(field: str, value: str) -> PreferenceChange | None:
    """What a settings button changes; None for a custom_id this bot never made."""
    try:
        if field == "mode":
            return PreferenceChange(mode=SpeedMode.NONE if value == DEFAULT else SpeedMode(value))
        if field == "model":
            if value == DEFAULT:
                return PreferenceChange(clear_model=True)
            return PreferenceChange(bot_type=BotType(value))
        if field == "variation":
            if value == DEFAULT:
                return PreferenceChange(clear_variation=True)
            return PreferenceChange(variation=VariationStrength(value))
    except ValueError:
        return None
    if field == "private" and value in ("on", "off"):
        return PreferenceChange(private=value == "on")
    if field == "remix" and value in ("on", "off"):
        return PreferenceChange(remix=value == "on")
    if field == "suffix" and value == "clear":
        return PreferenceChange(clear_suffix=True)
    return None


class SettingButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=SETTING_TEMPLATE):
    """One settings button. Clicks arrive at the subclass `clickable_setting_button`
    makes, which knows who handles them."""

    def __init__(
        self,
        field: str,
        value: str,
        *,
        label: str | None = None,
        chosen: bool = False,
        row: int | None = None,
    ) -> None:
        super().__init__(
            discord.ui.Button(
                label=label or value,
                style=discord.ButtonStyle.primary if chosen else discord.ButtonStyle.secondary,
                custom_id=f"mj:v1:set:{field}:{value}",
                row=row,
            )
        )
        self.field = field
        self.value = value

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction,
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> SettingButton:
        return cls(match["field"], match["value"])  # parsing only, no I/O


def clickable_setting_button(on_change: SettingHandler) -> type[SettingButton]:
    class ClickableSettingButton(SettingButton, template=SETTING_TEMPLATE):
        async def callback(self, interaction: discord.Interaction) -> None:
            change = change_of(self.field, self.value)
            if change is None:  # not a button this bot made: say so rather than fail
                await interaction.response.send_message(
                    t("error.button_unknown", str(interaction.locale)), ephemeral=True
                )
                return
            await on_change(interaction, change)

    return ClickableSettingButton


def settings_view(prefs: UserPreferences, locale: str | None) -> discord.ui.View:
    view = discord.ui.View(timeout=None)

    def add(field: str, value: str, label: str, chosen: bool, row: int) -> None:
        view.add_item(SettingButton(field, value, label=label, chosen=chosen, row=row))

    for mode in (SpeedMode.FAST, SpeedMode.RELAX, SpeedMode.TURBO):
        add("mode", mode.value, t(f"mode.{mode.value}", locale).capitalize(), prefs.mode is mode, 0)
    add("mode", DEFAULT, t("settings.server_mode", locale), prefs.mode is None, 0)
    for bot_type in BotType:
        add("model", bot_type.value, MODEL_NAMES[bot_type], prefs.bot_type is bot_type, 1)
    add("model", DEFAULT, t("settings.server_model", locale), prefs.bot_type is None, 1)
    for strength in VariationStrength:
        label = t(f"variation.{strength.value}", locale)
        add("variation", strength.value, label, prefs.variation is strength, 2)
    add("variation", DEFAULT, t("settings.variation_reset", locale), prefs.variation is None, 2)
    private = "off" if prefs.private else "on"  # the button switches it
    add(
        "private",
        private,
        t(f"settings.private_{'on' if prefs.private else 'off'}", locale),
        prefs.private,
        3,
    )
    remix = "off" if prefs.remix else "on"
    add(
        "remix",
        remix,
        t(f"settings.remix_{'on' if prefs.remix else 'off'}", locale),
        prefs.remix,
        3,
    )
    if prefs.suffix:
        add("suffix", "clear", t("settings.clear_suffix", locale), False, 3)
    view.stop()  # the DynamicItem template dispatches clicks; no view store entry
    return view
