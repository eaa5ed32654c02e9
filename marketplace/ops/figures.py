"""Figures read from the database for /readyz and /metrics: outbox backlog, worker heartbeats."""

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from .. import clock
from ..extensions import db
from ..models.outbox import OutboxMessage, OutboxStatus
from .heartbeat import WorkerHeartbeat


@dataclass(frozen=True)
class Backlog:
    pending: int  # not yet delivered, due now or scheduled later (reminders, retries)
    due: int  # pending and due now
    oldest_due_age_s: float  # how long the oldest due message has waited (0 when none)
    dead: int  # gave up after the retry budget


@dataclass(frozen=True)
class WorkerSeen:
    fresh: int  # workers seen within the window
    last_seen_age_s: float | None  # since the most recent heartbeat (None: never)


def _age(now: datetime, then: datetime | None) -> float:
    """Seconds from `then` to `now`, never negative (0 for nothing)."""
    return max(0.0, round((now - then).total_seconds(), 3)) if then is not None else 0.0


def outbox_backlog() -> Backlog:
    """Counts by state and the oldest due message, in one query."""
    now = clock.now()
    pending = OutboxMessage.status == OutboxStatus.PENDING
    due = sa.and_(pending, OutboxMessage.available_at <= now)
    row = db.session.execute(
        sa.select(
            sa.func.count().filter(pending),
            sa.func.count().filter(due),
            sa.func.min(OutboxMessage.available_at).filter(due),
            sa.func.count().filter(OutboxMessage.status == OutboxStatus.DEAD),
        )
    ).one()
    db.session.rollback()
    return Backlog(pending=row[0], due=row[1], oldest_due_age_s=_age(now, row[2]), dead=row[3])


def worker_seen(window: timedelta | None = None) -> WorkerSeen:
    """How many workers beat within `window` (READY_WORKER_MAX_AGE_S), and the latest beat's age."""
    now = clock.now()
    window = window or timedelta(seconds=current_app.config["READY_WORKER_MAX_AGE_S"])
    row = db.session.execute(
        sa.select(
            sa.func.count().filter(WorkerHeartbeat.seen_at >= now - window),
            sa.func.max(WorkerHeartbeat.seen_at),
        )
    ).one()
    db.session.rollback()
    return WorkerSeen(
        fresh=row[0], last_seen_age_s=_age(now, row[1]) if row[1] is not None else None
    )
