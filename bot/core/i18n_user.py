"""Texts of the user's own controls (/settings, /history, /show, Cancel, Seed, private
results by DM) in English and Simplified Chinese (merged into `bot.core.i18n`)."""

from __future__ import annotations

USER_TEXT: dict[str, tuple[str, str]] = {
    # on every job message
    "result.footer": ("Job {job}", "任务 {job}"),
    "mode.fast": ("fast", "快速"),
    "mode.relax": ("relax", "慢速"),
    "mode.turbo": ("turbo", "极速"),
    "button.cancel": ("Cancel", "取消"),
    "button.seed": ("Seed", "种子"),
    # /settings
    "settings.title": ("**Your settings**", "**你的设置**"),
    "settings.mode": ("Speed: **{value}**", "速度：**{value}**"),
    "settings.model": ("Model: **{value}**", "模型：**{value}**"),
    "settings.suffix": ("Suffix: {value}", "提示词后缀：{value}"),
    "settings.private": ("Private results: **{value}**", "结果仅自己可见：**{value}**"),
    "settings.remix": (
        "Remix (edit the prompt before V, 🔄 and pan): **{value}**",
        "Remix（变体、重绘、平移前先编辑提示词）：**{value}**",
    ),
    "settings.variation": ("V buttons: **{value}**", "V 按钮变化强度：**{value}**"),
    "settings.variation_default": ("as the aggregator sets it", "服务商默认"),
    "settings.variation_reset": ("Aggregator's variation", "服务商默认变化"),
    "settings.default": ("the server's default", "服务器默认"),
    "settings.no_suffix": ("none", "无"),
    "settings.on": ("on", "开"),
    "settings.off": ("off", "关"),
    "settings.saved": ("Saved. These apply to your next jobs.", "已保存，将用于你之后的任务。"),
    "settings.hint": (
        "Press a button, or use `/settings` with options. Options you give on a command "
        "still win over these.",
        "点击按钮，或带选项使用 `/settings`。命令中给出的选项优先于这些设置。",
    ),
    "settings.clear_suffix": ("Clear suffix", "清除后缀"),
    "settings.server_mode": ("Server's speed", "服务器默认速度"),
    "settings.server_model": ("Server's model", "服务器默认模型"),
    "settings.private_on": ("Private: on", "仅自己可见：开"),
    "settings.private_off": ("Private: off", "仅自己可见：关"),
    "settings.remix_on": ("Remix: on", "Remix：开"),
    "settings.remix_off": ("Remix: off", "Remix：关"),
    "variation.strong": ("Vary strong", "强变化"),
    "variation.subtle": ("Vary subtle", "弱变化"),
    # /history
    "history.title": ("**Your jobs** ({total})", "**你的任务**（共 {total} 个）"),
    "history.empty": (
        "You have no jobs yet. Start one with /imagine.",
        "你还没有任务。用 /imagine 开始吧。",
    ),
    "history.page": ("Page {page} of {pages}", "第 {page} / {pages} 页"),
    "history.message": ("message", "消息"),
    "history.private": ("private", "仅自己可见"),
    "kind.IMAGINE": ("Imagine", "绘图"),
    "kind.BLEND": ("Blend", "混图"),
    "kind.DESCRIBE": ("Describe", "图生文"),
    "kind.SHORTEN": ("Shorten", "精简"),
    "kind.ACTION": ("Button", "按钮"),
    "status.PENDING": ("submitting", "提交中"),
    "status.WAITING": ("waiting", "等待中"),
    "status.QUEUED": ("queued, {ahead} ahead", "排队中，前面 {ahead} 个"),
    "status.IN_PROGRESS": ("running, {progress}%", "进行中，{progress}%"),
    "status.MODAL": ("waiting for your input", "等待你的输入"),
    "status.SUCCESS": ("done", "完成"),
    "status.FAILURE": ("failed", "失败"),
    "status.CANCEL": ("cancelled", "已取消"),
    # /show
    "show.running": (
        "Job {job} is not finished yet ({status}); its message updates by itself: {link}",
        "任务 {job} 尚未完成（{status}），它的消息会自动更新：{link}",
    ),
    "show.no_link": ("(no message)", "（无消息）"),
    # Cancel and Seed
    "seed.answer": (
        "Seed of job {job}: **{seed}**\nAdd `--seed {seed}` to a prompt to get images close "
        "to these.",
        "任务 {job} 的种子：**{seed}**\n在提示词末尾加上 `--seed {seed}`，可生成与之相近的图片。",
    ),
    # private results
    "dm.note": (
        "Your private job {job}: here in your DMs, since a private reply can only be "
        "updated for 15 minutes.",
        "你的私密任务 {job}：私密回复只能在 15 分钟内更新，因此转到私信。",
    ),
    "dm.continued": ("Continued in your DMs.", "已转到你的私信继续。"),
    "dm.closed": (
        "Your DMs are closed, so this private message stops updating in a few minutes. "
        "When the job is done, find it with /history or `/show job:{job}`.",
        "你的私信未开启，这条私密消息几分钟后将不再更新。任务完成后，请用 /history 或 "
        "`/show job:{job}` 查看。",
    ),
    # refusals
    "error.suffix_too_long": (
        "The suffix is too long ({length} characters, at most {max}).",
        "后缀过长（{length} 个字符，最多 {max} 个）。",
    ),
    "error.job_unknown": ("There is no job {job}.", "找不到任务 {job}。"),
    "error.not_your_job": (
        "Job {job} is not yours: only admins can show other people's jobs.",
        "任务 {job} 不属于你：只有管理员可以查看他人的任务。",
    ),
    "error.already_finished": ("This job has already finished.", "该任务已经结束。"),
    "error.cancel_refused": (
        "The aggregator would not cancel this job ({why}); it goes on.",
        "服务商拒绝取消该任务（{why}），任务将继续。",
    ),
    "error.cancel_unsupported": (
        "This aggregator cannot cancel jobs; it goes on.",
        "该服务商不支持取消任务，任务将继续。",
    ),
    "error.seed_unavailable": (
        "The aggregator could not give this job's seed ({why}).",
        "服务商无法提供该任务的种子（{why}）。",
    ),
}
