"""Texts of the fault handling (a channel that refuses the bot, ...), in English and
Simplified Chinese (merged into `bot.core.i18n`)."""

from __future__ import annotations

FAULTS_TEXT: dict[str, tuple[str, str]] = {
    # a public job whose channel no longer lets the bot post: it goes on in the user's DMs
    "dm.channel_refused": (
        "Your job {job}: here in your DMs, since the bot may no longer post in the channel "
        "where you started it.",
        "你的任务 {job}：机器人已无法在你发起任务的频道发消息，因此转到私信。",
    ),
}
