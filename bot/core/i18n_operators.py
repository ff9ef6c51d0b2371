"""Texts of credits, limits, admin commands, statistics and operator alerts, in English
and Simplified Chinese (merged into `bot.core.i18n`)."""

from __future__ import annotations

OPERATOR_TEXT: dict[str, tuple[str, str]] = {
    "balance.title": ("Your balance", "你的余额"),
    "balance.title_of": ("Balance of {user}", "{user} 的余额"),
    "balance.credits": (
        "Available: **{available}** credits · reserved by running jobs: **{reserved}**",
        "可用：**{available}** 点 · 进行中任务占用：**{reserved}** 点",
    ),
    "balance.credits_off": (
        "Credits are off on this bot: nothing is charged.",
        "此机器人未启用点数：不收取任何费用。",
    ),
    "balance.jobs_today": ("Jobs today: **{count}**", "今日任务：**{count}** 个"),
    "balance.jobs_today_of": (
        "Jobs today: **{count}** of {max}",
        "今日任务：**{count}** / {max} 个",
    ),
    "balance.limits": ("Limits that apply here", "此处适用的限制"),
    "balance.limits_exempt": (
        "Limits here: exempt (one of the bot's operators)",
        "此处的限制：豁免（机器人运营者）",
    ),
    "balance.resets": (
        "Daily limits reset <t:{at}:R> (00:00 UTC).",
        "每日限额将于<t:{at}:R>重置（UTC 0 点）。",
    ),
    "redeem.done": (
        "Code redeemed. Available now: **{available}** credits (reserved: {reserved}).",
        "兑换成功。当前可用：**{available}** 点（占用：{reserved} 点）。",
    ),
    "limit.max_concurrent_jobs_per_user": ("Jobs running at once", "同时进行的任务"),
    "limit.daily_jobs_per_user": ("Jobs per day (per user)", "每人每日任务数"),
    "limit.daily_jobs_per_server": ("Jobs per day (this server)", "本服务器每日任务数"),
    "limit.cooldown_seconds": ("Time between two jobs", "两次任务的最短间隔"),
    "limit.allowed_channel_ids": ("Channels", "允许的频道"),
    "limit.allowed_role_ids": ("Roles", "允许的身份组"),
    "limit.line": ("• {name}: {value}", "• {name}：{value}"),
    "limit.zero_unlimited": ("0 (unlimited)", "0（不限）"),
    "limit.no_cooldown": ("none", "无"),
    "limit.seconds": ("{seconds} s", "{seconds} 秒"),
    "limit.everywhere": ("every channel", "所有频道"),
    "limit.everyone": ("everyone", "所有人"),
    "source.settings": ("settings", "配置文件"),
    "source.server": ("this server", "本服务器"),
    "admin.granted": (
        "Gave **{amount}** credits to {user}. Available now: **{available}** "
        "(reserved: {reserved}).",
        "已向 {user} 发放 **{amount}** 点。当前可用：**{available}** 点（占用：{reserved} 点）。",
    ),
    "admin.revoked": (
        "Took **{taken}** credits from {user}. Available now: **{available}** "
        "(reserved: {reserved}).",
        "已从 {user} 扣除 **{taken}** 点。当前可用：**{available}** 点（占用：{reserved} 点）。",
    ),
    "admin.revoked_partly": (
        "Only available credits can be taken: {taken} of the {amount} asked.",
        "只能扣除可用点数：实际扣除 {taken} 点（要求 {amount} 点）。",
    ),
    "admin.credits_off_note": (
        "Note: credits are off on this bot (CREDITS_ENABLED), so nothing is charged yet.",
        "注意：此机器人未启用点数（CREDITS_ENABLED），目前不会扣费。",
    ),
    "admin.codes": (
        "{count} one-time codes worth {credits} credits each (also attached as {file}):",
        "{count} 个一次性兑换码，每个 {credits} 点（也已附为 {file}）：",
    ),
    "admin.banned": (
        "{user} is banned: their jobs and button presses are refused everywhere.",
        "已封禁 {user}：其在所有服务器的任务和按钮操作都将被拒绝。",
    ),
    "admin.already_banned": ("{user} was already banned.", "{user} 已处于封禁状态。"),
    "admin.ban_exempt_note": (
        "Note: {user} is in ADMIN_USER_IDS, and those users are exempt from bans and limits.",
        "注意：{user} 在 ADMIN_USER_IDS 中，这些用户不受封禁和限制。",
    ),
    "admin.unbanned": ("{user} is no longer banned.", "已解除对 {user} 的封禁。"),
    "admin.not_banned": ("{user} was not banned.", "{user} 未被封禁。"),
    "admin.limits_title": ("Limits in this server", "本服务器的限制"),
    "admin.limits_hint": (
        "Change one for this server with `/mjadmin limits setting value` "
        "(0 = unlimited; ids separated by commas, `-` for none).",
        "使用 `/mjadmin limits setting value` 修改本服务器的限制"
        "（0 表示不限；ID 以逗号分隔，`-` 表示清空）。",
    ),
    "admin.limit_set": (
        "`{setting}` is now {value} in this server.",
        "本服务器的 `{setting}` 已设为 {value}。",
    ),
    "admin.limits_need_both": (
        "To change a limit give both `setting` and `value`; give neither to list the limits.",
        "修改限制需同时提供 `setting` 和 `value`；两者都不提供则列出所有限制。",
    ),
    "admin.ledger_title": (
        "Ledger of {user}: page {page} of {pages}",
        "{user} 的账目：第 {page} 页，共 {pages} 页",
    ),
    "admin.ledger_empty": ("{user} has no ledger entries yet.", "{user} 暂无账目记录。"),
    "ledger.held": ("held {held}", "占用 {held}"),
    "ledger.job": ("job #{job}", "任务 #{job}"),
    "ledger.admin": ("by {admin}", "操作人 {admin}"),
    "reason.new_user": ("new user", "新用户赠送"),
    "reason.grant": ("grant", "发放"),
    "reason.revoke": ("revoke", "扣除"),
    "reason.redeem": ("redeem", "兑换"),
    "reason.reserve": ("reserve", "预留"),
    "reason.settle": ("settle", "结算"),
    "reason.refund": ("refund", "退还"),
    "stats.title": ("Usage statistics (UTC)", "使用统计（UTC）"),
    "stats.daily_title": ("📊 Daily summary (UTC)", "📊 每日汇总（UTC）"),
    "stats.today": ("Today", "今天"),
    "stats.week": ("Last 7 days", "最近 7 天"),
    "stats.none": ("No jobs.", "没有任务。"),
    "stats.jobs": ("Jobs", "任务"),
    "stats.by_status": ("Status", "状态"),
    "stats.status_success": ("succeeded", "成功"),
    "stats.status_failure": ("failed", "失败"),
    "stats.status_cancel": ("cancelled", "已取消"),
    "stats.status_pending": ("submitting", "提交中"),
    "stats.status_waiting": ("waiting", "等待中"),
    "stats.status_in_progress": ("running", "进行中"),
    "stats.status_modal": ("waiting for input", "等待输入"),
    "stats.credits": ("Credits", "点数"),
    "stats.spent": ("spent {n}", "消耗 {n}"),
    "stats.refunded": ("refunded {n}", "退还 {n}"),
    "stats.failures": ("Failed at the aggregator", "服务商失败"),
    "stats.median": ("Median time to result", "出图耗时中位数"),
    "stats.seconds": ("{n} s", "{n} 秒"),
    "stats.minutes": ("{n} min", "{n} 分钟"),
    "stats.top_users": ("Top users", "最活跃用户"),
    "stats.top_user": ("{user}: {count} jobs, {n} credits", "{user}：{count} 个任务，{n} 点"),
    "stats.quota": ("Aggregator quota", "服务商额度"),
    "stats.quota_value": ("{n} USD left of {max} USD", "剩余 {n} 美元（共 {max} 美元）"),
    "stats.quota_unknown": (
        "unknown (the aggregator has no billing endpoint)",
        "未知（服务商没有计费接口）",
    ),
    "alert.key_refused": (
        "⚠️ **The aggregator refused the bot's API key** ({reason}). Every job fails until "
        "MJ_API_KEY (and MJ_AUTH_STYLE) is fixed.",
        "⚠️ **服务商拒绝了机器人的 API 密钥**（{reason}）。修正 MJ_API_KEY（及 MJ_AUTH_STYLE）"
        "之前，所有任务都会失败。",
    ),
    "alert.down": (
        "🔴 **The aggregator is down**: every request has failed for {n} minutes "
        "(last error: {reason}).",
        "🔴 **服务商无法访问**：最近 {n} 分钟内所有请求均失败（最后的错误：{reason}）。",
    ),
    "alert.recovered": (
        "🟢 **The aggregator answers again**, after {n} minutes of failures.",
        "🟢 **服务商已恢复**，此前连续失败 {n} 分钟。",
    ),
}
