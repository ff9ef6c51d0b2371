"""Raw INTERACTION_CREATE payloads, and dispatching them into a real bot.

factory = InteractionFactory(discord_fake, bot)
inter = await dispatch(bot, factory.slash_command("imagine", {"prompt": "a cat"}))
"""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any, Literal

import discord

from .command_options import (
    MESSAGE_COMMAND,
    OptionEncoder,
    command_json,
    leaf_options,
    nest,
)
from .discord_server import FakeDiscord, active_fakes
from .installs import Place, authorize, offered_to_user_installs, user_install_owners
from .modal_payloads import submitted_components
from .models import FakeInteraction, FakeMessage, OpenedModal, find_component
from .payloads import APP_PERMISSIONS, MEMBER_PERMISSIONS, member_json
from .snowflakes import interaction_token, now, snowflake

DEFAULT_ATTACHMENT_LIMIT = 10 * 1024 * 1024  # discord.utils.DEFAULT_FILE_SIZE_LIMIT_BYTES

APPLICATION_COMMAND, MESSAGE_COMPONENT, AUTOCOMPLETE, MODAL_SUBMIT = 2, 3, 4, 5


class InteractionFactory:
    """Builds interactions as Discord would send them for `fake`'s world, and tracks them there.

    Defaults: the fake's default guild, channel and user, locale "en-US". `age` makes the
    interaction that many seconds old (to test the 3 s / 15 min windows).

    `user_install=True`: the app as installed on the user's account (integration type 1,
    `authorizing_integration_owners {"1": user id}`), the only way to reach a server the
    bot is not in (`add_guild(bot_member=False)`) or a private channel
    (`add_private_channel`); there the app gets only implicit `app_permissions`, and the
    command must be global and allow integration type 1 and that context, as Discord
    offers nothing else. Clicks and modals inherit it from the message they answer.
    """

    def __init__(
        self,
        fake: FakeDiscord,
        bot: discord.Client | None = None,
        *,
        locale: str = "en-US",
        attachment_size_limit: int = DEFAULT_ATTACHMENT_LIMIT,
        app_permissions: discord.Permissions = APP_PERMISSIONS,
        member_permissions: discord.Permissions = MEMBER_PERMISSIONS,
    ) -> None:
        self.fake, self.bot, self.locale = fake, bot, locale
        self.attachment_size_limit = attachment_size_limit
        self.app_permissions, self.member_permissions = app_permissions, member_permissions
        self.member_roles: dict[int, list[int]] = {}  # user id -> role ids in every guild

    # -- public builders ----------------------------------------------------------------

    def slash_command(
        self,
        name: str,
        options: dict[str, Any] | None = None,
        *,
        attachments: dict[str, dict[str, Any]] | None = None,
        option_types: dict[str, int | discord.AppCommandOptionType] | None = None,
        user_id: int | None = None,
        locale: str | None = None,
        guild_id: int | None = None,
        channel_id: int | None = None,
        dm: bool = False,
        age: float = 0.0,
        member_permissions: discord.Permissions | None = None,
        user_install: bool = False,
    ) -> dict[str, Any]:
        """CHAT_INPUT command; `name` may be "group sub" for subcommands.

        `attachments` maps attachment option names to dicts from `fake.host_attachment()`.
        Option types come from the synced command, else the bot's tree, else `option_types`.
        `member_permissions` replaces the factory's for this interaction (in a guild).
        """
        where = (guild_id, channel_id, dm)
        payload = self._base(
            APPLICATION_COMMAND,
            user_id,
            locale,
            *where,
            age,
            member_permissions,
            user_install=user_install,
        )
        payload["data"] = self._command_data(
            name, {**(options or {}), **(attachments or {})}, option_types or {}, payload
        )
        return self._track(payload)

    def message_command(
        self,
        name: str,
        message: FakeMessage,
        *,
        user_id: int | None = None,
        locale: str | None = None,
        age: float = 0.0,
        user_install: bool = False,
    ) -> dict[str, Any]:
        """A message context menu ("Apps" on a message): APPLICATION_COMMAND with data.type
        3 (MESSAGE), `target_id` and the message in `resolved.messages`, in its channel."""
        where = (None, message.channel_id, False)
        payload = self._base(
            APPLICATION_COMMAND, user_id, locale, *where, age, user_install=user_install
        )
        guild_id = int(payload["guild_id"]) if "guild_id" in payload else None
        if user_install_owners(payload) is not None:
            context = payload["context"]
            command = offered_to_user_installs(self.fake, name, context, MESSAGE_COMMAND)
        else:
            command = command_json(self.fake, self.bot, name, guild_id, MESSAGE_COMMAND)
        if command is None:
            raise AssertionError(f"no message command {name!r} is synced or on the bot's tree")
        data: dict[str, Any] = {
            "id": str(command["id"]),
            "name": name,
            "type": MESSAGE_COMMAND,
            "target_id": str(message.id),
            "resolved": {"messages": {str(message.id): message.to_json()}},
        }
        if command.get("guild_id"):
            data["guild_id"] = str(command["guild_id"])
        payload["data"] = data
        return self._track(payload)

    def autocomplete(
        self,
        name: str,
        options: dict[str, Any],
        focused: str,
        *,
        user_id: int | None = None,
        locale: str | None = None,
        age: float = 0.0,
    ) -> dict[str, Any]:
        """APPLICATION_COMMAND_AUTOCOMPLETE with `focused` holding the partial text typed."""
        payload = self._base(AUTOCOMPLETE, user_id, locale, None, None, False, age)
        payload["data"] = self._command_data(name, options, {}, payload, focused=focused)
        return self._track(payload)

    def button_click(
        self,
        message: FakeMessage | dict[str, Any],
        custom_id: str,
        *,
        user_id: int | None = None,
        locale: str | None = None,
        age: float = 0.0,
        member_permissions: discord.Permissions | None = None,
    ) -> dict[str, Any]:
        """A click on the button `custom_id` of `message` (as the fake stores it);
        `member_permissions` replaces the factory's for this interaction."""
        return self._component(message, custom_id, None, user_id, locale, age, member_permissions)

    def select_menu(
        self,
        message: FakeMessage | dict[str, Any],
        custom_id: str,
        values: list[str],
        *,
        user_id: int | None = None,
        locale: str | None = None,
        age: float = 0.0,
    ) -> dict[str, Any]:
        """Choosing `values` in the select menu `custom_id` of `message`."""
        return self._component(message, custom_id, values, user_id, locale, age)

    def modal_submit(
        self,
        custom_id: str,
        values: dict[str, str | list[str]],
        *,
        layout: Literal["auto", "label", "action_row"] = "auto",
        user_id: int | None = None,
        locale: str | None = None,
        age: float = 0.0,
    ) -> dict[str, Any]:
        """Submit the modal `custom_id` with text-input (str) or select (list) values.

        "auto" mirrors the modal the bot opened (action rows or Label components); the other
        layouts are for modals the fake never saw opened.
        """
        opened = self._opened_modal(custom_id)
        opener = self.fake.interactions[opened.interaction_id] if opened else None
        message_id = opened.message_id if opened else None
        channel_id = opener.channel_id if opener else None
        if user_id is None and opener is not None:
            user_id = int(opener.user["id"])  # the user who saw the modal submits it
        owners = user_install_owners(opener.payload if opener else {})
        payload = self._base(
            MODAL_SUBMIT,
            user_id,
            locale,
            None,
            channel_id,
            False,
            age,
            user_install=owners is not None,
            owners=owners,
        )
        components = opened.components if opened and layout == "auto" else None
        payload["data"] = {
            "custom_id": custom_id,
            "components": submitted_components(components, values, layout),
        }
        if message_id is not None:
            payload["message"] = self.fake.messages[message_id].to_json()
        return self._track(payload)

    # -- helpers --------------------------------------------------------------------------

    def user(self, user_id: int | None) -> dict[str, Any]:
        if user_id is None:
            return self.fake.user
        return self.fake.user_of(user_id)

    def _base(
        self,
        kind: int,
        user_id: int | None,
        locale: str | None,
        guild_id: int | None,
        channel_id: int | None,
        dm: bool,
        age: float,
        member_permissions: discord.Permissions | None = None,
        *,
        user_install: bool = False,
        owners: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        user = self.user(user_id)
        uid = str(user["id"])
        if member_permissions is None:
            member_permissions = self.member_permissions
        created = now() - dt.timedelta(seconds=age)
        payload: dict[str, Any] = {
            "id": str(snowflake(created)),
            "application_id": str(self.fake.application_id),
            "type": kind,
            "token": interaction_token(),
            "version": 1,
            "locale": locale or self.locale,
            "entitlements": [],
            "entitlement_sku_ids": [],
            "app_permissions": str(self.app_permissions.value),
            "attachment_size_limit": self.attachment_size_limit,
        }
        if channel_id is not None and self.fake.channels[channel_id].guild_id is None:
            dm = True  # a channel without a guild is a DM
        if dm:
            cid = channel_id or self.fake.dm_channel_of(int(user["id"]))
            bot_dm = self.fake.dm_recipient(cid) is not None  # else: the user and friends
            channel = self.fake.channels[cid].to_json()
            if bot_dm:
                channel["recipients"] = [user]
            payload.update(channel_id=str(cid), channel=channel, user=user)
            where = Place(context=1 if bot_dm else 2, guild_id=None, bot_present=bot_dm)
            authorize(payload, uid, where, user_install=user_install, owners=owners)
            return payload
        if channel_id is None and guild_id is not None:
            channel_id = self.fake.text_channel_in(guild_id)
        cid = channel_id or self.fake.channel_id
        gid = self.fake.channels[cid].guild_id or self.fake.guild_id
        guild = self.fake.guilds[gid]
        roles = self.member_roles.get(int(user["id"]), [])
        payload.update(
            guild_id=str(gid),
            guild_locale=guild.locale,
            guild={"id": str(gid), "locale": guild.locale, "features": []},
            channel_id=str(cid),
            channel=self.fake.channels[cid].to_json(),
            member=member_json(user, member_permissions, roles),
        )
        where = Place(context=0, guild_id=gid, bot_present=guild.bot_member)
        authorize(payload, uid, where, user_install=user_install, owners=owners)
        return payload

    def _command_data(
        self,
        name: str,
        values: dict[str, Any],
        option_types: dict[str, int | discord.AppCommandOptionType],
        payload: dict[str, Any],
        *,
        focused: str | None = None,
    ) -> dict[str, Any]:
        top, *path = name.split()
        guild_id = int(payload["guild_id"]) if "guild_id" in payload else None
        if user_install_owners(payload) is not None:
            command = offered_to_user_installs(self.fake, top, payload["context"])
        else:
            command = command_json(self.fake, self.bot, top, guild_id)
        if command is None and not option_types and values:
            raise AssertionError(f"/{top} is neither synced to the fake nor on the bot's tree")
        encoder = OptionEncoder(self.fake, guild_id)
        definitions = leaf_options(command, path) if command else []
        leaf = encoder.encode(values, definitions, option_types, focused=focused)
        data: dict[str, Any] = {
            "id": str(command["id"]) if command else str(snowflake()),
            "name": top,
            "type": 1,
            "options": nest(path, leaf, command),
        }
        if command and command.get("guild_id"):
            data["guild_id"] = str(command["guild_id"])
        if encoder.resolved:
            data["resolved"] = encoder.resolved
        return data

    def _component(
        self,
        message: FakeMessage | dict[str, Any],
        custom_id: str,
        values: list[str] | None,
        user_id: int | None,
        locale: str | None,
        age: float,
        member_permissions: discord.Permissions | None = None,
    ) -> dict[str, Any]:
        msg = message.to_json() if isinstance(message, FakeMessage) else message
        component = find_component(msg.get("components", []), custom_id)
        if component is None:
            raise AssertionError(f"message {msg['id']} has no component {custom_id!r}")
        if component.get("disabled"):
            raise AssertionError(f"component {custom_id!r} is disabled; users cannot use it")
        if component["type"] == 2 and component.get("style") in (5, 6):
            raise AssertionError("link and premium buttons never send interactions")
        channel_id = int(msg["channel_id"])
        where = (None, channel_id, False)
        # A click on a user-installed app's message is authorized by that installation.
        owners = user_install_owners(msg.get("interaction_metadata") or {})
        payload = self._base(
            MESSAGE_COMPONENT,
            user_id,
            locale,
            *where,
            age,
            member_permissions,
            user_install=owners is not None,
            owners=owners,
        )
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": component["type"]}
        if "id" in component:
            data["id"] = component["id"]
        if values is not None:
            data["values"] = values
        payload.update(data=data, message=msg)
        return self._track(payload)

    def _opened_modal(self, custom_id: str) -> OpenedModal | None:
        return next(
            (m for m in reversed(self.fake.opened_modals) if m.custom_id == custom_id), None
        )

    def _track(self, payload: dict[str, Any]) -> dict[str, Any]:
        self.fake.track_interaction(payload)
        return payload


def _fake_for(payload: dict[str, Any]) -> FakeDiscord:
    for fake in active_fakes():
        if fake.interaction_by_token(payload["token"]) is not None:
            return fake
    fakes = active_fakes()
    if len(fakes) == 1:
        fakes[0].track_interaction(payload)
        return fakes[0]
    raise AssertionError("no running fake knows this interaction; build it with InteractionFactory")


async def dispatch(
    bot: discord.Client, payload: dict[str, Any], *, within: float = 3.0
) -> FakeInteraction:
    """Feed `payload` to the bot like the gateway would and wait for its first response.

    Raises AssertionError when no interaction callback reached the fake within `within`
    seconds (Discord's 3-second rule), or when the fake refused it (e.g. an invalid body).
    Returns the fake's record of the interaction.
    """
    fake = _fake_for(payload)
    inter = fake.interaction(payload["token"])
    # discord.py mutates parts of the payload (resolved members); keep the tracked copy intact.
    bot._connection.parse_interaction_create(copy.deepcopy(payload))  # type: ignore[arg-type]
    await inter.wait_answered(within)
    return inter
