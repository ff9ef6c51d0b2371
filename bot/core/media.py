"""Video results: which jobs give one, and whether downloaded bytes really are a video.

Animate and Extend presses (and a video's own upscales) give a video (mj-api.md §7);
aggregators put it in `videoUrl`/`videoUrls`, or sometimes in `imageUrl`. Bytes are
judged by their signature, never by a URL or a declared content type.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from bot.core.models import Job, JobKind

_VIDEO_ACTION = re.compile(r"MJ::JOB::(?:animate_|video_)")
_VIDEO_PATH = re.compile(r"\.(?:mp4|webm|mov|m4v)$", re.IGNORECASE)
_EBML = b"\x1a\x45\xdf\xa3"  # Matroska / WebM
_EXTENSIONS = {"video/mp4": "mp4", "video/webm": "webm", "video/quicktime": "mov"}


def is_video_action(custom_id: str) -> bool:
    return bool(_VIDEO_ACTION.match(custom_id))


def gives_video(job: Job) -> bool:
    """Whether the job's result is a video: a video button's job, or a result URL that
    names a video file."""
    custom_id = str(job.options.get("custom_id", ""))
    if job.kind is JobKind.ACTION and is_video_action(custom_id):
        return True
    return bool(job.image_url and _VIDEO_PATH.search(urlsplit(job.image_url).path))


def sniff_video_mime(data: bytes) -> str | None:
    """The video type the bytes really are (MP4 / QuickTime `ftyp` box, WebM), or None."""
    if len(data) >= 12 and data[4:8] == b"ftyp":
        return "video/quicktime" if data[8:12] == b"qt  " else "video/mp4"
    if data.startswith(_EBML):
        return "video/webm"
    return None


def video_filename(stem: str, data: bytes) -> str:
    """`stem` with the extension of the video the bytes are (mp4 when unknown)."""
    return f"{stem}.{_EXTENSIONS.get(sniff_video_mime(data) or '', 'mp4')}"
