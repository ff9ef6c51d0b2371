"""/balance and /redeem code: a user's own credits and limits, always answered privately.

New-user credits need nothing here: the bot marks every user as seen before any of
their interactions runs (MJBot, `Accounts.first_seen`)."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.app_commands import locale_str as _
from discord.ext import commands

from bot.core.accounts import Accounts
from bot.core.i18n import t
from bot.ui.admin_views import NO_MENTIONS, balance_text
from cogs.installs import user_installable

MAX_CODE_CHARS = 64


class Account(commands.Cog):
    def __init__(self, accounts: Accounts) -> None:
        self._accounts = accounts

    @app_commands.command(
        name="balance", description=_("Your credits, today's jobs and the limits that apply here")
    )
    @user_installable
    async def balance(self, interaction: discord.Interaction) -> None:
        view = await self._accounts.balance(interaction.user.id, interaction.guild_id)
        text = balance_text(view, str(interaction.locale))
        await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_MENTIONS)

    @app_commands.command(name="redeem", description=_("Add the credits of a code to your balance"))
    @app_commands.describe(code=_("The code, e.g. MJ7K-3QXP-9ZTA"))
    @user_installable
    async def redeem(
        self,
        interaction: discord.Interaction,
        code: app_commands.Range[str, 1, MAX_CODE_CHARS],
    ) -> None:
        # A bad or used code raises RequestRejectedError: the tree's error handler says so.
        wallet = await self._accounts.redeem(interaction.user.id, code)
        text = t(
            "redeem.done",
            str(interaction.locale),
            available=wallet.available,
            reserved=wallet.reserved,
        )
        await interaction.response.send_message(text, ephemeral=True)
