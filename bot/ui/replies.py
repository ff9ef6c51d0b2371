"""The one way the bot tells a user something went wrong, however far the interaction got.

- Not answered yet: an ephemeral reply.
- Deferred with a public "thinking..." placeholder: bad input (nothing was submitted)
  is said privately and the placeholder removed; an aggregator's refusal replaces the
  placeholder, since that is the job's message.
- Deferred silently or already answered: an ephemeral followup.
- Token expired: nothing can reach the user any more; it is logged.
"""

from __future__ import annotations

import logging

import discord

from bot.core.validation import RequestRejectedError
from bot.ui.errors import user_message

log = logging.getLogger(__name__)


async def answer_error(interaction: discord.Interaction, error: BaseException) -> None:
    text = user_message(error, str(interaction.locale))
    await tell(interaction, text, private=isinstance(error, RequestRejectedError))


async def tell(interaction: discord.Interaction, text: str, *, private: bool = True) -> None:
    if interaction.is_expired():
        log.info("interaction %d expired before the user could be told", interaction.id)
        return
    response = interaction.response
    try:
        if not response.is_done():
            await response.send_message(text, ephemeral=True)
        elif response.type is not discord.InteractionResponseType.deferred_channel_message:
            await interaction.followup.send(text, ephemeral=True)
        elif private:
            await settle_placeholder(interaction)
            await interaction.followup.send(text, ephemeral=True)
            await interaction.delete_original_response()
        else:
            await interaction.edit_original_response(content=text, view=None)
    except discord.HTTPException:
        log.warning("could not tell the user about an error", exc_info=True)


async def settle_placeholder(interaction: discord.Interaction) -> None:
    """End the "thinking..." state. Discord turns the first followup after a thinking
    defer into an edit of that placeholder; once settled, a followup is a new message."""
    await interaction.edit_original_response(content="…")
