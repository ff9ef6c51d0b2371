"""The Discord-free services built once and passed to whoever needs them."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from bot.config import ButtonPolicy, Settings
from bot.core.jobs import JobLimits, JobService
from bot.core.mj.client import MJClient
from bot.core.storage import ButtonRepository, Database, JobRepository
from bot.core.tracker import Tracker


@dataclass
class CoreServices:
    settings: Settings
    db: Database
    client: MJClient
    jobs: JobRepository
    buttons: ButtonRepository
    tracker: Tracker
    job_service: JobService


def build_core(settings: Settings, http: httpx.AsyncClient, db: Database) -> CoreServices:
    client = MJClient(
        http,
        base_url=settings.api_root,
        api_key=settings.mj_api_key,
        auth_style=settings.mj_auth_style.value,
        speed_mode=settings.mj_speed_mode,
        bot_type=settings.mj_bot_type,
    )
    jobs = JobRepository(db)
    buttons = ButtonRepository(db)
    tracker = Tracker(
        client,
        jobs,
        buttons,
        poll_interval=settings.poll_interval_seconds,
        deadline_seconds=settings.task_deadline_seconds,
    )
    limits = JobLimits(
        max_image_bytes=settings.max_image_bytes,
        owner_only_buttons=settings.button_policy is ButtonPolicy.OWNER,
    )
    service = JobService(client, jobs, buttons, tracker, limits=limits)
    return CoreServices(settings, db, client, jobs, buttons, tracker, service)
