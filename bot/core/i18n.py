"""User-facing text in English and Simplified Chinese, chosen by the interaction's locale."""

from __future__ import annotations

from typing import Any

EN = "en"
ZH = "zh"

_TEXT: dict[str, tuple[str, str]] = {
    # job states
    "state.waiting": ("Waiting to start", "等待开始"),
    "state.queued": ("Queued, {ahead} ahead", "排队中，前面还有 {ahead} 个任务"),
    "state.progress": ("{progress}%", "{progress}%"),
    "state.modal": (
        "Waiting for your input: press ✏️ to edit the prompt",
        "等待你的输入：点击 ✏️ 编辑提示词",
    ),
    "state.failed": ("Failed: {reason}", "失败：{reason}"),
    "state.cancelled": ("Cancelled", "已取消"),
    "state.timed_out": (
        "Failed: the aggregator did not finish in time",
        "失败：服务商未能按时完成任务",
    ),
    "state.interrupted": (
        "Failed: the bot restarted before the task was confirmed; nothing more will happen",
        "失败：机器人在任务确认前重启，此任务不会继续",
    ),
    "result.upscale": ("Image #{n}", "图片 #{n}"),
    "result.describe_title": ("Describe", "图生文"),
    "result.shorten_title": ("Shortened prompts", "精简提示词"),
    "result.blend": ("Blend", "混图"),
    "button.edit_prompt": ("Edit prompt", "编辑提示词"),
    # modals
    "modal.prompt_title": ("Imagine", "绘图"),
    "modal.zoom_title": ("Custom Zoom", "自定义缩放"),
    "modal.region_title": ("Vary (Region)", "局部重绘"),
    "modal.remix_title": ("Remix prompt", "Remix 提示词"),
    "modal.prompt_label": ("Prompt", "提示词"),
    "modal.region_label": ("Region to repaint", "重绘区域"),
    "modal.region_hint": (
        "left, right, top, bottom, center, or x1,y1,x2,y2 in % (e.g. 10,10,60,60)",
        "left/right/top/bottom/center，或百分比 x1,y1,x2,y2（如 10,10,60,60）",
    ),
    # refusals
    "error.prompt_empty": ("The prompt is empty.", "提示词不能为空。"),
    "error.prompt_too_long": (
        "The prompt is too long ({length} characters, at most {max}).",
        "提示词过长（{length} 个字符，最多 {max} 个）。",
    ),
    "error.image_count": (
        "Please give between {min} and {max} images (you gave {count}).",
        "请提供 {min} 到 {max} 张图片（你提供了 {count} 张）。",
    ),
    "error.image_not_supported": (
        "Image {position} is not a PNG, JPEG, WEBP or GIF picture.",
        "第 {position} 张图片不是 PNG、JPEG、WEBP 或 GIF 格式。",
    ),
    "error.image_too_large": (
        "Image {position} is larger than {max_mb} MB.",
        "第 {position} 张图片超过 {max_mb} MB。",
    ),
    "error.image_unreadable": (
        "Image {position} could not be downloaded from Discord. Please try again.",
        "无法从 Discord 下载第 {position} 张图片，请重试。",
    ),
    "error.not_owner": (
        "Only {owner} can use these buttons.",
        "只有 {owner} 可以使用这些按钮。",
    ),
    "error.button_unknown": (
        "This button no longer belongs to a known job.",
        "这个按钮对应的任务已不存在。",
    ),
    "error.button_unsupported": (
        "This button is not supported by the bot.",
        "机器人不支持这个按钮。",
    ),
    "error.already_pressed": (
        "Already on it: that button was just pressed.",
        "已在处理：这个按钮刚刚被点击过。",
    ),
    "error.job_not_ready": (
        "That job is not ready for this yet.",
        "该任务当前还不能执行此操作。",
    ),
    "error.region_invalid": (
        "I could not read that region. Use left, right, top, bottom, center or x1,y1,x2,y2.",
        "无法识别该区域。请使用 left/right/top/bottom/center 或 x1,y1,x2,y2。",
    ),
    "error.banned_user": (
        "You are not allowed to use this bot.",
        "你已被禁止使用此机器人。",
    ),
    "error.channel_not_allowed": (
        "Jobs cannot be started in this channel. Ask an admin which channels are open.",
        "此频道不能发起任务，请询问管理员可用的频道。",
    ),
    "error.role_not_allowed": (
        "You need one of the roles this server allows to start jobs.",
        "你需要拥有本服务器允许的身份组才能发起任务。",
    ),
    "error.cooldown": (
        "Cooldown: one job every {seconds} s. You can start the next one <t:{at}:R>.",
        "冷却中：每 {seconds} 秒只能发起一个任务，<t:{at}:R>后可再次发起。",
    ),
    "error.too_many_running": (
        "You already have {max} jobs running (the limit). Wait until one finishes.",
        "你已有 {max} 个任务在进行（上限）。请等待其中一个完成。",
    ),
    "error.daily_limit": (
        "You reached today's limit of {max} jobs. It resets <t:{at}:R> (00:00 UTC).",
        "你已达到今日 {max} 个任务的上限，将于<t:{at}:R>重置（UTC 0 点）。",
    ),
    "error.server_daily_limit": (
        "This server used its {max} jobs for today. It resets <t:{at}:R> (00:00 UTC).",
        "本服务器今日的 {max} 个任务额度已用完，将于<t:{at}:R>重置（UTC 0 点）。",
    ),
    "error.no_credits": (
        "Not enough credits: this costs {price} and you have {available}. "
        "Use /redeem with a code, or ask an admin.",
        "点数不足：本次需要 {price} 点，你有 {available} 点。可使用 /redeem 兑换，或联系管理员。",
    ),
    "error.code_invalid": (
        "That code is not valid or was already used.",
        "兑换码无效或已被使用。",
    ),
    "error.not_admin": (
        "Only server managers and the bot's operators can use /mjadmin.",
        "只有服务器管理员和机器人运营者可以使用 /mjadmin。",
    ),
    "error.not_operator": (
        "Only the bot's operators (ADMIN_USER_IDS) can give or take credits, make codes "
        "or ban: wallets and bans count in every server.",
        "只有机器人运营者（ADMIN_USER_IDS）可以发放或扣除点数、生成兑换码或封禁用户：点数与封禁在所有服务器通用。",
    ),
    "error.amount_invalid": (
        "The number must be between {min} and {max}.",
        "数值必须在 {min} 到 {max} 之间。",
    ),
    "error.limit_value_invalid": (
        "That is not a value for {setting}: use a whole number (0 = unlimited), "
        "seconds, or Discord ids separated by commas; `default` goes back to the settings.",
        "{setting} 的取值无效：请使用整数（0 表示不限）、秒数，或以逗号分隔的 Discord ID；"
        "输入 `default` 恢复默认设置。",
    ),
    "error.credits_off": (
        "Credits are not used on this bot: nothing is charged.",
        "此机器人未启用点数：不收取任何费用。",
    ),
    "error.banned": (
        "The aggregator refused the prompt: banned word “{word}”.",
        "提示词被拒绝：包含敏感词“{word}”。",
    ),
    "error.banned_unknown": (
        "The aggregator refused the prompt as not allowed.",
        "提示词被拒绝：包含不允许的内容。",
    ),
    "error.queue_full": (
        "The aggregator's queue is full. Please try again in a minute.",
        "服务商队列已满，请稍后再试。",
    ),
    "error.rate_limited": (
        "The aggregator is busy. Please try again in a minute.",
        "服务商繁忙，请稍后再试。",
    ),
    "error.misconfigured": (
        "The bot is misconfigured (its API key was refused). The server owner has been told.",
        "机器人配置有误（API 密钥被拒绝），已通知管理员。",
    ),
    "error.maybe_submitted": (
        "The aggregator did not answer in time; the task may still have started. "
        "Please check before trying again.",
        "服务商响应超时，任务可能已经开始。请确认后再重试。",
    ),
    "error.unavailable": (
        "The aggregator is not reachable right now. Please try again later.",
        "暂时无法连接服务商，请稍后再试。",
    ),
    "error.refused": ("The aggregator refused: {reason}", "服务商拒绝了请求：{reason}"),
    "error.unexpected": (
        "Something went wrong on our side. Please try again.",
        "出现了内部错误，请重试。",
    ),
    # /balance and /redeem
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
    # limits, as users and admins read them
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
    # /mjadmin
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
    "button.previous": ("Previous", "上一页"),
    "button.next": ("Next", "下一页"),
    # operator statistics (/mjadmin stats, daily summary) and alerts
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


def language(locale: str | None) -> str:
    """Discord locale ("zh-CN", "en-US", ...) to one of our two languages."""
    return ZH if locale and locale.lower().startswith("zh") else EN


def t(key: str, locale: str | None, **params: Any) -> str:
    english, chinese = _TEXT[key]
    template = chinese if language(locale) == ZH else english
    return template.format(**params)


def keys() -> list[str]:
    return list(_TEXT)


def templates(key: str) -> tuple[str, str]:
    """The English and Chinese text of a key, placeholders unfilled (for checks)."""
    return _TEXT[key]
