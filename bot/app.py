"""The composition root: settings -> HTTP client -> storage -> lifecycle -> services ->
tracker, publisher -> bot. Everything is built here, once, and passed in; the tracker and
the publisher are started and stopped here. The tests build the bot through `build` too."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import discord
import httpx
from discord.ext import commands

from bot.config import ButtonPolicy, Settings, SyncPolicy, TranslateMode
from bot.core.accounts import Accounts
from bot.core.admission import Admission
from bot.core.controls import JobControls
from bot.core.credits import Credits
from bot.core.editor_links import EditorLinks
from bot.core.health import AggregatorHealth, OperatorAlerts
from bot.core.history import JobHistory
from bot.core.imagine_batch import ImagineBatch
from bot.core.job_log import log_job_event
from bot.core.jobs import JobService
from bot.core.lifecycle import JobLifecycle
from bot.core.limits import Limits
from bot.core.metrics import BotMetrics
from bot.core.mj.chat import ChatClient
from bot.core.mj.client import MJClient
from bot.core.preferences import CACHE_SECONDS, Preferences
from bot.core.presses import ButtonPresses
from bot.core.pricing import PriceKind
from bot.core.push import PushHooks, PushInbox, PushSecrets
from bot.core.queued import QUEUE_SECONDS
from bot.core.recovery import SubmitRecovery
from bot.core.starter import JobLimits, JobStarter
from bot.core.stats import StatsService
from bot.core.storage import SqlStorage, open_storage
from bot.core.submit_state import SubmitStates
from bot.core.tracker import Tracker
from bot.core.translate import PromptTranslator
from bot.core.validation import MAX_PROMPT_CHARS
from bot.discord_bot import MJBot
from bot.logging_setup import configure_logging
from bot.shards import ShardPlan
from bot.startup import log_aggregator_check, log_settings
from bot.ui.alerts import AlertSender
from bot.ui.clicks import ClickHandler
from bot.ui.command_sync import CommandSync
from bot.ui.delivery import MessageDelivery
from bot.ui.editor_link import EditorLinkOffer, EditorResults
from bot.ui.expansion import ExpansionConfirm
from bot.ui.flow import CommandFlow
from bot.ui.login import log_in
from bot.ui.publisher import Publisher
from bot.web.editor import EditorSite
from bot.web.health import (
    DatabaseProbe,
    GatewayState,
    HealthCheck,
    TrackerLiveness,
    tracker_grace,
)
from bot.web.server import WebServer
from bot.web.wiring import build_web, web_warnings
from cogs.account import Account
from cogs.admin import Admin
from cogs.blend import Blend
from cogs.context_menus import ContextMenus
from cogs.describe import Describe
from cogs.history import History
from cogs.imagine import Imagine
from cogs.settings import SettingsCommand
from cogs.shorten import Shorten
from cogs.swapface import SwapFace

log = logging.getLogger(__name__)

AGGREGATOR_CHECK_SECONDS = 10.0  # the longest the start waits for the aggregator's answer


@dataclass(frozen=True)
class Core:
    """The Discord-free services, wired to each other."""

    storage: SqlStorage
    client: MJClient
    lifecycle: JobLifecycle
    tracker: Tracker
    jobs: JobService
    presses: ButtonPresses
    admission: Admission | None
    preferences: Preferences
    controls: JobControls
    history: JobHistory
    push_secrets: PushSecrets | None = None  # one process with PUBLIC_URL: hook hashes


@dataclass(frozen=True)
class App:
    settings: Settings
    core: Core
    publisher: Publisher
    bot: MJBot
    alerts: AlertSender
    operator_alerts: OperatorAlerts
    metrics: BotMetrics
    web: WebServer | None = None  # WEB_LISTEN: push, the Vary (Region) editor, health


def build_core(
    client: MJClient,
    storage: SqlStorage,
    *,
    limits: JobLimits,
    poll_interval: float,
    deadline_seconds: float,
    queue_interval: float = QUEUE_SECONDS,
    queued_poll_interval: float | None = None,
    admission: Admission | None = None,
    public_base: str | None = None,
    translator: PromptTranslator | None = None,
    clock: Callable[[], float] = time.time,
    press_clock: Callable[[], float] = time.time,  # the double-click window's
) -> Core:
    """The core as every process runs it; without `admission` nothing is limited or
    charged (tests of the pipeline alone); with `public_base` (PUBLIC_URL) every submit
    carries a notifyHook."""
    lifecycle = JobLifecycle(storage, gate=admission, clock=clock)
    if admission is not None:
        lifecycle.subscribe_in_transaction_batch(admission.credits.on_job_events)
    states = SubmitStates(storage.meta)  # every submit's `state`: <instance>:<job id>
    tracker = Tracker(
        client,
        storage.jobs,
        lifecycle,
        poll_interval=poll_interval,
        deadline_seconds=deadline_seconds,
        queue_interval=queue_interval,
        queued_poll_interval=queued_poll_interval,
        recovery=SubmitRecovery(client, states, lifecycle),
        leases=storage.leases,
        clock=clock,
    )
    lifecycle.subscribe(tracker.on_job_event)
    lifecycle.subscribe(log_job_event)  # one line per status change, with its ids
    # One process: every hook is issued here, so their hashes can be checked in memory.
    secrets = PushSecrets() if public_base and not storage.leases.shared else None
    if secrets is not None:
        lifecycle.subscribe(secrets.on_job_event)
    hooks = PushHooks(storage.jobs, public_base, secrets=secrets) if public_base else None
    starter = JobStarter(lifecycle, hooks=hooks, states=states)
    # Several processes: a user's /settings in one must count at once in the others.
    ttl = 0.0 if storage.leases.shared else CACHE_SECONDS
    preferences = Preferences(storage.preferences, clock=clock, ttl=ttl)
    jobs = JobService(
        client,
        storage.jobs,
        lifecycle,
        starter,
        preferences=preferences,
        limits=limits,
        translator=translator,
    )
    presses = ButtonPresses(
        jobs, starter, client, storage.jobs, storage.buttons, limits=limits, clock=press_clock
    )
    controls = JobControls(client, storage.jobs, lifecycle)
    history = JobHistory(storage.jobs)
    return Core(
        storage,
        client,
        lifecycle,
        tracker,
        jobs,
        presses,
        admission,
        preferences,
        controls,
        history,
        secrets,
    )


def aggregator_client(settings: Settings, http: httpx.AsyncClient, **extra: Any) -> MJClient:
    """The aggregator client as the settings describe it (`extra`: observer, retry)."""
    return MJClient(
        http,
        base_url=settings.api_root,
        api_key=settings.mj_api_key,
        auth_style=settings.mj_auth_style.value,
        speed_mode=settings.mj_speed_mode,
        bot_type=settings.mj_bot_type,
        **extra,
    )


def prompt_translator(
    settings: Settings, http: httpx.AsyncClient, storage: SqlStorage
) -> PromptTranslator | None:
    """TRANSLATE_PROMPTS=auto: the aggregator's chat model, with the same key."""
    if settings.translate_prompts is not TranslateMode.AUTO:
        return None
    chat = ChatClient(
        http,
        base_url=settings.api_root,
        api_key=settings.mj_api_key,
        model=settings.translate_model,
        timeout=settings.translate_timeout_seconds,
    )
    return PromptTranslator(
        chat, storage.translations, model=settings.translate_model, max_chars=MAX_PROMPT_CHARS
    )


def build(settings: Settings, http: httpx.AsyncClient, storage: SqlStorage) -> App:
    health = AggregatorHealth()
    metrics = BotMetrics()
    client = aggregator_client(settings, http, observer=health.record)
    client.add_observer(metrics.aggregator_request)
    limits = JobLimits(
        max_image_bytes=settings.max_image_bytes,
        owner_only_buttons=settings.button_policy is ButtonPolicy.OWNER,
        owner_pays=settings.button_policy is ButtonPolicy.OWNER_PAYS,
        swapface_enabled=settings.swapface_enabled,
        private_links=settings.describe_private_links,
    )
    admission = Admission(
        Limits(settings.default_limits, exempt_user_ids=settings.admin_ids),
        Credits(
            settings.price_table,
            enabled=settings.credits_enabled,
            new_user_credits=settings.new_user_credits,
        ),
    )
    core = build_core(
        client,
        storage,
        limits=limits,
        poll_interval=settings.poll_interval_seconds,
        deadline_seconds=settings.task_deadline_seconds,
        queue_interval=settings.queue_refresh_seconds,
        admission=admission,
        # notifyHooks only where something answers them: PUBLIC_URL and WEB_LISTEN both.
        public_base=settings.public_base if settings.listen else None,
        translator=prompt_translator(settings, http, storage),
    )
    shards = ShardPlan.of(settings)
    sync = CommandSync(
        storage.meta,
        guild_id=settings.discord_guild_id,
        # One process syncs for all: the one running shard 0.
        policy=settings.sync_commands if shards.syncs_commands else SyncPolicy.NEVER,
    )
    accounts = Accounts(storage, admission, admin_user_ids=settings.admin_ids)
    bot = MJBot(sync, accounts, shard_count=shards.count, shard_ids=shards.ids)
    gateway = GatewayState()
    gateway.attach(bot)  # /healthz: connected as discord.py's events say
    stats = StatsService(storage.stats)
    sender = AlertSender(
        bot, channel_id=settings.admin_log_channel_id, admin_ids=settings.admin_ids
    )
    operator_alerts = OperatorAlerts(
        health, sender.send, stats=stats, quota=client.billing_quota, meta=storage.meta
    )

    def download(url: str, limit: int) -> Awaitable[bytes]:
        return client.download(url, max_bytes=limit)

    publisher = Publisher(
        MessageDelivery(bot, storage.jobs),
        storage.jobs,
        storage.buttons,
        download,
        interval=settings.edit_interval_seconds,
        on_edit=metrics.edit_delivered,
        leases=storage.leases,
    )
    core.lifecycle.subscribe(publisher.on_job_event)
    core.lifecycle.subscribe(metrics.on_job_event)
    metrics.count_in_flight(lambda: core.tracker.tracked_count)
    flow = CommandFlow(publisher, core.preferences)
    jobs = core.jobs
    credits = admission.credits

    def imagine_price() -> int | None:
        return credits.prices.of(PriceKind.IMAGINE) if credits.enabled else None

    confirm = ExpansionConfirm(publisher, core.preferences, price=imagine_price)
    bot.add_dynamic_items(confirm.button_class())
    cogs: list[commands.Cog] = [
        Imagine(jobs, flow, ImagineBatch(jobs), confirm),
        Blend(jobs, flow),
        Describe(jobs, flow),
        Shorten(jobs, flow),
        SwapFace(jobs, flow),
        Account(accounts),
        SettingsCommand(core.preferences, bot),
        History(core.history, core.preferences, publisher, accounts, bot),
        Admin(accounts, bot, stats=stats, quota=client.billing_quota),
        ContextMenus(jobs, flow, bot.tree, download),
    ]

    def is_admin(interaction: discord.Interaction) -> bool:
        manages = interaction.permissions.manage_guild
        return accounts.is_admin(interaction.user.id, manages_server=manages)

    # PUBLIC_URL and WEB_LISTEN: Vary (Region) answers with a link to the editor page.
    public = settings.public_base if settings.listen else None
    links = EditorLinks(storage.editor_links) if public else None
    offer = EditorLinkOffer(links, public) if links and public else None
    clicks = ClickHandler(jobs, core.presses, core.controls, flow, is_admin=is_admin, editor=offer)
    bot.mount(cogs, clicks)
    grace = tracker_grace(settings.poll_interval_seconds, settings.request_timeout_seconds)
    checks = HealthCheck(
        gateway, DatabaseProbe(storage.meta), TrackerLiveness(core.tracker, within=grace), health
    )
    inbox = PushInbox(storage.jobs, core.tracker, metrics=metrics, secrets=core.push_secrets)
    editor = None
    if links is not None:
        results = EditorResults(bot, MessageDelivery(bot, storage.jobs), publisher)
        editor = EditorSite(links, core.presses, download, results)
    web = (
        build_web(settings, metrics, checks, push=inbox, editor=editor) if settings.listen else None
    )
    return App(settings, core, publisher, bot, sender, operator_alerts, metrics, web)


@asynccontextmanager
async def started(app: App) -> AsyncIterator[App]:
    """Log in (cogs, buttons, command sync), resume tracking, watch for operator alerts
    and re-send what a previous run did not deliver; on the way out stop all of that,
    send pending edits, close."""
    async with app.bot:
        await app.core.preferences.load()  # before the first command can arrive
        await log_in(app.bot, app.settings.discord_token.get_secret_value())
        await app.core.tracker.start()
        app.publisher.start()
        app.alerts.start(app.operator_alerts)
        try:
            if app.web is not None:  # a port in use fails here: the rest still stops
                await app.web.start()
            shown = await app.publisher.republish_unshown()
            if shown:
                log.info("re-sending %d final states a previous run did not deliver", shown)
            yield app
        finally:
            if app.web is not None:  # first: nothing new arrives while the rest stops
                await app.web.stop()
            await app.alerts.stop()
            await app.core.tracker.stop()
            await app.publisher.flush(within=app.settings.shutdown_grace_seconds)
            await app.publisher.close()


async def run(settings: Settings) -> None:
    configure_logging(
        settings.log_level, secrets=settings.secrets(), log_format=settings.log_format
    )
    _stop_on_sigterm(asyncio.current_task())
    timeout = httpx.Timeout(settings.request_timeout_seconds, connect=10.0)
    stopping = False
    async with httpx.AsyncClient(timeout=timeout, follow_redirects=True) as http:
        storage = await open_storage(
            path=settings.database_path,
            url=settings.database_url_value,
            lease_seconds=settings.lease_seconds,
        )
        try:
            log_settings(settings, storage.backend)
            # Is the aggregator there, and does it take the key? Told before the login,
            # waited for a few seconds at most, never fatal.
            await log_aggregator_check(settings, within=AGGREGATOR_CHECK_SECONDS)
            shards = ShardPlan.of(settings)
            log.info(
                "%s; lease owner %s%s",
                shards.describe(),
                storage.leases.owner,
                "" if shards.syncs_commands else "; commands are synced by the process of shard 0",
            )
            for warning in shards.warnings(settings.discord_guild_id):
                log.warning("%s", warning)
            if settings.credits_enabled and not settings.admin_ids:
                log.warning(
                    "credits are on but ADMIN_USER_IDS is empty: every server's managers "
                    "may grant credits that count everywhere; name the operators"
                )
            for warning in web_warnings(settings):
                log.warning("%s", warning)
            async with started(build(settings, http, storage)) as app:
                freeze_heap()
                try:
                    await app.bot.connect()
                except asyncio.CancelledError:  # Ctrl-C or SIGTERM: the normal way to stop
                    stopping = True
                    raise
        finally:
            await storage.close()
            if stopping:  # said only after a clean stop, never before a start-up error
                log.info("stopped cleanly")


def freeze_heap() -> None:
    """What exists once the bot has started (modules, the bot, its caches) lives as long
    as the process: the collector is told not to walk it again at every collection,
    which under load (a burst of commands, a tick of thousands of jobs) costs more than
    the work itself. Once per process: what is frozen is never freed."""
    gc.collect()
    gc.freeze()


def _stop_on_sigterm(task: asyncio.Task[object] | None) -> None:
    """SIGTERM (docker stop, systemd) ends the bot like Ctrl-C: everything closes. Once:
    a second SIGTERM would cut the shutdown grace short mid-flush (SIGKILL ends it now)."""
    if task is None:
        return

    def stop() -> None:
        if not task.cancelling():
            task.cancel()

    with contextlib.suppress(NotImplementedError, RuntimeError):  # Windows has no such signal
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop)
