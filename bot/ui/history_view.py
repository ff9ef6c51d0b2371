"""What /history shows: one line per job, in the reader's language."""

from __future__ import annotations

from bot.core.history import HistoryPage
from bot.core.i18n import keys, t
from bot.core.models import Job, JobKind, JobStatus, MessageKind
from bot.ui.admin_views import MAX_CONTENT, fit

HISTORY_PREFIX = "mj:v1:history"
KIND_KEYS = frozenset(k for k in keys() if k.startswith("kind."))
PROMPT_CHARS = 60
# Ten lines with a 60-character prompt and a message link each can pass Discord's 2000
# characters: prompts get shorter (then go) until the page fits, lines are never cut.
_PROMPT_WIDTHS = (PROMPT_CHARS, 48, 36, 24, 12, 0)


def job_link(job: Job, locale: str | None) -> str:
    """A link to the job's message; a private (ephemeral) one has none to give."""
    message = job.message
    if job.status.is_settled and job.shown_status is not job.status and not message.bot_reachable:
        # Its message could not be updated (DMs closed, token gone): it is only here.
        return t("history.undelivered", locale, job=job.id)
    if message.ephemeral:
        return t("history.private", locale)
    if message.channel_id is None or message.message_id is None:
        return t("show.no_link", locale)
    in_dms = job.guild_id is None or message.kind is MessageKind.DM
    place = "@me" if in_dms else job.guild_id
    url = f"https://discord.com/channels/{place}/{message.channel_id}/{message.message_id}"
    return f"[{t('history.message', locale)}]({url})"


def status_text(job: Job, locale: str | None) -> str:
    if job.status is JobStatus.WAITING and job.queue_position:
        return t("status.QUEUED", locale, ahead=job.queue_position)
    if job.status is JobStatus.IN_PROGRESS:
        return t("status.IN_PROGRESS", locale, progress=job.progress)
    return t(f"status.{job.status.value}", locale)


def _kind(job: Job, locale: str | None) -> str:
    if job.kind is JobKind.ACTION:
        label = str(job.options.get("label") or job.options.get("emoji") or "")
        return label or t("kind.ACTION", locale)
    key = f"kind.{job.kind.value}"
    return t(key, locale) if key in KIND_KEYS else job.kind.value.title()


def _prompt(job: Job, width: int) -> str:
    if not width:
        return ""
    text = " ".join((job.prompt or "").split()).replace("`", "'")
    if len(text) > width:
        text = text[: width - 1] + "…"
    return f" · `{text}`" if text else ""


def history_line(job: Job, locale: str | None, prompt_chars: int = PROMPT_CHARS) -> str:
    return (
        f"**{job.id}** · {_kind(job, locale)} · {status_text(job, locale)}"
        f"{_prompt(job, prompt_chars)} · <t:{int(job.created_at)}:R> · {job_link(job, locale)}"
    )


def history_text(page: HistoryPage, locale: str | None) -> str:
    if not page.total:
        return t("history.empty", locale)
    title = t("history.title", locale, total=page.total)
    footer: list[str] = []
    if page.pages > 1:
        footer.append(f"-# {t('history.page', locale, page=page.page + 1, pages=page.pages)}")
    text = ""
    for width in _PROMPT_WIDTHS:
        lines = [title, *(history_line(job, locale, width) for job in page.jobs), *footer]
        text = "\n".join(lines)
        if len(text) <= MAX_CONTENT:
            break
    return fit(text)
