"""Whose a lease is and how long it lasts, and the clock it is measured by.

Each process opens its storage with a random owner id made at start. On PostgreSQL every
expiry is written and compared in the database's own clock (epoch seconds of `now()`), so
processes on machines whose clocks differ still agree on when a lease has run out; SQLite
holds one process only, and its clock is the process's.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Double, cast, func, literal

from bot.core.storage.engine import Scope

LEASE_SECONDS = 30.0  # LEASE_SECONDS' default


def new_owner() -> str:
    """A process's lease owner id: random, made once at start."""
    return secrets.token_hex(8)


@dataclass(frozen=True)
class LeaseTerms:
    owner: str = field(default_factory=new_owner)
    seconds: float = LEASE_SECONDS
    clock: Callable[[], float] = time.time  # SQLite only; PostgreSQL uses its own


def db_now(scope: Scope, terms: LeaseTerms) -> ColumnElement[float]:
    """The time leases are measured by, as an SQL expression."""
    if scope.is_sqlite:
        return literal(terms.clock(), Double())
    return cast(func.extract("epoch", func.now()), Double())


def held_values(scope: Scope, terms: LeaseTerms) -> dict[str, Any]:
    """The columns that lease a job to this process for `terms.seconds` from now."""
    return {"lease_owner": terms.owner, "lease_expires_at": db_now(scope, terms) + terms.seconds}
