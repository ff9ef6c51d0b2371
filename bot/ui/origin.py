"""Origin of a job: who asked, where its message is, and the interaction token to edit it."""

from __future__ import annotations

import discord

from bot.core.models import MessageKind, MessageRef, Origin


async def respond_thinking(interaction: discord.Interaction, *, private: bool = False) -> int:
    """Defer ("thinking...", only for the user when `private`) and return the id of the
    message that creates."""
    callback = await interaction.response.defer(thinking=True, ephemeral=private)
    if callback is not None and callback.message_id is not None:
        return callback.message_id
    return (await interaction.original_response()).id


def origin_of(
    interaction: discord.Interaction,
    message_id: int | None,
    kind: MessageKind = MessageKind.ORIGINAL,
    *,
    private: bool = False,
) -> Origin:
    return Origin(
        user_id=interaction.user.id,
        guild_id=interaction.guild_id,
        locale=str(interaction.locale),
        message=MessageRef(
            channel_id=interaction.channel_id,
            message_id=message_id,
            kind=kind,
            interaction_token=interaction.token,
            token_expires_at=interaction.expires_at.timestamp(),
            upload_limit=interaction.filesize_limit,
            ephemeral=private,
            token_only=token_only(interaction),
        ),
        role_ids=role_ids_of(interaction.user),
    )


def token_only(interaction: discord.Interaction) -> bool:
    """Whether the bot's own token cannot reach where this interaction came from, so its
    messages there go through the interaction's token (then the user's DMs): a group DM
    or a DM between users, a server the app is only user-installed in (the bot is not a
    member there: Discord answers 403 Missing Access), a channel the bot cannot see."""
    context = interaction.context
    if context.private_channel:
        return True
    if context.dm_channel or interaction.guild_id is None:
        return False  # the bot's own DM with the user
    installed = interaction.is_guild_integration()
    if not installed and interaction.client.get_guild(interaction.guild_id) is None:
        return True
    return not interaction.app_permissions.view_channel


def role_ids_of(user: discord.User | discord.Member) -> frozenset[int]:
    """The member's role ids as the interaction sent them. `Member.roles` resolves them
    against a cached guild, which a bot that only answers interactions may not have."""
    if not isinstance(user, discord.Member):
        return frozenset()
    return frozenset(int(role_id) for role_id in user._roles)
