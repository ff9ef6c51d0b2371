"""Pure rendering: (job, buttons, locale) -> MessagePayload. No I/O."""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import replace

from bot.core.buttons import ButtonRoute, classify
from bot.core.i18n import t
from bot.core.media import gives_video
from bot.core.models import (
    INTERRUPTED_REASON,
    TIMED_OUT_REASON,
    UNCONFIRMED_REASON,
    Job,
    JobKind,
    JobStatus,
    StoredButton,
)
from bot.core.payload import (
    CANCEL_BUTTON,
    MAX_CONTENT,
    MODAL_BUTTON,
    SEED_BUTTON,
    ButtonSpec,
    EmbedSpec,
    MessagePayload,
    clip,
)
from bot.core.prompts import describe_prompts, shortened_prompts
from bot.core.translation_note import translation_note

MAX_ROWS = 5
MAX_PER_ROW = 5
MAX_DESCRIPTION = 4096
FAILED_COLOUR = 0xE74C3C
RESULT_COLOUR = 0x5865F2
_KEYCAPS = ("1️⃣", "2️⃣", "3️⃣", "4️⃣", "5️⃣")
_UPSCALE = re.compile(r"MJ::JOB::upsample::(\d)::")


def render(
    job: Job,
    buttons: Sequence[StoredButton] = (),
    locale: str | None = None,
    *,
    pressed: Collection[int] = (),
) -> MessagePayload:
    """`pressed`: indices of buttons that already started a job (shown coloured, as
    Midjourney does)."""
    locale = locale or job.locale
    headline = _headline(job, locale)
    status = job.status
    if status is JobStatus.SUCCESS:
        return _success(job, buttons, _content(job, headline, None, locale), locale, pressed)
    if status in (JobStatus.FAILURE, JobStatus.CANCEL):
        embed = EmbedSpec(description=_fail_text(job, locale), colour=FAILED_COLOUR)
        return MessagePayload(
            content=_content(job, headline, None, locale), embed=embed, final=True
        )
    if status is JobStatus.MODAL:
        edit = ButtonSpec(job.id, MODAL_BUTTON, t("button.edit_prompt", locale), "✏️", 1, 0)
        text = _content(job, headline, t("state.modal", locale), locale)
        return MessagePayload(content=text, buttons=(edit,), final=True)
    cancel = _cancel_button(job, locale)
    if status is JobStatus.IN_PROGRESS:
        state = t("state.progress", locale, progress=job.progress)
        text = _content(job, headline, state, locale)
        return MessagePayload(content=text, image_url=job.image_url, buttons=cancel)
    if job.queue_position:
        state = t("state.queued", locale, ahead=job.queue_position)
    else:
        state = t("state.waiting", locale)
    return MessagePayload(content=_content(job, headline, state, locale), buttons=cancel)


def _content(job: Job, headline: str, state: str | None, locale: str, *, reserve: int = 0) -> str:
    """`**prompt** - @user (state) (fast)`, then the job number in small print (for
    /show and /history); `reserve`: characters kept free for a line added later."""
    line = headline
    if state:
        line += f" ({state})"
    mode = job.options.get("mode")
    if mode and mode != "none":
        line += f" ({t(f'mode.{mode}', locale)})"
    footer = f"-# {t('result.footer', locale, job=job.id)}"
    note = translation_note(job.options, locale, _escape)  # TRANSLATE_PROMPTS=auto
    if note:
        footer = f"{note}\n{footer}"
    return clip(line, MAX_CONTENT - len(footer) - 1 - reserve) + "\n" + footer


def _cancel_button(job: Job, locale: str) -> tuple[ButtonSpec, ...]:
    if job.task_id is None or job.status not in (JobStatus.WAITING, JobStatus.IN_PROGRESS):
        return ()
    return (ButtonSpec(job.id, CANCEL_BUTTON, t("button.cancel", locale), "✖️", 4, 0),)


def _headline(job: Job, locale: str) -> str:
    user = f"<@{job.user_id}>"
    if job.kind is JobKind.BLEND:
        subject = t("result.blend", locale)
    elif job.kind is JobKind.DESCRIBE:
        subject = t("result.describe_title", locale)
    elif job.kind is JobKind.SWAPFACE:
        subject = t("result.swapface", locale)
    else:
        subject = _escape(job.prompt) or t("result.blend", locale)
    label = _action_label(job, locale)
    parts = [f"**{subject}**", "-"]
    if label:
        parts.append(label)
    parts.append(user)
    return " ".join(parts)


def _action_label(job: Job, locale: str) -> str:
    if job.kind is not JobKind.ACTION:
        return ""
    custom_id = str(job.options.get("custom_id", ""))
    upscale = _UPSCALE.match(custom_id)
    if upscale:
        return t("result.upscale", locale, n=upscale.group(1))
    label = str(job.options.get("label") or job.options.get("emoji") or "")
    return label


def _success(
    job: Job,
    buttons: Sequence[StoredButton],
    content: str,
    locale: str,
    pressed: Collection[int],
) -> MessagePayload:
    if job.kind in (JobKind.DESCRIBE, JobKind.SHORTEN):
        specs = layout_buttons(job.id, buttons, pressed=pressed)
        return _prompt_list(job, content, specs, locale)
    if gives_video(job):
        return _video(job, buttons, content, locale, pressed)
    seed = ButtonSpec(job.id, SEED_BUTTON, t("button.seed", locale), "🌱", 2, 0)
    seeded = job.task_id and job.kind is not JobKind.SWAPFACE  # no Midjourney seed there
    specs = layout_buttons(job.id, buttons, pressed=pressed, extra=(seed,) if seeded else ())
    return MessagePayload(
        content=content,
        image_url=job.image_url,
        attach_image=job.image_url is not None,
        image_name=f"mj_{job.task_id or job.id}.png",
        buttons=specs,
        final=True,
    )


def _video(
    job: Job,
    buttons: Sequence[StoredButton],
    content: str,
    locale: str,
    pressed: Collection[int],
) -> MessagePayload:
    """The video file attached (the publisher checks the bytes), with the task's own
    buttons (Extend, ...); no Seed: a video has no image seed."""
    link = t("result.video_link", locale, url=job.image_url) if job.image_url else None
    if link:  # room for the link, should the file not be attached
        content = _content(job, _headline(job, locale), None, locale, reserve=len(link) + 1)
    return MessagePayload(
        content=content,
        image_url=job.image_url,
        attach_image=job.image_url is not None,
        image_name=f"mj_{job.task_id or job.id}.mp4",
        buttons=layout_buttons(job.id, buttons, pressed=pressed),
        final=True,
        video_link=link,
    )


def _prompt_list(
    job: Job, content: str, specs: tuple[ButtonSpec, ...], locale: str
) -> MessagePayload:
    if job.kind is JobKind.SHORTEN:
        prompts, title = shortened_prompts(job.final_prompt), t("result.shorten_title", locale)
    else:
        prompts, title = describe_prompts(job.final_prompt), t("result.describe_title", locale)
    lines = [
        f"{_KEYCAPS[i] if i < len(_KEYCAPS) else f'{i + 1}.'} {p}" for i, p in enumerate(prompts)
    ]
    description = "\n\n".join(lines) or (job.final_prompt or "")
    embed = EmbedSpec(
        title=title,
        description=clip(description, MAX_DESCRIPTION),
        colour=RESULT_COLOUR,
        thumbnail_url=job.image_url if job.kind is JobKind.DESCRIBE else None,
    )
    return MessagePayload(content=content, embed=embed, buttons=specs, final=True)


def _fail_text(job: Job, locale: str) -> str:
    if job.status is JobStatus.CANCEL:
        return t("state.cancelled", locale)
    if job.fail_reason == TIMED_OUT_REASON:
        return t("state.timed_out", locale)
    if job.fail_reason == INTERRUPTED_REASON:
        return t("state.interrupted", locale)
    if job.fail_reason == UNCONFIRMED_REASON:
        return t("state.unconfirmed", locale)
    return clip(t("state.failed", locale, reason=job.fail_reason or "?"), MAX_DESCRIPTION)


# ---------------------------------------------------------------- buttons


def _family(custom_id: str) -> str:
    """Buttons of one family share a row, as on Midjourney's own messages."""
    if custom_id.startswith(("MJ::JOB::upsample::", "MJ::JOB::reroll::")):
        return "grid-upscale"
    if custom_id.startswith("MJ::JOB::variation::"):
        return "grid-variation"
    if custom_id.startswith("MJ::JOB::upsample_"):
        return "upscale"
    if custom_id.startswith(("MJ::JOB::low_variation", "MJ::JOB::high_variation", "MJ::Inpaint")):
        return "vary"
    if custom_id.startswith(("MJ::Outpaint::", "MJ::CustomZoom::")):
        return "zoom"
    if custom_id.startswith("MJ::JOB::pan_"):
        return "pan"
    if custom_id.startswith("MJ::JOB::animate_"):
        return "animate"  # Animate on an image, Extend on a video
    if custom_id.startswith("MJ::JOB::video_"):
        return "video"
    return "other"


def layout_buttons(
    job_id: int,
    buttons: Sequence[StoredButton],
    *,
    pressed: Collection[int] = (),
    extra: Sequence[ButtonSpec] = (),
) -> tuple[ButtonSpec, ...]:
    """Actionable buttons in rows of at most five, a new row per family (U/🔄, V, Vary...);
    the bot's own `extra` buttons (Seed) in a row of their own after them, where there
    is room."""
    usable = [b for b in buttons if classify(b).route is not ButtonRoute.UNSUPPORTED]
    rows: list[list[StoredButton]] = []
    previous = None
    for button in usable:
        family = _family(button.custom_id)
        if not rows or len(rows[-1]) >= MAX_PER_ROW or family != previous:
            rows.append([])
        rows[-1].append(button)
        previous = family
    if len(rows) > MAX_ROWS:  # too many families: pack densely instead
        rows = [usable[i : i + MAX_PER_ROW] for i in range(0, len(usable), MAX_PER_ROW)]
        rows = rows[:MAX_ROWS]
    specs = [
        ButtonSpec(job_id, str(b.index), b.label, b.emoji, _style(b, pressed), row)
        for row, members in enumerate(rows)
        for b in members
    ]
    if extra:
        if len(rows) < MAX_ROWS:
            specs += [replace(spec, row=len(rows)) for spec in extra]
        elif len(rows[-1]) + len(extra) <= MAX_PER_ROW:
            specs += [replace(spec, row=MAX_ROWS - 1) for spec in extra]
    return tuple(specs)


def _style(button: StoredButton, pressed: Collection[int]) -> int:
    style = button.style if button.style in (1, 2, 3, 4) else 2
    if button.index in pressed:  # Midjourney colours a button once it has been used
        return 1 if style == 2 else 3
    return style


def _escape(text: str) -> str:
    # Prompts are shown in bold: keep users' asterisks and underscores literal.
    return re.sub(r"([*_~`|\\])", r"\\\1", text)
