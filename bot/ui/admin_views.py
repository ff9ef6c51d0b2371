"""What /balance, /redeem and /mjadmin show: balances, limits and the ledger, as text in
the reader's language, and the ledger's previous / next buttons.

The pager is a DynamicItem whose custom_id carries the user and the page
(`mj:v1:ledger:<user>:<page>`; "ledger" never matches the job buttons' `mj:v1:<job>:...`),
so it keeps working after a restart: the page is read from the database at each click.
"""

from __future__ import annotations

from typing import Any

import discord

from bot.core.accounts import BalanceView, LedgerPage
from bot.core.i18n import t
from bot.core.limits import EffectiveLimits, LimitSetting, format_limit
from bot.core.models import LedgerEntry, Wallet
from bot.ui.pager import PageHandler, clickable_pager, pager_view

LEDGER_PREFIX = "mj:v1:ledger"
MAX_CONTENT = 2000  # Discord's limit for a message's content
# Replies name users, roles and channels; nobody is pinged by them.
NO_MENTIONS = discord.AllowedMentions.none()


def mention(user_id: int) -> str:
    return f"<@{user_id}>"


def fit(text: str) -> str:
    return text if len(text) <= MAX_CONTENT else text[: MAX_CONTENT - 1] + "…"


# -- balances and limits ------------------------------------------------------------------


def wallet_text(wallet: Wallet, locale: str | None) -> str:
    return t("balance.credits", locale, available=wallet.available, reserved=wallet.reserved)


def limit_value(setting: LimitSetting, limits: EffectiveLimits, locale: str | None) -> str:
    """One limit's value as people read it: 0 is "unlimited", ids are mentions."""
    value = getattr(limits.values, setting.value)
    if setting is LimitSetting.ALLOWED_CHANNEL_IDS:
        return ", ".join(f"<#{i}>" for i in sorted(value)) or t("limit.everywhere", locale)
    if setting is LimitSetting.ALLOWED_ROLE_IDS:
        return ", ".join(f"<@&{i}>" for i in sorted(value)) or t("limit.everyone", locale)
    if setting is LimitSetting.COOLDOWN_SECONDS:
        if not value:
            return t("limit.no_cooldown", locale)
        return t("limit.seconds", locale, seconds=format_limit(value))
    return str(value) if value else t("limit.zero_unlimited", locale)


def balance_text(view: BalanceView, locale: str | None, *, of_user: int | None = None) -> str:
    """/balance (of_user None) and /mjadmin balance user."""
    title = (
        t("balance.title", locale)
        if of_user is None
        else t("balance.title_of", locale, user=mention(of_user))
    )
    lines = [f"**{title}**"]
    if view.wallet is None:
        lines.append(t("balance.credits_off", locale))
    else:
        lines.append(wallet_text(view.wallet, locale))
    daily = view.limits.values.daily_jobs_per_user
    if daily and not view.exempt:
        lines.append(t("balance.jobs_today_of", locale, count=view.jobs_today, max=daily))
    else:
        lines.append(t("balance.jobs_today", locale, count=view.jobs_today))
    lines += ["", f"**{t('balance.limits_exempt' if view.exempt else 'balance.limits', locale)}**"]
    lines += [
        t(
            "limit.line",
            locale,
            name=t(f"limit.{setting.value}", locale),
            value=limit_value(setting, view.limits, locale),
        )
        for setting in LimitSetting
    ]
    lines.append(t("balance.resets", locale, at=view.resets_at))
    return fit("\n".join(lines))


def limits_text(limits: EffectiveLimits, locale: str | None) -> str:
    """/mjadmin limits: every limit by its setting name, its value and where it comes from."""
    lines = [f"**{t('admin.limits_title', locale)}**"]
    for setting in LimitSetting:
        source = t(f"source.{limits.sources[setting].value}", locale)
        lines.append(f"`{setting.value}` = {limit_value(setting, limits, locale)} · {source}")
    lines.append(t("admin.limits_hint", locale))
    return fit("\n".join(lines))


# -- the ledger ----------------------------------------------------------------------------


def entry_line(entry: LedgerEntry, locale: str | None) -> str:
    parts = [
        f"<t:{int(entry.created_at)}:f>",
        f"**{t(f'reason.{entry.reason.value}', locale)}** {entry.delta:+d}",
        t("ledger.held", locale, held=f"{entry.held:+d}"),
    ]
    if entry.job_id is not None:
        parts.append(t("ledger.job", locale, job=entry.job_id))
    if entry.admin_id is not None:
        parts.append(t("ledger.admin", locale, admin=mention(entry.admin_id)))
    return " · ".join(parts)


def ledger_text(page: LedgerPage, user_id: int, locale: str | None) -> str:
    if not page.entries:
        return t("admin.ledger_empty", locale, user=mention(user_id))
    title = t(
        "admin.ledger_title", locale, user=mention(user_id), page=page.page + 1, pages=page.pages
    )
    return fit("\n".join([f"**{title}**", *(entry_line(e, locale) for e in page.entries)]))


def clickable_ledger_button(on_page: PageHandler) -> type[discord.ui.DynamicItem[Any]]:
    """The ledger's pager class to register with the bot: its clicks go to `on_page`."""
    return clickable_pager(LEDGER_PREFIX, on_page)


def ledger_view(page: LedgerPage, user_id: int, locale: str | None) -> discord.ui.View | None:
    return pager_view(LEDGER_PREFIX, user_id, page.page, page.pages, locale)
