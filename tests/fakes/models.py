"""Plain data the fake stores and tests assert on."""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple

# Message flag bits the fake interprets (Discord "Message Flags").
EPHEMERAL = 1 << 6
LOADING = 1 << 7
COMPONENTS_V2 = 1 << 15

Auth = Literal["bot", "webhook", "none"]


def iso(when: dt.datetime | None) -> str | None:
    return None if when is None else when.isoformat()


@dataclass
class FakeAttachment:
    id: int
    filename: str
    content: bytes = field(repr=False)
    content_type: str | None
    url: str
    description: str | None = None
    ephemeral: bool = False
    width: int | None = None
    height: int | None = None
    message_id: int | None = None  # the message whose send or edit uploaded it

    @property
    def size(self) -> int:
        return len(self.content)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(self.id),
            "filename": self.filename,
            "size": self.size,
            "url": self.url,
            "proxy_url": self.url,
        }
        optional = {
            "content_type": self.content_type,
            "description": self.description,
            "width": self.width,
            "height": self.height,
        }
        data.update({k: v for k, v in optional.items() if v is not None})
        if self.ephemeral:
            data["ephemeral"] = True
        return data


def find_component(components: list[dict[str, Any]], custom_id: str) -> dict[str, Any] | None:
    """Depth-first search through rows, containers, sections and labels."""
    for comp in components:
        if comp.get("custom_id") == custom_id:
            return comp
        nested = list(comp.get("components", []))
        nested += [comp[k] for k in ("accessory", "component") if isinstance(comp.get(k), dict)]
        found = find_component(nested, custom_id)
        if found is not None:
            return found
    return None


class ButtonInfo(NamedTuple):
    label: str | None
    emoji: str | None
    custom_id: str | None
    style: int
    row: int | None  # index among the message's action rows; None for section accessories


@dataclass
class FakeMessage:
    id: int
    channel_id: int
    guild_id: int | None
    author: dict[str, Any]
    created_at: dt.datetime
    content: str = ""
    embeds: list[dict[str, Any]] = field(default_factory=list)
    components: list[dict[str, Any]] = field(default_factory=list)
    attachments: list[FakeAttachment] = field(default_factory=list)
    flags: int = 0
    type: int = 0
    message_reference: dict[str, Any] | None = None
    referenced_message: FakeMessage | None = field(default=None, repr=False)
    webhook_id: int | None = None
    application_id: int | None = None
    interaction_metadata: dict[str, Any] | None = None
    interaction_token: str | None = field(default=None, repr=False)
    edited_at: dt.datetime | None = None
    edits: int = 0
    deleted: bool = False

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & EPHEMERAL)

    @property
    def loading(self) -> bool:
        return bool(self.flags & LOADING)

    def buttons(self) -> list[ButtonInfo]:
        """Buttons in display order with the action-row index they sit in."""
        found: list[ButtonInfo] = []
        rows = 0

        def walk(components: list[dict[str, Any]], row: int | None) -> None:
            nonlocal rows
            for comp in components:
                kind = comp.get("type")
                if kind == 2:
                    emoji = comp.get("emoji") or {}
                    found.append(
                        ButtonInfo(
                            comp.get("label"),
                            emoji.get("name"),
                            comp.get("custom_id"),
                            comp.get("style", 0),
                            row,
                        )
                    )
                elif kind == 1:
                    rows += 1
                    walk(comp.get("components", []), rows - 1)
                else:
                    walk(comp.get("components", []), None)
                    if "accessory" in comp:
                        walk([comp["accessory"]], None)

        walk(self.components, None)
        return found

    def component(self, custom_id: str) -> dict[str, Any] | None:
        """The raw component with this custom_id (buttons, selects; nested ones too)."""
        return find_component(self.components, custom_id)

    def attachment(self, filename: str) -> FakeAttachment | None:
        return next((a for a in self.attachments if a.filename == filename), None)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(self.id),
            "channel_id": str(self.channel_id),
            "type": self.type,
            "author": self.author,
            "content": self.content,
            "embeds": self.embeds,
            "components": self.components,
            "attachments": [a.to_json() for a in self.attachments],
            "timestamp": iso(self.created_at),
            "edited_timestamp": iso(self.edited_at),
            "flags": self.flags,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "pinned": False,
        }
        if self.guild_id is not None:
            data["guild_id"] = str(self.guild_id)
        if self.webhook_id is not None:
            data["webhook_id"] = str(self.webhook_id)
        if self.application_id is not None:
            data["application_id"] = str(self.application_id)
        if self.interaction_metadata is not None:
            data["interaction_metadata"] = self.interaction_metadata
        if self.message_reference is not None:
            data["message_reference"] = self.message_reference
            ref = self.referenced_message
            data["referenced_message"] = None if ref is None or ref.deleted else ref.to_json()
        return data


@dataclass
class UploadedFile:
    form_field: str  # multipart field name, e.g. "files[0]"
    filename: str
    content_type: str | None
    data: bytes = field(repr=False)

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass
class RequestRecord:
    method: str
    path: str  # concrete path below the API base, e.g. /channels/1/messages/2
    route: str | None  # the spec's path template, None when the fake has no such route
    query: dict[str, str]
    json: Any  # JSON body or the parsed payload_json of a multipart body
    files: list[UploadedFile]
    auth: Auth  # "bot": Authorization: Bot ..., "webhook": token in the path
    token: str | None  # interaction/webhook token from the path
    status: int = 0
    error: dict[str, Any] | None = None  # the error body the fake answered with, if any


@dataclass
class Violation:
    method: str
    path: str
    route: str | None
    operation_id: str | None
    errors: dict[str, Any]  # Discord-style nested error object
    problems: list[str]  # flat, readable form of `errors`
    body: Any = field(repr=False)


@dataclass
class OpenedModal:
    custom_id: str
    title: str
    components: list[dict[str, Any]]
    interaction_id: int
    message_id: int | None  # message of the component that opened it, if any


@dataclass
class FakeInteraction:
    id: int
    token: str
    type: int
    application_id: int
    guild_id: int | None
    channel_id: int
    user: dict[str, Any]
    created_at: dt.datetime
    payload: dict[str, Any] = field(repr=False)
    message_id: int | None = None  # component/modal interactions: the message clicked
    callback_type: int | None = None
    callback_data: dict[str, Any] | None = field(default=None, repr=False)
    callback_at: dt.datetime | None = None
    original_message_id: int | None = None
    followup_ids: list[int] = field(default_factory=list)
    modal: OpenedModal | None = None
    autocomplete_choices: list[dict[str, Any]] | None = None
    token_revoked: bool = False
    callback_error: dict[str, Any] | None = None  # Discord's error body for a refused callback
    # Set once a callback was accepted or finally refused (a 429 is retried, so it does not count).
    settled: asyncio.Event = field(default_factory=asyncio.Event, repr=False)

    @property
    def acknowledged(self) -> bool:
        return self.callback_type is not None

    async def wait_answered(self, within: float = 3.0) -> None:
        """Until the bot's first response arrived (Discord's 3-second rule); AssertionError
        when none came within `within` seconds or the fake refused it."""
        data = self.payload.get("data", {})
        what = data.get("name") or data.get("custom_id")
        try:
            await asyncio.wait_for(self.settled.wait(), within)
        except TimeoutError:
            raise AssertionError(
                f"no response within {within:g} s to interaction {self.id} ({what!r})"
            ) from None
        if not self.acknowledged:
            raise AssertionError(f"the response to {what!r} was refused: {self.callback_error}")

    @property
    def response_delay(self) -> float | None:
        """Seconds between the interaction's creation and its callback."""
        if self.callback_at is None:
            return None
        return (self.callback_at - self.created_at).total_seconds()


@dataclass
class FakeChannel:
    id: int
    guild_id: int | None
    type: int = 0
    name: str = "general"
    forbidden: bool = False
    recipients: list[dict[str, Any]] = field(default_factory=list)  # DMs: the other user

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": str(self.id), "type": self.type, "flags": 0}
        if self.type == 1:  # DM: no name/guild; callers may fill in recipients
            data.update(last_message_id=None, recipients=list(self.recipients))
            return data
        if self.type == 3:  # group DM: its members, a name, an owner
            owner = self.recipients[0]["id"] if self.recipients else None
            data.update(
                last_message_id=None,
                recipients=list(self.recipients),
                name=self.name or None,
                icon=None,
                owner_id=owner,
            )
            return data
        data.update(
            name=self.name,
            position=0,
            permission_overwrites=[],
            nsfw=False,
            parent_id=None,
            topic=None,
            rate_limit_per_user=0,
            last_message_id=None,
        )
        if self.guild_id is not None:
            data["guild_id"] = str(self.guild_id)
        return data


@dataclass
class FakeGuild:
    id: int
    name: str = "Test Guild"
    locale: str = "en-US"
    # False: a server where the app is only user-installed; the bot is not a member, so
    # bot-token requests to its channels answer 403 Missing Access (50001).
    bot_member: bool = True
