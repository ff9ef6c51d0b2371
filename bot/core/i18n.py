"""User-facing text in English and Simplified Chinese, chosen by the interaction's locale."""

from __future__ import annotations

from typing import Any

from bot.core.i18n_images import IMAGES_TEXT
from bot.core.i18n_installs import INSTALL_TEXT
from bot.core.i18n_operators import OPERATOR_TEXT
from bot.core.i18n_prompts import PROMPTS_TEXT
from bot.core.i18n_swapface import SWAPFACE_TEXT
from bot.core.i18n_user import USER_TEXT
from bot.core.i18n_web import WEB_TEXT

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
    "state.unconfirmed": (
        "Failed: the aggregator never confirmed the submit; any credits were refunded",
        "失败：服务商始终未确认提交；已退还点数",
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
    "error.image_too_many_pixels": (
        "Image {position} has too many pixels (at most {max_mp} megapixels).",
        "第 {position} 张图片像素过多（最多 {max_mp} 百万像素）。",
    ),
    "error.image_damaged": (
        "Image {position} is damaged or incomplete. Please upload it again.",
        "第 {position} 张图片已损坏或不完整，请重新上传。",
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
        "You need one of the roles allowed to start jobs (in a server: not in DMs).",
        "你需要拥有允许发起任务的身份组（仅在服务器中，私信中不可用）。",
    ),
    "error.cooldown": (
        "Cooldown: one job every {seconds} s. You can start the next one <t:{at}:R>.",
        "冷却中：每 {seconds} 秒只能发起一个任务，<t:{at}:R>后可再次发起。",
    ),
    "error.too_many_running": (
        "You already have {max} jobs running or waiting for your input (the limit). "
        "Wait until one finishes, or answer or let go of a waiting one.",
        "你已有 {max} 个任务在进行或等待你的输入（上限）。请等待其中一个完成，或处理等待中的任务。",
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
    "error.owner_no_credits": (
        "The owner of this image pays for its buttons and has not enough credits.",
        "此图片的按钮由其所有者付费，但所有者的点数不足。",
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
    "error.limit_looser": (
        "Only the bot's operators can loosen {setting} (set to {default} for the bot); "
        "you can make it stricter for this server.",
        "只有机器人运营者可以放宽 {setting}（机器人设置为 {default}）；"
        "你可以为本服务器设置更严格的值。",
    ),
    "error.limit_set_by_operator": (
        "The bot's operators set {setting} to {value} for this server; only they can change it.",
        "机器人运营者已为本服务器将 {setting} 设为 {value}；只有运营者可以修改。",
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
    # limits, as users and admins read them
    # /mjadmin
    "button.previous": ("Previous", "上一页"),
    "button.next": ("Next", "下一页"),
    # operator statistics (/mjadmin stats, daily summary) and alerts
    **OPERATOR_TEXT,
    # the user's own controls
    **USER_TEXT,
    # the Vary (Region) editor in the browser
    **WEB_TEXT,
    # /swapface and video results
    **SWAPFACE_TEXT,
    # several image prompts, references, /describe link, the message context menus
    **IMAGES_TEXT,
    # prompt translation, permutations and --repeat
    **PROMPTS_TEXT,
    # user installs: where the bot is not a member
    **INSTALL_TEXT,
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
