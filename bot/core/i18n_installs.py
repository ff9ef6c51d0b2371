"""Texts of user installs (the app used where the bot is not a member: its messages can
only be updated for 15 minutes, then they continue in the user's DMs), in English and
Simplified Chinese (merged into `bot.core.i18n`)."""

from __future__ import annotations

INSTALL_TEXT: dict[str, tuple[str, str]] = {
    # the line on every edit of a job moved to the user's DMs
    "install.dm_note": (
        "Job {job}: here in your DMs, since the bot is not in the place you asked from "
        "and can only update its reply there for 15 minutes.",
        "任务 {job}：机器人不在你发起任务的地方，只能在 15 分钟内更新那里的回复，因此转到私信。",
    ),
    # what the job's message in that place says once the job moved
    "install.continued": (
        "Job {job} continues in its owner's DMs: this app can update its message here "
        "for 15 minutes only.",
        "任务 {job} 已转到发起者的私信继续：本应用只能在 15 分钟内更新这里的消息。",
    ),
    "install.dms_closed": (
        "Your DMs are closed, so this message stops updating in a few minutes (the bot "
        "is not in this place). When the job is done, find it with /history or "
        "`/show job:{job}`.",
        "你的私信未开启，而机器人不在这里，这条消息几分钟后将不再更新。任务完成后，请用 "
        "/history 或 `/show job:{job}` 查看。",
    ),
    # /history, for a result that could not be shown on its message nor in the DMs
    "history.undelivered": (
        "not delivered: `/show job:{job}` shows it",
        "未能送达：用 `/show job:{job}` 查看",
    ),
}
