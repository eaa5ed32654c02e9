"""The worker heartbeat: each worker pass records that its worker is alive; /readyz reads it."""

import logging
from datetime import datetime, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app

from .. import clock
from ..database import write_transaction
from ..extensions import db
from ..models.types import UTCDateTime

log = logging.getLogger(__name__)
EVERY = timedelta(seconds=5)  # at most one write per worker this often (passes run every 2 s)
FORGET_AFTER = timedelta(days=7)  # rows of workers gone this long are removed


class WorkerHeartbeat(db.Model):
    """When a worker (host:pid) started and when it last finished a pass."""

    __tablename__ = "worker_heartbeat"

    worker_id: so.Mapped[str] = so.mapped_column(sa.String(80), primary_key=True)
    started_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=clock.now)
    seen_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=clock.now, index=True)


def beat(worker_id: str) -> None:
    """Record that `worker_id` is alive (throttled); a failure is logged, never raised."""
    now = clock.now()
    last_beats = current_app.extensions.setdefault("kera_heartbeats", {})
    last = last_beats.get(worker_id)
    if last is not None and timedelta(0) <= now - last < EVERY:
        return
    try:
        with write_transaction() as session:
            row = session.get(WorkerHeartbeat, worker_id)
            if row is None:
                session.add(WorkerHeartbeat(worker_id=worker_id[:80], started_at=now, seen_at=now))
            else:
                row.seen_at = now
            session.execute(
                sa.delete(WorkerHeartbeat).where(WorkerHeartbeat.seen_at < now - FORGET_AFTER)
            )
    except Exception:
        log.warning("worker heartbeat could not be written", exc_info=True)
        return
    last_beats[worker_id] = now
