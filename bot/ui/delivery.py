"""Putting a payload on a job's message, by whichever path still works.

1. The interaction token, while it is valid (15 minutes, minus a margin).
2. The bot token on the channel message (never expires; needs channel access).
3. A new message in the channel, which becomes the job's message.
A 401/404 on the token path means "switch path", never "give up".

A private (ephemeral) message has only the first path: after it, the job moves to the
user's DMs, and never to the channel, where others would see it. So has a token-only
one (a user install where the bot is not a member, a group DM): the bot token has no
access there (403 Missing Access), so it is never tried.
"""

from __future__ import annotations

import io
import logging
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import discord

from bot.core.i18n import t
from bot.core.media import video_filename
from bot.core.models import Job, MessageKind, MessageRef
from bot.core.payload import MAX_CONTENT, MessagePayload, clip
from bot.core.ports import JobStore
from bot.ui.components import build_view
from bot.ui.readback import shows

log = logging.getLogger(__name__)

TOKEN_MARGIN_SECONDS = 60.0  # stop using a token a minute before Discord would refuse it


class DeliveryFailedError(Exception):
    """No path could show the payload (no channel access and no valid token)."""


class MessageDelivery:
    def __init__(
        self,
        client: discord.Client,
        jobs: JobStore,
        *,
        token_margin: float = TOKEN_MARGIN_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._client = client
        self._jobs = jobs
        self.token_margin = token_margin
        self._clock = clock

    def token_usable(self, message: MessageRef) -> bool:
        if not message.interaction_token or message.kind in (MessageKind.CHANNEL, MessageKind.DM):
            return False
        expires = message.token_expires_at or 0.0
        return self._clock() < expires - self.token_margin

    async def deliver(self, job: Job, payload: MessagePayload, image: bytes | None) -> Job:
        """Show `payload` on the job's message; returns the job (moved if it had to)."""
        if job.message.kind is MessageKind.DM:
            payload = _with_dm_note(job, payload)
        if job.message.interaction_token and not self.token_usable(job.message):
            job = await self._move(job, job.message.without_token())  # keep no dead token
        if self.token_usable(job.message):
            try:
                await self._edit_with_token(job.message, **message_fields(payload, image))
                return job
            except discord.HTTPException as exc:
                if exc.status not in (401, 404):
                    raise
                log.info("job %d: token path answered %s, using the bot token", job.id, exc.status)
                job = await self._move(job, job.message.without_token())
        if not job.message.bot_reachable:
            return await self.send_dm(job, payload, image)
        if job.message.channel_id is not None and job.message.message_id is not None:
            try:
                await self._edit_channel_message(job.message, **message_fields(payload, image))
                return job
            except (discord.NotFound, discord.Forbidden) as exc:
                log.info("job %d: message not editable (%s), posting anew", job.id, exc.status)
        return await self._post_new(job, payload, image)

    async def already_shows(self, job: Job, payload: MessagePayload) -> bool:
        """The job's message, read back, shows `payload` already; False when it cannot
        be read (then the payload is simply sent)."""
        message = job.message
        content = _with_dm_note(job, payload).content if message.kind is MessageKind.DM else None
        current: discord.Message
        try:
            if self.token_usable(message):
                current = await self._webhook(message).fetch_message(_target(message))
            elif not message.ephemeral and message.channel_id and message.message_id:
                channel = self._client.get_partial_messageable(message.channel_id)
                current = await channel.fetch_message(message.message_id)
            else:
                return False
        except discord.HTTPException:
            return False
        return shows(current, payload, content or payload.content)

    async def send_dm(self, job: Job, payload: MessagePayload, image: bytes | None) -> Job:
        """Post the job's message in its user's DMs, with a line saying why; the DM
        becomes the job's message. DeliveryFailedError when the user's DMs are closed."""
        fields = message_fields(_with_dm_note(job, payload), image)
        files = fields.pop("attachments")
        try:
            channel = await self._client.create_dm(discord.Object(job.user_id))
            message = await channel.send(files=files, **fields)
        except discord.Forbidden as exc:
            raise DeliveryFailedError(f"job {job.id}: the user's DMs are closed") from exc
        log.info("job %d moved to the user's DMs", job.id)
        moved = MessageRef(
            channel_id=channel.id,
            message_id=message.id,
            kind=MessageKind.DM,
            upload_limit=job.message.upload_limit,
            token_only=job.message.token_only,  # where it came from: its DM note says so
        )
        return await self._move(job, moved)

    async def edit_private(self, job: Job, payload: MessagePayload) -> bool:
        """One edit of a private (or token-only) message through its token, while it
        still works."""
        if not self.token_usable(job.message):
            return False
        try:
            await self._edit_with_token(job.message, **message_fields(payload, None))
        except discord.HTTPException as exc:
            log.info("job %d: private message not editable (%s)", job.id, exc.status)
            return False
        return True

    async def refresh_buttons(self, job: Job, payload: MessagePayload) -> bool:
        """Change only the buttons of a message already showing its result (a pressed
        button is marked): its image stays, and a message that is gone is not re-posted."""
        view = build_view(payload.buttons)
        message = job.message
        try:
            if self.token_usable(message):
                await self._edit_with_token(message, view=view)
            elif message.bot_reachable and message.channel_id and message.message_id:
                await self._edit_channel_message(message, view=view)
            else:
                return False
        except discord.HTTPException as exc:
            log.info("job %d: buttons not refreshed (%s)", job.id, exc.status)
            return False
        return True

    async def _move(self, job: Job, message: MessageRef) -> Job:
        await self._jobs.move_message(job.id, message, at=self._clock())
        return job.model_copy(update={"message": message})

    async def _edit_with_token(self, message: MessageRef, **fields: Any) -> None:
        await self._webhook(message).edit_message(_target(message), **fields)

    def _webhook(self, message: MessageRef) -> discord.Webhook:
        assert message.interaction_token is not None and self._client.application_id is not None
        return discord.Webhook.partial(
            self._client.application_id, message.interaction_token, client=self._client
        )

    async def _edit_channel_message(self, message: MessageRef, **fields: Any) -> None:
        assert message.channel_id is not None and message.message_id is not None
        channel = self._client.get_partial_messageable(message.channel_id)
        await channel.get_partial_message(message.message_id).edit(**fields)

    async def _post_new(self, job: Job, payload: MessagePayload, image: bytes | None) -> Job:
        channel_id = job.message.channel_id
        if channel_id is None:
            raise DeliveryFailedError(f"job {job.id} has no channel to post in")
        channel = self._client.get_partial_messageable(channel_id)
        fields = message_fields(payload, image)
        files = fields.pop("attachments")
        try:
            message = await channel.send(files=files, **fields)
        except (discord.NotFound, discord.Forbidden) as exc:
            raise DeliveryFailedError(f"job {job.id}: cannot post in its channel") from exc
        log.info("job %d moved to new message %d", job.id, message.id)
        moved = job.message.model_copy(
            update={
                "message_id": message.id,
                # A DM stays a DM: its note is on every edit.
                "kind": MessageKind.DM
                if job.message.kind is MessageKind.DM
                else MessageKind.CHANNEL,
                "interaction_token": None,
            }
        )
        return await self._move(job, moved)


def _target(message: MessageRef) -> Any:
    """The message of the token: its original response, or a followup by id."""
    return "@original" if message.kind is MessageKind.ORIGINAL else message.message_id


def message_fields(payload: MessagePayload, image: bytes | None) -> dict[str, Any]:
    """discord.py keyword arguments for a send or an edit; built fresh for every attempt
    because a discord.File can be read only once."""
    embeds = []
    if payload.embed is not None:
        spec = payload.embed
        embed = discord.Embed(title=spec.title, description=spec.description, colour=spec.colour)
        if spec.thumbnail_url:
            embed.set_thumbnail(url=spec.thumbnail_url)
        embeds.append(embed)
    attachments: list[discord.File] = []
    content = payload.content
    if image is not None:
        name = payload.image_name
        if payload.video:  # .mp4 or .webm, as the bytes are
            name = video_filename(name.rsplit(".", 1)[0], image)
        attachments.append(discord.File(io.BytesIO(image), filename=name))
    elif payload.video_link:
        # An embed cannot play a video; Discord shows a video link in the content.
        content = clip(f"{content}\n{payload.video_link}", MAX_CONTENT)
    elif payload.image_url:
        # Previews, and results too large to upload: let Discord show the URL.
        if not embeds:
            embeds.append(discord.Embed())
        embeds[0].set_image(url=payload.image_url)
    return {
        "content": content,
        "embeds": embeds,
        "attachments": attachments,
        "view": build_view(payload.buttons),
        "allowed_mentions": discord.AllowedMentions(users=False, roles=False, everyone=False),
    }


def _with_dm_note(job: Job, payload: MessagePayload) -> MessagePayload:
    """A job moved to DMs says, on every edit, why it is there."""
    key = "install.dm_note" if job.message.token_only else "dm.note"
    note = t(key, job.locale, job=job.id)
    return replace(payload, content=clip(f"-# {note}\n{payload.content}", MAX_CONTENT))
