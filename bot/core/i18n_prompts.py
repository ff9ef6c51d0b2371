"""Texts of prompt translation, permutation prompts and `--repeat`, in English and
Simplified Chinese (merged into `bot.core.i18n`). Literal braces are doubled."""

from __future__ import annotations

PROMPTS_TEXT: dict[str, tuple[str, str]] = {
    # refusals: nothing was started
    "error.too_many_jobs": (
        "This prompt makes {count} jobs, and at most {max} can start from one prompt. "
        "Use fewer `{{a, b}}` options or a smaller `--repeat`. Nothing was started.",
        "此提示词会生成 {count} 个任务，一条提示词最多 {max} 个。请减少 `{{a, b}}` 中的选项"
        "或调小 `--repeat`。未发起任何任务。",
    ),
    "error.permutation_unbalanced": (
        "The prompt has a `{brace}` without its partner: close every `{{` with `}}`, or "
        "write `\\{{` and `\\}}` for braces meant literally. Nothing was started.",
        "提示词中的 `{brace}` 没有配对：每个 `{{` 都需要 `}}` 闭合，若要使用字面括号请写作 "
        "`\\{{` 和 `\\}}`。未发起任何任务。",
    ),
    "error.permutation_too_deep": (
        "The `{{...}}` groups are nested too deeply (at most {max} levels). Nothing was started.",
        "`{{...}}` 嵌套层数过多（最多 {max} 层）。未发起任何任务。",
    ),
    "error.repeat_invalid": (
        "`--repeat` (or `--r`) takes one whole number from 1 to {max}, once per prompt, "
        "e.g. `--repeat 3`. Nothing was started.",
        "`--repeat`（或 `--r`）每条提示词只能用一次，取值为 1 到 {max} 的整数，例如 "
        "`--repeat 3`。未发起任何任务。",
    ),
    # the confirmation of a prompt that makes several jobs
    "expand.title": ("**This prompt makes {count} jobs:**", "**此提示词将生成 {count} 个任务：**"),
    "expand.cost": (
        "They cost **{total}** credits in total ({price} each).",
        "共需 **{total}** 点（每个 {price} 点）。",
    ),
    "expand.question": (
        "Start them? Each gets its own message. This question expires <t:{at}:R>.",
        "是否开始？每个任务都有自己的消息。此确认将于<t:{at}:R>失效。",
    ),
    "expand.start": ("Start {count} jobs", "开始 {count} 个任务"),
    "expand.cancel": ("Cancel", "取消"),
    "expand.starting": ("Starting {count} jobs…", "正在发起 {count} 个任务…"),
    "expand.started": (
        "Started {count} jobs, each on its own message.",
        "已发起 {count} 个任务，每个任务都有自己的消息。",
    ),
    "expand.partly": (
        "Started {started} of {count} jobs; the other {left} did not start: {reason}",
        "已发起 {count} 个任务中的 {started} 个；其余 {left} 个未发起：{reason}",
    ),
    "expand.none": ("No job was started: {reason}", "未发起任何任务：{reason}"),
    "expand.cancelled": ("Cancelled: nothing was started.", "已取消，未发起任何任务。"),
    "expand.expired": (
        "This confirmation has expired (or the bot restarted since), so nothing was "
        "started. Run /imagine again.",
        "此确认已失效（或机器人已重启），未发起任何任务。请重新使用 /imagine。",
    ),
    "expand.used": (
        "This confirmation was already answered.",
        "此确认已经处理过了。",
    ),
    # on the job's message
    "translate.done": ("🌐 Translated from: {original}", "🌐 原文：{original}"),
    "translate.failed": (
        "⚠️ Not translated (the translation service failed): sent as written.",
        "⚠️ 翻译服务出错，未翻译，已按原文提交。",
    ),
    "translate.timed_out": (
        "⚠️ Not translated (the translation took too long): sent as written.",
        "⚠️ 翻译超时，未翻译，已按原文提交。",
    ),
}
