"""SQLite storage: connection and migrations, job and button repositories."""

from bot.core.storage.buttons import ButtonRepository
from bot.core.storage.database import Database, DatabaseTooNewError
from bot.core.storage.jobs import JobRepository
from bot.core.storage.models import (
    InputImage,
    Job,
    JobKind,
    JobStatus,
    MessageKind,
    Origin,
    StoredButton,
)

__all__ = [
    "ButtonRepository",
    "Database",
    "DatabaseTooNewError",
    "InputImage",
    "Job",
    "JobKind",
    "JobRepository",
    "JobStatus",
    "MessageKind",
    "Origin",
    "StoredButton",
]
