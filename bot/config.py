"""Settings read from the environment and a `.env` file (the environment wins)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from urllib.parse import unquote, urlsplit

from pydantic import AnyHttpUrl, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.core.limits import LimitValues, parse_ids
from bot.core.mj.schemas import BotType, SpeedMode
from bot.core.pricing import Prices, parse_prices
from bot.shards import check_shards, parse_shard_ids
from bot.web.server import parse_listen


class AuthStyle(StrEnum):
    BEARER = "bearer"  # Authorization: Bearer <key> (aggregators)
    MJ_API_SECRET = "mj-api-secret"  # mj-api-secret: <key> (a proxy reached directly)


class ButtonPolicy(StrEnum):
    OWNER = "owner"  # only the user who started the job may press its buttons
    CLICKER_PAYS = "clicker_pays"  # anyone may press; whoever presses pays
    OWNER_PAYS = "owner_pays"  # anyone may press; the job's owner pays
    # "anyone", the old name of clicker_pays, is read as clicker_pays (see the validator).


class TranslateMode(StrEnum):
    """TRANSLATE_PROMPTS: whether CJK prompts go through the chat model first."""

    OFF = "off"
    AUTO = "auto"


class SyncPolicy(StrEnum):
    """SYNC_COMMANDS: when the slash commands are sent to Discord at start."""

    CHANGED = "changed"  # only when they differ from the last sync
    ALWAYS = "always"
    NEVER = "never"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False
    )

    discord_token: SecretStr
    mj_api_base_url: AnyHttpUrl
    mj_api_key: SecretStr
    database_path: Path = Path("data/bot.db")
    database_url: SecretStr | None = None  # postgresql://user:pass@host/db wins over the path
    discord_guild_id: int | None = None
    sync_commands: SyncPolicy = SyncPolicy.CHANGED

    mj_auth_style: AuthStyle = AuthStyle.BEARER
    mj_speed_mode: SpeedMode = SpeedMode.NONE
    mj_bot_type: BotType = BotType.MID_JOURNEY

    poll_interval_seconds: float = Field(3.0, gt=0, le=60)
    task_deadline_seconds: float = Field(3600.0, gt=0)
    queue_refresh_seconds: float = Field(10.0, gt=0, le=3600)  # queued jobs' "N ahead"
    request_timeout_seconds: float = Field(30.0, gt=0, le=300)
    max_image_bytes: int = Field(8 * 1024 * 1024, gt=0)
    edit_interval_seconds: float = Field(5.0, ge=0, le=60)
    shutdown_grace_seconds: float = Field(10.0, ge=0, le=300)  # in-flight edits at a stop
    button_policy: ButtonPolicy = ButtonPolicy.OWNER
    swapface_enabled: bool = True  # /swapface submits; off: it answers that it is off
    # /describe links to localhost or private addresses (an aggregator on your own LAN)
    describe_private_links: bool = False
    log_level: str = "INFO"
    log_format: str = "text"  # text, or json: one JSON object per line

    # Credits (off: community mode, nothing is charged) and the limits that apply anyway.
    credits_enabled: bool = False
    new_user_credits: int = Field(0, ge=0)
    prices: str = ""  # kind=credits, comma-separated; unlisted kinds cost 1, modal 0
    admin_user_ids: str = ""  # comma-separated: /mjadmin everywhere, exempt from limits
    admin_log_channel_id: int | None = None
    max_concurrent_jobs_per_user: int = Field(3, ge=0)
    daily_jobs_per_user: int = Field(0, ge=0)
    daily_jobs_per_server: int = Field(0, ge=0)
    cooldown_seconds: float = Field(0.0, ge=0, allow_inf_nan=False)
    allowed_channel_ids: str = ""
    allowed_role_ids: str = ""

    # Prompts with Chinese, Japanese or Korean words translated to English before submit.
    translate_prompts: TranslateMode = TranslateMode.OFF
    translate_model: str = Field("gpt-4o-mini", min_length=1)
    translate_timeout_seconds: float = Field(10.0, gt=0, le=120)

    # Several processes (bot/shards.py): gateway shards, and leases on PostgreSQL.
    shard_count: int | None = Field(None, ge=1, le=65536)  # unset: as Discord recommends
    shard_ids: str = ""  # comma-separated: the shards this process runs; empty = all
    lease_seconds: float = Field(30.0, gt=0, le=3600)  # a dead process's jobs wait this long

    web_listen: str | None = None  # host:port of the bot's web server; unset = none
    public_url: AnyHttpUrl | None = None  # where the aggregator and users reach it

    @field_validator("mj_api_base_url", mode="before")
    @classmethod
    def _strip_mj_suffix(cls, value: object) -> object:
        # Operators often paste ".../mj" or a trailing slash; the client adds "/mj" itself.
        if isinstance(value, str):
            value = value.strip().rstrip("/")
            if value.endswith("/mj"):
                value = value[: -len("/mj")]
        return value

    @model_validator(mode="after")
    def _deadline_outlasts_a_request(self) -> Settings:
        # The sweep fails jobs whose submit went unanswered past the deadline: it must
        # not catch a submit that is still in flight.
        if self.task_deadline_seconds <= 2 * self.request_timeout_seconds:
            raise ValueError(
                "TASK_DEADLINE_SECONDS must be more than twice REQUEST_TIMEOUT_SECONDS"
            )
        return self

    @model_validator(mode="after")
    def _shards(self) -> Settings:
        ids = parse_shard_ids(self.shard_ids)  # checked alone first: a clear message
        check_shards(self.shard_count, ids, shared=self.database_url is not None)
        return self

    @field_validator("shard_ids")
    @classmethod
    def _shard_ids(cls, value: str) -> str:
        parse_shard_ids(value)
        return value

    @field_validator("prices")
    @classmethod
    def _prices(cls, value: str) -> str:
        parse_prices(value)  # raises ValueError naming the bad pair
        return value

    @field_validator("admin_user_ids", "allowed_channel_ids", "allowed_role_ids")
    @classmethod
    def _ids(cls, value: str) -> str:
        parse_ids(value)
        return value

    @field_validator("button_policy", mode="before")
    @classmethod
    def _anyone_is_clicker_pays(cls, value: object) -> object:
        return ButtonPolicy.CLICKER_PAYS if str(value).strip().lower() == "anyone" else value

    @field_validator("translate_prompts", mode="before")
    @classmethod
    def _translate_mode(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("web_listen")
    @classmethod
    def _listen(cls, value: str | None) -> str | None:
        if value is not None:
            parse_listen(value)  # raises ValueError saying what is expected
        return value

    @field_validator(
        "discord_guild_id",
        "database_url",
        "admin_log_channel_id",
        "web_listen",
        "public_url",
        "shard_count",
        mode="before",
    )
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("database_url")
    @classmethod
    def _postgresql_only(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith(
            ("postgresql://", "postgres://", "postgresql+asyncpg://")
        ):
            raise ValueError("must start with postgresql://")
        return value

    @field_validator("log_level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        level = value.strip().upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL")
        return level

    @field_validator("log_format")
    @classmethod
    def _log_format(cls, value: str) -> str:
        fmt = value.strip().lower() or "text"
        if fmt not in {"text", "json"}:
            raise ValueError("must be text or json")
        return fmt

    @field_validator("discord_token", "mj_api_key")
    @classmethod
    def _not_blank(cls, value: SecretStr) -> SecretStr:
        if not value.get_secret_value().strip():
            raise ValueError("must not be empty")
        return value

    @property
    def listen(self) -> tuple[str, int] | None:
        return parse_listen(self.web_listen) if self.web_listen else None

    @property
    def public_base(self) -> str | None:
        """PUBLIC_URL without a trailing slash, or None."""
        return str(self.public_url).rstrip("/") if self.public_url else None

    @property
    def api_root(self) -> str:
        return str(self.mj_api_base_url).rstrip("/")

    @property
    def api_host(self) -> str:
        return self.mj_api_base_url.host or ""

    @property
    def database_url_value(self) -> str | None:
        return self.database_url.get_secret_value() if self.database_url else None

    @property
    def price_table(self) -> Prices:
        return parse_prices(self.prices)

    @property
    def admin_ids(self) -> frozenset[int]:
        return parse_ids(self.admin_user_ids)

    @property
    def default_limits(self) -> LimitValues:
        return LimitValues(
            max_concurrent_jobs_per_user=self.max_concurrent_jobs_per_user,
            daily_jobs_per_user=self.daily_jobs_per_user,
            daily_jobs_per_server=self.daily_jobs_per_server,
            cooldown_seconds=self.cooldown_seconds,
            allowed_channel_ids=parse_ids(self.allowed_channel_ids),
            allowed_role_ids=parse_ids(self.allowed_role_ids),
        )

    def secrets(self) -> list[str]:
        """Values no log line may show."""
        values = [self.discord_token.get_secret_value(), self.mj_api_key.get_secret_value()]
        url = self.database_url_value
        if url:
            password = urlsplit(url).password
            values.append(url)
            if password:  # as typed and as it reads once percent-decoded
                values += [password, unquote(password)]
        return values
