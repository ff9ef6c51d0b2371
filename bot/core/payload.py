"""MessagePayload: everything the Discord layer needs to show a job, and nothing Discord."""

from __future__ import annotations

from dataclasses import dataclass, field

MAX_CONTENT = 2000  # Discord's limit for a message's content
MODAL_BUTTON = "m"  # route of the "edit prompt" button of a job waiting in MODAL
CANCEL_BUTTON = "c"  # the bot's own Cancel on a waiting or running job
SEED_BUTTON = "s"  # the bot's own Seed on an image result


@dataclass(frozen=True)
class ButtonSpec:
    job_id: int
    route: str  # a button index as text, or MODAL_BUTTON, CANCEL_BUTTON, SEED_BUTTON
    label: str
    emoji: str
    style: int
    row: int


@dataclass(frozen=True)
class EmbedSpec:
    title: str | None = None
    description: str | None = None
    colour: int | None = None
    thumbnail_url: str | None = None


@dataclass(frozen=True)
class MessagePayload:
    content: str
    embed: EmbedSpec | None = None
    image_url: str | None = None  # preview or result image
    attach_image: bool = False  # download image_url and upload it (results: links expire)
    image_name: str = "image.png"
    buttons: tuple[ButtonSpec, ...] = field(default_factory=tuple)
    final: bool = False  # never coalesced away
    # A video result: image_url is the video; this line (with its URL) goes into the
    # content when the file is not attached (too large, not a video), as embeds show no video.
    video_link: str | None = None

    @property
    def video(self) -> bool:
        return self.video_link is not None


def clip(text: str, limit: int = MAX_CONTENT) -> str:
    """`text` cut to `limit` characters, with an ellipsis when it was longer."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
