"""/mjadmin: one guild-only command group for server managers and the bot's operators.

Discord shows it to members with Manage Server (its default permission); the bot checks
again on every subcommand and every ledger page: Manage Server in that server, or a user
id in ADMIN_USER_IDS (`Accounts.is_admin`). Everyone else is refused privately and
nothing changes. Every reply is ephemeral; refusals are raised and answered by the
tree's error handler (bot.ui.replies.answer_error)."""

from __future__ import annotations

import io
import time

import discord
from discord import app_commands
from discord.app_commands import locale_str as _
from discord.ext import commands

from bot.core.accounts import MAX_AMOUNT, MAX_CODES, Accounts
from bot.core.i18n import t
from bot.core.limits import LimitSetting
from bot.core.stats import QuotaSource, StatsService, render_stats
from bot.core.validation import Rejection, RequestRejectedError
from bot.ui.admin_views import (
    NO_MENTIONS,
    balance_text,
    clickable_ledger_button,
    ledger_text,
    ledger_view,
    limit_value,
    limits_text,
    mention,
)
from bot.ui.alerts import split_message
from bot.ui.replies import answer_error

SETTINGS = [app_commands.Choice(name=s.value, value=s.value) for s in LimitSetting]
MAX_LIMIT_CHARS = 1000
CODES_FILE = "codes.txt"

Amount = app_commands.Range[int, 1, MAX_AMOUNT]


class Admin(commands.Cog):
    mjadmin = app_commands.Group(
        name="mjadmin",
        description=_("Credits, codes, bans and limits (server managers and bot operators)"),
        guild_only=True,
        default_permissions=discord.Permissions(manage_guild=True),
        allowed_contexts=app_commands.AppCommandContext(guild=True),
        allowed_installs=app_commands.AppInstallationType(guild=True),
    )

    def __init__(
        self,
        accounts: Accounts,
        bot: discord.Client,
        *,
        stats: StatsService,
        quota: QuotaSource | None = None,
    ) -> None:
        self._accounts = accounts
        self._bot = bot  # to register the ledger pager's buttons
        self._stats = stats
        self._quota = quota
        self._pager = clickable_ledger_button(self._on_ledger_page)

    async def cog_load(self) -> None:
        self._bot.add_dynamic_items(self._pager)

    async def cog_unload(self) -> None:
        self._bot.remove_dynamic_items(self._pager)

    def _require_admin(self, interaction: discord.Interaction) -> int:
        """The admin's user id; refuses anyone else (and any use outside a server)."""
        allowed = interaction.guild_id is not None and self._accounts.is_admin(
            interaction.user.id, manages_server=interaction.permissions.manage_guild
        )
        if not allowed:
            raise RequestRejectedError(Rejection.NOT_ADMIN)
        return interaction.user.id

    def _require_operator(self, interaction: discord.Interaction) -> int:
        """Credits and bans count in every server: only operators may move them."""
        admin = self._require_admin(interaction)
        if not self._accounts.is_operator(
            admin, manages_server=interaction.permissions.manage_guild
        ):
            raise RequestRejectedError(Rejection.NOT_OPERATOR)
        return admin

    def _require_reader(
        self, interaction: discord.Interaction, user: discord.User | discord.Member
    ) -> int:
        """A wallet is global: a server's managers see those of their own members."""
        admin = self._require_admin(interaction)
        member = isinstance(user, discord.Member) and user.guild.id == interaction.guild_id
        if not member and not self._accounts.is_operator(
            admin, manages_server=interaction.permissions.manage_guild
        ):
            raise RequestRejectedError(Rejection.NOT_OPERATOR)
        return admin

    async def _reply(
        self, interaction: discord.Interaction, text: str, *, credits_note: bool = False
    ) -> None:
        if credits_note and not self._accounts.credits_enabled:
            text += "\n" + t("admin.credits_off_note", str(interaction.locale))
        await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_MENTIONS)

    # -- credits ------------------------------------------------------------------------

    @mjadmin.command(name="grant", description=_("Give credits to a user"))
    @app_commands.describe(user=_("Who gets the credits"), amount=_("How many credits"))
    async def grant(
        self, interaction: discord.Interaction, user: discord.User, amount: Amount
    ) -> None:
        admin = self._require_operator(interaction)
        wallet = await self._accounts.grant(admin, user.id, amount)
        text = t(
            "admin.granted",
            str(interaction.locale),
            amount=amount,
            user=mention(user.id),
            available=wallet.available,
            reserved=wallet.reserved,
        )
        await self._reply(interaction, text, credits_note=True)

    @mjadmin.command(name="revoke", description=_("Take available credits from a user"))
    @app_commands.describe(user=_("Whose credits"), amount=_("How many credits at most"))
    async def revoke(
        self, interaction: discord.Interaction, user: discord.User, amount: Amount
    ) -> None:
        admin = self._require_operator(interaction)
        taken, wallet = await self._accounts.revoke(admin, user.id, amount)
        locale = str(interaction.locale)
        text = t(
            "admin.revoked",
            locale,
            taken=taken,
            user=mention(user.id),
            available=wallet.available,
            reserved=wallet.reserved,
        )
        if taken < amount:
            text += "\n" + t("admin.revoked_partly", locale, taken=taken, amount=amount)
        await self._reply(interaction, text, credits_note=True)

    @mjadmin.command(name="balance", description=_("A user's credits, jobs today and limits"))
    @app_commands.describe(user=_("Whose balance"))
    async def balance(self, interaction: discord.Interaction, user: discord.User) -> None:
        self._require_reader(interaction, user)
        view = await self._accounts.balance(user.id, interaction.guild_id)
        await self._reply(interaction, balance_text(view, str(interaction.locale), of_user=user.id))

    @mjadmin.command(name="codes", description=_("Make one-time codes that users redeem"))
    @app_commands.describe(count=_("How many codes"), credits=_("Credits of each code"))
    async def codes(
        self,
        interaction: discord.Interaction,
        count: app_commands.Range[int, 1, MAX_CODES],
        credits: Amount,
    ) -> None:
        admin = self._require_operator(interaction)
        made = await self._accounts.make_codes(admin, count, credits, guild_id=interaction.guild_id)
        body = "\n".join(made)
        header = t(
            "admin.codes", str(interaction.locale), count=count, credits=credits, file=CODES_FILE
        )
        text = f"{header}\n```\n{body}\n```"
        if not self._accounts.credits_enabled:
            text += "\n" + t("admin.credits_off_note", str(interaction.locale))
        file = discord.File(io.BytesIO((body + "\n").encode()), filename=CODES_FILE)
        await interaction.response.send_message(text, file=file, ephemeral=True)

    # -- bans -----------------------------------------------------------------------------

    @mjadmin.command(name="ban", description=_("Stop a user from starting jobs anywhere"))
    @app_commands.describe(user=_("Who to ban"))
    async def ban(self, interaction: discord.Interaction, user: discord.User) -> None:
        admin = self._require_operator(interaction)
        changed = await self._accounts.ban(admin, user.id, guild_id=interaction.guild_id)
        locale = str(interaction.locale)
        key = "admin.banned" if changed else "admin.already_banned"
        text = t(key, locale, user=mention(user.id))
        if self._accounts.is_admin(user.id, manages_server=False):
            text += "\n" + t("admin.ban_exempt_note", locale, user=mention(user.id))
        await self._reply(interaction, text)

    @mjadmin.command(name="unban", description=_("Let a banned user start jobs again"))
    @app_commands.describe(user=_("Who to unban"))
    async def unban(self, interaction: discord.Interaction, user: discord.User) -> None:
        admin = self._require_operator(interaction)
        changed = await self._accounts.unban(admin, user.id, guild_id=interaction.guild_id)
        key = "admin.unbanned" if changed else "admin.not_banned"
        await self._reply(interaction, t(key, str(interaction.locale), user=mention(user.id)))

    # -- limits ---------------------------------------------------------------------------

    @mjadmin.command(name="limits", description=_("Show the limits, or set one for this server"))
    @app_commands.describe(
        setting=_("The limit to set (leave both empty to list them)"),
        value=_("Its new value: a number (0 = unlimited), seconds, or ids separated by commas"),
    )
    @app_commands.choices(setting=SETTINGS)
    async def limits(
        self,
        interaction: discord.Interaction,
        setting: app_commands.Choice[str] | None = None,
        value: app_commands.Range[str, 1, MAX_LIMIT_CHARS] | None = None,
    ) -> None:
        admin = self._require_admin(interaction)
        guild_id = interaction.guild_id
        assert guild_id is not None  # _require_admin refuses anything outside a server
        locale = str(interaction.locale)
        if setting is None and value is None:
            limits = await self._accounts.limits(guild_id)
            await self._reply(interaction, limits_text(limits, locale))
            return
        if setting is None or value is None:
            await self._reply(interaction, t("admin.limits_need_both", locale))
            return
        chosen = LimitSetting(setting.value)
        operator = self._accounts.is_operator(
            admin, manages_server=interaction.permissions.manage_guild
        )
        changed = await self._accounts.set_limit(admin, guild_id, chosen, value, operator=operator)
        shown = limit_value(chosen, changed, locale)
        done = t("admin.limit_set", locale, setting=chosen.value, value=shown)
        await self._reply(interaction, f"{done}\n\n{limits_text(changed, locale)}")

    # -- the ledger -----------------------------------------------------------------------

    @mjadmin.command(name="ledger", description=_("A user's latest credit movements"))
    @app_commands.describe(user=_("Whose ledger"))
    async def ledger(self, interaction: discord.Interaction, user: discord.User) -> None:
        self._require_reader(interaction, user)
        locale = str(interaction.locale)
        page = await self._accounts.ledger_page(user.id, 0)
        text = ledger_text(page, user.id, locale)
        view = ledger_view(page, user.id, locale)
        if view is None:
            await self._reply(interaction, text)
            return
        await interaction.response.send_message(
            text, view=view, ephemeral=True, allowed_mentions=NO_MENTIONS
        )

    async def _on_ledger_page(
        self, interaction: discord.Interaction, user_id: int, page_number: int
    ) -> None:
        """Previous / next: the same message shows the other page (admins only)."""
        try:
            self._require_admin(interaction)
            locale = str(interaction.locale)
            page = await self._accounts.ledger_page(user_id, page_number)
            await interaction.response.edit_message(
                content=ledger_text(page, user_id, locale),
                view=ledger_view(page, user_id, locale),
                allowed_mentions=NO_MENTIONS,
            )
        except Exception as exc:  # discord.py would only log it: the admin must hear back
            await answer_error(interaction, exc)

    # -- /mjadmin stats ---------------------------------------------------------------------

    @mjadmin.command(
        name="stats", description=_("Jobs, credits and the aggregator: today and 7 days")
    )
    async def stats(self, interaction: discord.Interaction) -> None:
        admin = self._require_admin(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)  # quota: two requests
        # Bot-wide figures (other servers' users, the key's quota) are the operators';
        # a server's own managers see their server.
        operator = self._accounts.is_operator(
            admin, manages_server=interaction.permissions.manage_guild
        )
        guild_id = None if operator else interaction.guild_id
        report = await self._stats.report(time.time(), guild_id=guild_id)
        quota = await self._quota() if operator and self._quota is not None else None
        text = render_stats(report, str(interaction.locale), quota, with_quota=operator)
        for piece in split_message(text):
            await interaction.followup.send(piece, ephemeral=True, allowed_mentions=NO_MENTIONS)
