"""Texts of the Vary (Region) editor in the browser (the link in Discord, the page and its
refusals) in English and Simplified Chinese (merged into `bot.core.i18n`)."""

from __future__ import annotations

WEB_TEXT: dict[str, tuple[str, str]] = {
    # the answer to the Vary (Region) button
    "editor.link_text": (
        "Paint the area to change in the editor. The link is for you alone: it works once, "
        "for 30 minutes.",
        "在编辑器中涂抹要修改的区域。此链接仅供你使用：30 分钟内有效，只能提交一次。",
    ),
    "editor.link_button": ("Open the editor", "打开编辑器"),
    "editor.link_used": (
        "Sent from the editor; the result follows here.",
        "已从编辑器提交，结果将显示在这里。",
    ),
    # the page
    "editor.title": ("Vary (Region)", "局部重绘"),
    "editor.hint": (
        "Paint over the part of the image to regenerate, edit the prompt, then send.",
        "涂抹图片中需要重新生成的部分，编辑提示词，然后提交。",
    ),
    "editor.tool_rect": ("Rectangle", "矩形"),
    "editor.tool_lasso": ("Lasso", "套索"),
    "editor.tool_brush": ("Brush", "画笔"),
    "editor.brush_size": ("Brush size", "画笔大小"),
    "editor.undo": ("Undo", "撤销"),
    "editor.clear": ("Clear", "清除"),
    "editor.prompt": ("Prompt", "提示词"),
    "editor.submit": ("Send", "提交"),
    "editor.loading": ("Loading the image…", "正在加载图片…"),
    "editor.sending": ("Sending…", "正在提交…"),
    "editor.sent": (
        "Sent. The result will appear in Discord; you can close this page.",
        "已提交。结果将显示在 Discord 中，你可以关闭此页面。",
    ),
    "editor.empty": ("Paint an area first.", "请先涂抹一个区域。"),
    "editor.image_failed": (
        "The image could not be loaded. Try again later.",
        "图片加载失败，请稍后再试。",
    ),
    "editor.network": (
        "The bot could not be reached. Try again.",
        "无法连接机器人，请重试。",
    ),
    # refusals (nothing was submitted)
    "editor.refused_title": ("This link cannot be used", "此链接无法使用"),
    "editor.unknown": (
        "This editor link is not valid: it may have been mistyped or changed. Press "
        "Vary (Region) in Discord again for a new one.",
        "此编辑器链接无效，可能输入有误或已被改动。请在 Discord 中再次点击“局部重绘”获取新链接。",
    ),
    "editor.expired": (
        "This editor link has expired (links work for 30 minutes). Press Vary (Region) in "
        "Discord again for a new one.",
        "此编辑器链接已过期（有效期 30 分钟）。请在 Discord 中再次点击“局部重绘”获取新链接。",
    ),
    "editor.used": (
        "This editor link was already used: each link sends once. Press Vary (Region) in "
        "Discord again to paint another area.",
        "此编辑器链接已使用过，每个链接只能提交一次。如需重绘其他区域，请在 Discord 中再次点击"
        "“局部重绘”。",
    ),
    "editor.not_yours": (
        "This request does not belong to this link: a link works only for the user it was "
        "made for, from its own page.",
        "此请求与该链接不符：链接只能由其所属用户在其自己的页面上使用。",
    ),
    "editor.bad_request": (
        "The painted area could not be read. Reload the page and try again.",
        "无法读取涂抹的区域，请刷新页面后重试。",
    ),
}
