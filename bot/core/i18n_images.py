"""Texts of several image prompts, style and character references, /describe by link and
the message context menus, in English and Simplified Chinese (merged into `bot.core.i18n`)."""

from __future__ import annotations

IMAGES_TEXT: dict[str, tuple[str, str]] = {
    "error.named_image_not_supported": (
        "`{name}` is not a PNG, JPEG, WEBP or GIF picture.",
        "`{name}` 不是 PNG、JPEG、WEBP 或 GIF 图片。",
    ),
    "error.named_image_too_large": (
        "`{name}` is larger than {max_mb} MB.",
        "`{name}` 超过 {max_mb} MB。",
    ),
    "error.named_image_unreadable": (
        "`{name}` could not be downloaded from Discord. Please try again.",
        "无法从 Discord 下载 `{name}`，请重试。",
    ),
    "error.references_unsupported": (
        "This bot's aggregator cannot take style or character references (`sref`, `cref`): "
        "it has no image upload. Nothing was submitted or charged; image prompts still work.",
        "此机器人的服务商不支持风格参考或角色参考（`sref`、`cref`）：它没有图片上传接口。"
        "未提交任何任务，也未扣除点数；图片提示仍可使用。",
    ),
    "error.references_unavailable": (
        "Style and character references (`sref`, `cref`) need the aggregator's image upload, "
        "which is not answering right now. Nothing was submitted or charged; please try "
        "again in a few minutes (image prompts still work).",
        "风格参考和角色参考（`sref`、`cref`）需要服务商的图片上传接口，但它现在没有响应。"
        "未提交任何任务，也未扣除点数；请几分钟后重试（图片提示仍可使用）。",
    ),
    "error.upload_slow": (
        "The aggregator did not answer in time.",
        "服务商未能及时响应。",
    ),
    "error.upload_failed": (
        "Your images could not be uploaded to the aggregator, so nothing was submitted "
        "and nothing charged. {reason}",
        "你的图片无法上传到服务商，因此未提交任务，也未扣除点数。{reason}",
    ),
    "error.describe_needs_one": (
        "Give `/describe` either an `image` or a `link`, one of the two.",
        "请为 `/describe` 提供 `image` 或 `link` 其中之一。",
    ),
    "error.link_invalid": (
        "The link must be a plain http:// or https:// address of an image on the public "
        "internet (no other kind, no user name or password, no local or private address, "
        "at most {max} characters).",
        "链接必须是公网上普通的 http:// 或 https:// 图片地址"
        "（不支持其他类型，不能包含用户名或密码，不能是本机或内网地址，最多 {max} 个字符）。",
    ),
    "error.menu_one_job": (
        "From this menu a prompt makes one job: `{{a, b}}` options and `--repeat` work in "
        "/imagine (attach the image there). Nothing was started.",
        "从此菜单发起时一条提示词只生成一个任务：`{{a, b}}` 选项和 `--repeat` 请在 /imagine 中使用"
        "（在那里附上图片）。未发起任何任务。",
    ),
    "error.no_image_in_message": (
        "That message has no image to use: it needs an attached picture "
        "(or an image Discord shows in an embed).",
        "该消息中没有可用的图片：需要有附件图片（或 Discord 在嵌入内容中显示的图片）。",
    ),
    "error.menu_expired": (
        "That form was opened too long ago (or before the bot restarted). "
        "Right-click the message and choose Apps → Use as image prompt again.",
        "该表单打开太久（或在机器人重启之前打开）。请再次右键该消息，选择 应用 → 用作图片提示。",
    ),
}
