"""The fake's in-memory Discord: guilds, channels, messages, attachments, interactions."""

from __future__ import annotations

import copy
import mimetypes
import secrets
from typing import Any
from urllib.parse import quote

from . import errors
from .message_content import file_index, is_empty, number_components, resolve_embed
from .models import (
    EPHEMERAL,
    LOADING,
    FakeAttachment,
    FakeChannel,
    FakeGuild,
    FakeInteraction,
    FakeMessage,
    UploadedFile,
)
from .payloads import user_json
from .snowflakes import now, snowflake, snowflake_time

# Flag bits a sender may set on create; on edit only SUPPRESS_EMBEDS (4) may change.
_CREATE_FLAGS = 4 | EPHEMERAL | 4096 | (1 << 15)
_SUPPRESS_EMBEDS = 4


class World:
    """State only (no HTTP): one application whose bot user shares its id, a default guild,
    text channel and human user, plus everything the bot created."""

    def __init__(self, *, application_id: int | None = None, bot_name: str = "fakebot") -> None:
        self.application_id: int = application_id or snowflake()
        # Modern applications share their id with their bot user.
        self.bot_user: dict[str, Any] = user_json(self.application_id, bot_name, bot=True)
        self.owner: dict[str, Any] = user_json(snowflake(), "owner")
        self.user: dict[str, Any] = user_json(snowflake(), "tester")
        self.users: dict[int, dict[str, Any]] = {int(self.user["id"]): self.user}
        self.guilds: dict[int, FakeGuild] = {}
        self.channels: dict[int, FakeChannel] = {}
        self.messages: dict[int, FakeMessage] = {}
        self.attachments: dict[int, FakeAttachment] = {}
        self.interactions: dict[int, FakeInteraction] = {}
        self.commands: dict[int | None, list[dict[str, Any]]] = {}  # guild id (None: global)
        self._by_token: dict[str, FakeInteraction] = {}
        self._dm_channels: dict[int, int] = {}  # user id -> DM channel id
        self._closed_dms: set[int] = set()  # users who do not accept DMs from the bot
        self.base_url: str = ""  # set once the HTTP server listens
        self.guild_id: int = self.add_guild()
        self.channel_id: int = self.add_channel(self.guild_id)

    # -- world setup -----------------------------------------------------------------

    def add_guild(
        self,
        guild_id: int | None = None,
        *,
        name: str = "Test Guild",
        locale: str = "en-US",
        bot_member: bool = True,
    ) -> int:
        """A server; `bot_member=False`: one the bot was never invited to, reached only
        by users who installed the app (user install)."""
        gid = guild_id or snowflake()
        self.guilds[gid] = FakeGuild(gid, name, locale, bot_member)
        return gid

    def add_private_channel(self, user_id: int, *, group: bool = False) -> int:
        """A DM between this user and a friend (`group`: a group DM): no bot in it, so only
        a user install can be used there, and its bot-token requests answer 403."""
        friend = self.user_of(snowflake())
        recipients = [self.user_of(user_id), friend]
        cid = self.add_channel(None, type=3 if group else 1, name="friends" if group else "")
        channel = self.channels[cid]
        channel.recipients, channel.forbidden = recipients if group else [friend], True
        return cid

    def bot_reaches(self, channel_id: int) -> bool:
        """Whether the bot's own token may use this channel."""
        channel = self.channels[int(channel_id)]
        guild = self.guilds.get(channel.guild_id) if channel.guild_id else None
        return not channel.forbidden and (guild is None or guild.bot_member)

    def add_channel(
        self,
        guild_id: int | None = None,
        channel_id: int | None = None,
        *,
        name: str = "general",
        type: int = 0,
    ) -> int:
        cid = channel_id or snowflake()
        self.channels[cid] = FakeChannel(cid, guild_id, type, name)
        return cid

    def text_channel_in(self, guild_id: int) -> int:
        """Some text channel of the guild, created on demand."""
        for channel in self.channels.values():
            if channel.guild_id == guild_id and channel.type == 0:
                return channel.id
        return self.add_channel(guild_id)

    def user_of(self, user_id: int) -> dict[str, Any]:
        """The user JSON the fake uses for this id (made up as "user<id>" on first use)."""
        uid = int(user_id)
        return self.users.setdefault(uid, user_json(uid, f"user{uid}"))

    def dm_channel_of(self, user_id: int) -> int:
        """The bot's DM channel with this user (one per user, created on first use).

        Both `POST /users/@me/channels` and `InteractionFactory(..., dm=True)` use it.
        """
        uid = int(user_id)
        if uid not in self._dm_channels:
            cid = self.add_channel(None, type=1, name="")
            self.channels[cid].recipients = [self.user_of(uid)]
            self._dm_channels[uid] = cid
        return self._dm_channels[uid]

    def dm_recipient(self, channel_id: int) -> int | None:
        """The user id a DM channel made by `dm_channel_of` belongs to (None otherwise)."""
        return next((u for u, c in self._dm_channels.items() if c == int(channel_id)), None)

    def dms_closed(self, user_id: int) -> bool:
        return int(user_id) in self._closed_dms

    # -- lookups for tests -------------------------------------------------------------

    def message(self, message_id: int) -> FakeMessage:
        return self.messages[int(message_id)]

    def messages_in(self, channel_id: int, *, include_deleted: bool = False) -> list[FakeMessage]:
        return [
            m
            for m in self.messages.values()
            if m.channel_id == int(channel_id) and (include_deleted or not m.deleted)
        ]

    def dms_to(self, user_id: int) -> list[FakeMessage]:
        """Non-deleted messages the bot posted in its DM channel with this user, oldest first.

        Includes interaction responses there (they are authored by the bot user too); check
        `interaction_metadata` to tell them apart from bot-token sends.
        """
        cid = self._dm_channels.get(int(user_id))
        if cid is None:
            return []
        bot_id = self.bot_user["id"]
        return [m for m in self.messages_in(cid) if m.author["id"] == bot_id]

    def synced_commands(self, guild_id: int | None = None) -> list[dict[str, Any]]:
        """What the bot last bulk-overwrote for that guild (None: global commands)."""
        return self.commands.get(guild_id, [])

    def interaction(self, key: int | str) -> FakeInteraction:
        """Look an interaction up by id or by token."""
        if isinstance(key, str) and key in self._by_token:
            return self._by_token[key]
        return self.interactions[int(key)]

    def original_response(self, token: str) -> FakeMessage | None:
        inter = self._by_token.get(token)
        if inter is None or inter.original_message_id is None:
            return None
        return self.messages.get(inter.original_message_id)

    # -- interactions ----------------------------------------------------------------

    def track_interaction(self, payload: dict[str, Any]) -> FakeInteraction:
        """Remember an interaction the builders made, as Discord would before sending it."""
        channel_id = int(payload["channel_id"])
        guild_id = int(payload["guild_id"]) if payload.get("guild_id") else None
        if channel_id not in self.channels:
            self.add_channel(guild_id, channel_id, type=payload.get("channel", {}).get("type", 0))
        user = payload["member"]["user"] if "member" in payload else payload["user"]
        message = payload.get("message")
        inter = FakeInteraction(
            id=int(payload["id"]),
            token=payload["token"],
            type=payload["type"],
            application_id=int(payload["application_id"]),
            guild_id=guild_id,
            channel_id=channel_id,
            user=user,
            created_at=snowflake_time(int(payload["id"])),
            payload=payload,
            message_id=int(message["id"]) if message else None,
        )
        self.interactions[inter.id] = inter
        self._by_token[inter.token] = inter
        return inter

    def interaction_by_token(self, token: str) -> FakeInteraction | None:
        return self._by_token.get(token)

    # -- attachments -----------------------------------------------------------------

    def host_attachment(
        self,
        filename: str,
        data: bytes,
        content_type: str | None = None,
        *,
        ephemeral: bool = True,
        description: str | None = None,
        width: int | None = None,
        height: int | None = None,
    ) -> dict[str, Any]:
        """Serve `data` from the fake and return its attachment JSON (for slash-command options)."""
        att = self._new_attachment(0, filename, data, content_type, description)
        att.ephemeral, att.width, att.height = ephemeral, width, height
        return att.to_json()

    def _new_attachment(
        self,
        channel_id: int,
        filename: str,
        data: bytes,
        content_type: str | None,
        description: str | None,
    ) -> FakeAttachment:
        if not self.base_url:
            raise RuntimeError("the fake is not serving yet; use running_fake_discord()")
        att_id = snowflake()
        sniffed = content_type or mimetypes.guess_type(filename)[0]
        # Real CDN links are signed and expire; keep that shape for code that parses them.
        expires = int(now().timestamp()) + 86400
        query = f"ex={expires:x}&is={expires - 86400:x}&hm={secrets.token_hex(32)}"
        url = f"{self.base_url}/attachments/{channel_id}/{att_id}/{quote(filename)}?{query}"
        att = FakeAttachment(att_id, filename, data, sniffed, url, description)
        self.attachments[att_id] = att
        return att

    # -- messages --------------------------------------------------------------------

    def post_user_message(
        self,
        channel_id: int | None = None,
        *,
        content: str = "",
        files: list[tuple[str, bytes]] | None = None,
        embeds: list[dict[str, Any]] | None = None,
        user_id: int | None = None,
    ) -> FakeMessage:
        """A message a human posted (attachments served by the fake's CDN), for message
        context menus; `files` are (filename, bytes), `embeds` as Discord stores them."""
        cid = channel_id or self.channel_id
        author = self.user if user_id is None else self.user_of(user_id)
        uploads = [
            UploadedFile(f"files[{i}]", name, None, data)
            for i, (name, data) in enumerate(files or [])
        ]
        payload: dict[str, Any] = {"content": content, "embeds": embeds or []}
        return self.create_message(cid, payload, uploads, author=author)

    def create_message(
        self,
        channel_id: int,
        payload: dict[str, Any],
        files: list[UploadedFile],
        *,
        author: dict[str, Any] | None = None,
        type: int = 0,
        interaction: FakeInteraction | None = None,
        extra_flags: int = 0,
    ) -> FakeMessage:
        channel = self.channels[channel_id]
        msg = FakeMessage(
            id=snowflake(),
            channel_id=channel_id,
            guild_id=channel.guild_id,
            author=author or self.bot_user,
            created_at=now(),
            type=type,
            flags=((payload.get("flags") or 0) & _CREATE_FLAGS) | extra_flags,
        )
        if interaction is not None:
            msg.webhook_id = msg.application_id = self.application_id
            msg.interaction_token = interaction.token
            msg.interaction_metadata = {
                "id": str(interaction.id),
                "type": interaction.type,
                "user": interaction.user,
                "authorizing_integration_owners": interaction.payload.get(
                    "authorizing_integration_owners", {}
                ),
            }
        ref = payload.get("message_reference")
        if ref and ref.get("message_id") is not None:
            msg.message_reference = {
                "type": ref.get("type", 0),
                "message_id": str(ref["message_id"]),
                "channel_id": str(ref.get("channel_id") or channel_id),
            }
            msg.referenced_message = self.messages.get(int(ref["message_id"]))
        self._apply(msg, payload, files, editing=False)
        if not (msg.flags & LOADING) and is_empty(msg):
            raise errors.empty_message()
        self.messages[msg.id] = msg
        return msg

    def edit_message(
        self, msg: FakeMessage, payload: dict[str, Any], files: list[UploadedFile]
    ) -> FakeMessage:
        # Work on a copy so a rejected edit leaves the message untouched; keep object identity
        # because tests hold on to FakeMessage instances.
        draft = copy.copy(msg)
        self._apply(draft, payload, files, editing=True)
        if is_empty(draft):
            raise errors.empty_message()
        draft.flags &= ~LOADING  # the first edit of a deferred response replaces "thinking..."
        draft.edits += 1
        draft.edited_at = now()
        vars(msg).update(vars(draft))
        return msg

    def _apply(
        self, msg: FakeMessage, payload: dict[str, Any], files: list[UploadedFile], *, editing: bool
    ) -> None:
        if "content" in payload:
            msg.content = payload["content"] or ""
        if "components" in payload:
            msg.components = number_components(payload["components"] or [])
        if editing and "flags" in payload:
            wanted = payload["flags"] or 0
            msg.flags = (msg.flags & ~_SUPPRESS_EMBEDS) | (wanted & _SUPPRESS_EMBEDS)
        if "attachments" in payload or files or not editing:
            listed = payload.get("attachments") if "attachments" in payload else None
            msg.attachments = self._attachments_after(msg, listed, files, editing)
        if "embeds" in payload:
            msg.embeds = [dict(e) for e in payload["embeds"] or []]
        msg.embeds = [resolve_embed(e, msg.attachments) for e in msg.embeds]

    def _attachments_after(
        self,
        msg: FakeMessage,
        listed: list[dict[str, Any]] | None,
        files: list[UploadedFile],
        editing: bool,
    ) -> list[FakeAttachment]:
        """API v10: on edit `attachments` lists what to keep; uploaded files are appended.

        `listed` is None when the payload had no `attachments` key (keep everything).
        """
        by_id = {str(a.get("id")): a for a in listed or [] if isinstance(a, dict)}
        if not editing:
            kept: list[FakeAttachment] = []
        elif listed is None:
            kept = list(msg.attachments)
        else:
            kept = [a for a in msg.attachments if str(a.id) in by_id]
        for index, upload in enumerate(files):
            meta = by_id.get(file_index(upload.form_field, index), {})
            att = self._new_attachment(
                msg.channel_id,
                meta.get("filename") or upload.filename,
                upload.data,
                None,  # Discord sniffs the type; discord.py always claims octet-stream
                meta.get("description"),
            )
            att.message_id = msg.id
            kept.append(att)
        return kept
