"""Vary (Region) in the browser, on the Discord side: the ephemeral answer with the link,
and where a job started from the editor shows in Discord.

The result goes where the press was: a followup of the press interaction while its token
works (ephemeral for a user whose results are private), else a new message in the
channel, or the user's DMs for a private or token-only one (the publisher posts it, as
for any job).
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any

import discord

from bot.core.editor_links import EditorLinks
from bot.core.i18n import t
from bot.core.models import Job, MessageKind, MessageRef, Origin
from bot.ui.delivery import MessageDelivery
from bot.ui.origin import origin_of
from bot.ui.publisher import Publisher

log = logging.getLogger(__name__)

PLACEHOLDER = "…"


class EditorLinkOffer:
    """The answer to a Vary (Region) press when PUBLIC_URL is set."""

    def __init__(self, links: EditorLinks, public_base: str) -> None:
        self._links = links
        self._base = public_base.rstrip("/")

    async def offer(
        self, interaction: discord.Interaction, job_id: int, index: int, *, private: bool
    ) -> None:
        locale = str(interaction.locale)
        token = await self._links.issue(
            origin_of(interaction, None, private=private), job_id, index
        )
        view = discord.ui.View(timeout=None)
        view.add_item(
            discord.ui.Button(
                label=t("editor.link_button", locale)[:80],
                url=f"{self._base}/editor/{token}",
                emoji="🖌️",
            )
        )
        view.stop()  # a link button has no callback to keep
        await interaction.response.send_message(
            t("editor.link_text", locale), view=view, ephemeral=True
        )


class EditorResults:
    """Messages for jobs started from the editor, made through the press's token or the
    bot's; used by the web layer, which knows no Discord."""

    def __init__(
        self, client: discord.Client, delivery: MessageDelivery, publisher: Publisher
    ) -> None:
        self._client = client
        self._delivery = delivery
        self._publisher = publisher

    async def origin_for(self, stored: Origin) -> Origin:
        """Where the new job's message will be, made now if the press's token allows."""
        ref = stored.message
        if ref.interaction_token and self._delivery.token_usable(ref):
            try:
                hook = self._webhook(ref.interaction_token)
                sent = await hook.send(PLACEHOLDER, wait=True, ephemeral=ref.ephemeral)
            except discord.HTTPException as exc:
                if exc.status not in (401, 404):
                    raise
                log.info("editor: the press's token answered %s, using the bot token", exc.status)
            else:
                followup = ref.model_copy(
                    update={"message_id": sent.id, "kind": MessageKind.FOLLOWUP}
                )
                return stored.model_copy(update={"message": followup})
        place = MessageRef(
            channel_id=ref.channel_id,
            # Where the bot token cannot post (private, token-only), the user's DMs.
            kind=MessageKind.CHANNEL if ref.bot_reachable else MessageKind.DM,
            upload_limit=ref.upload_limit,
            ephemeral=ref.ephemeral,
            token_only=ref.token_only,
        )
        return stored.model_copy(update={"message": place})

    async def show(self, job: Job) -> None:
        await self._publisher.show_first(job)

    async def tell(self, origin: Origin, text: str) -> None:
        """The job's placeholder says why it did not start (the aggregator refused)."""
        ref = origin.message
        if ref.kind is MessageKind.FOLLOWUP and ref.interaction_token and ref.message_id:
            with contextlib.suppress(discord.HTTPException):
                await self._webhook(ref.interaction_token).edit_message(
                    ref.message_id, content=text
                )

    async def discard(self, origin: Origin) -> None:
        """Nothing started: its placeholder goes."""
        ref = origin.message
        if ref.kind is MessageKind.FOLLOWUP and ref.interaction_token and ref.message_id:
            with contextlib.suppress(discord.HTTPException):
                await self._webhook(ref.interaction_token).delete_message(ref.message_id)

    async def mark_sent(self, stored: Origin) -> None:
        """The ephemeral answer with the link says it was used, and loses its button."""
        ref = stored.message
        if ref.interaction_token and self._delivery.token_usable(ref):
            original: Any = "@original"  # the interaction's own response
            with contextlib.suppress(discord.HTTPException):
                hook = self._webhook(ref.interaction_token)
                await hook.edit_message(
                    original, content=t("editor.link_used", stored.locale), view=None
                )

    def _webhook(self, token: str) -> discord.Webhook:
        """The interaction's webhook (followups and edits need the token alone)."""
        assert self._client.application_id is not None
        data: dict[str, object] = {"id": self._client.application_id, "type": 3, "token": token}
        return discord.Webhook.from_state(data, self._client._connection)  # type: ignore[arg-type]
