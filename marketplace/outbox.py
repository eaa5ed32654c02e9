"""Transactional outbox: enqueue side effects in the caller's transaction; `flask worker` delivers.

- Who handles what is one table, `marketplace/handlers.py` (topic -> handlers, plus the chores),
  handed to `init_app` by the app factory. Nothing registers itself by being imported.
- `enqueue(session, topic, payload)` writes one row per handler subscribed to `topic`, inside the
  use case's transaction, so the side effect exists if and only if the change was committed. A
  topic nobody handles raises `UnknownTopic`: a side effect is never silently dropped.
- The worker claims due rows (FOR UPDATE SKIP LOCKED on PostgreSQL; on SQLite the claim is one
  UPDATE inside BEGIN IMMEDIATE, so two workers never claim the same row), runs the handler, and
  marks the row done. A failing handler is retried with exponential backoff and, after
  MAX_ATTEMPTS, dead-lettered for city staff to see. Other rows proceed.
- Delivery is at least once: handlers are idempotent (they get the message id as a key).
"""

import logging
import os
import socket
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from . import clock
from .database import write_transaction
from .extensions import db
from .models.outbox import OutboxMessage, OutboxStatus
from .ops import heartbeat

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
LEASE = timedelta(minutes=5)  # a claimed row is retried by others if its worker died


@dataclass(frozen=True)
class Message:
    """What a handler receives: the row's id (an idempotency key), topic and payload."""

    id: int
    topic: str
    payload: dict
    attempts: int


Handler = Callable[[Message], None]
Chore = Callable[[], object]


class UnknownTopic(LookupError):
    """A topic was enqueued that no handler in marketplace/handlers.py subscribes to."""


@dataclass(frozen=True)
class Subscriber:
    """One handler of a topic; `when` names the config flag that switches it on (None: always)."""

    handler: Handler
    when: str | None = None

    @property
    def name(self) -> str:
        """The name stored in each outbox row (module.function), resolved again at delivery."""
        return f"{self.handler.__module__}.{self.handler.__qualname__}"


class Wiring:
    """The table of side effects as the outbox reads it: topic -> subscribers, and the chores."""

    def __init__(self, handlers: Mapping[str, Sequence[Subscriber]], chores: Sequence[Chore]):
        self.topics = {topic: tuple(subscribers) for topic, subscribers in handlers.items()}
        self.by_name: dict[str, Handler] = {
            s.name: s.handler for subscribers in self.topics.values() for s in subscribers
        }
        self.chores = tuple(chores)


def init_app(app, handlers: Mapping[str, Sequence[Subscriber]], chores: Sequence[Chore]) -> None:
    """Read the table of side effects (marketplace/handlers.py) once, at start-up."""
    app.extensions["outbox"] = Wiring(handlers, chores)


def wiring() -> Wiring:
    """The current app's table of side effects."""
    return current_app.extensions["outbox"]


def enqueue(session, topic: str, payload: dict, *, delay: timedelta | None = None) -> None:
    """Add the messages for `topic` to the caller's transaction (one per subscribed handler that
    is switched on). Raises UnknownTopic when no handler subscribes to `topic`."""
    subscribers = wiring().topics.get(topic)
    if subscribers is None:
        raise UnknownTopic(f"no handler subscribes to {topic!r}; add it to marketplace/handlers.py")
    due = clock.now() + (delay or timedelta(0))
    for subscriber in subscribers:
        if subscriber.when is not None and not current_app.config[subscriber.when]:
            continue
        session.add(
            OutboxMessage(topic=topic, handler=subscriber.name, payload=payload, available_at=due)
        )


def _claim(worker_id: str, limit: int) -> list[int]:
    now = clock.now()
    with write_transaction() as session:
        due = (
            sa.select(OutboxMessage.id)
            .where(
                OutboxMessage.status == OutboxStatus.PENDING,
                OutboxMessage.available_at <= now,
                sa.or_(OutboxMessage.locked_until.is_(None), OutboxMessage.locked_until < now),
            )
            .order_by(OutboxMessage.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        ids = list(session.scalars(due))
        if ids:
            session.execute(
                sa.update(OutboxMessage)
                .where(OutboxMessage.id.in_(ids))
                .values(locked_until=now + LEASE, locked_by=worker_id)
            )
    return ids


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(5 * 2 ** (attempts - 1), 3600))


def _deliver(message_id: int, worker_id: str) -> bool:
    row = db.session.get(OutboxMessage, message_id)
    if row is None or row.status != OutboxStatus.PENDING or row.locked_by != worker_id:
        return False
    message = Message(id=row.id, topic=row.topic, payload=dict(row.payload), attempts=row.attempts)
    handler = wiring().by_name.get(row.handler)
    db.session.rollback()  # the handler runs in its own transactions
    try:
        if handler is None:
            raise LookupError(f"no handler named {row.handler!r}")
        handler(message)
    except Exception as exc:  # noqa: BLE001 - any handler failure is retried, then dead-lettered
        db.session.rollback()
        log.warning("outbox message %s (%s) failed: %s", message_id, message.topic, exc)
        with write_transaction() as session:
            row = session.get(OutboxMessage, message_id)
            row.attempts += 1
            row.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            row.locked_until = None
            if row.attempts >= MAX_ATTEMPTS:
                row.status = OutboxStatus.DEAD
            else:
                row.available_at = clock.now() + _backoff(row.attempts)
        return False
    with write_transaction() as session:
        row = session.get(OutboxMessage, message_id)
        row.status = OutboxStatus.DONE
        row.attempts += 1
        row.processed_at = clock.now()
        row.locked_until = None
    return True


def run_once(worker_id: str | None = None, batch: int = 50) -> int:
    """Run the chores, then deliver every due message. Returns how many were delivered."""
    worker_id = worker_id or default_worker_id()
    for task in wiring().chores:
        try:
            task()
        except Exception:  # noqa: BLE001 - a failing chore must not stop deliveries
            db.session.rollback()
            log.exception("chore %s failed", task.__name__)
    delivered = 0
    while True:
        heartbeat.beat(worker_id)  # /readyz: this worker is alive (throttled)
        ids = _claim(worker_id, batch)
        if not ids:
            return delivered
        for message_id in ids:
            delivered += _deliver(message_id, worker_id)


def run_forever(poll_seconds: float = 2.0) -> None:
    """The long-running worker loop (`flask worker`)."""
    worker_id = default_worker_id()
    log.info("worker %s started", worker_id)
    while True:
        if run_once(worker_id) == 0:
            time.sleep(poll_seconds)


def default_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def retry(message_id: int) -> bool:
    """Put a dead-lettered message back in the queue (city staff, after fixing the cause)."""
    with write_transaction() as session:
        row = session.get(OutboxMessage, message_id)
        if row is None or row.status != OutboxStatus.DEAD:
            return False
        row.status, row.attempts, row.available_at, row.locked_until = (
            OutboxStatus.PENDING,
            0,
            clock.now(),
            None,
        )
    return True


def troubled(limit: int = 200) -> list[OutboxMessage]:
    """Dead letters and messages that are failing, newest first (for city staff)."""
    return list(
        db.session.scalars(
            sa.select(OutboxMessage)
            .where(
                sa.or_(
                    OutboxMessage.status == OutboxStatus.DEAD,
                    sa.and_(
                        OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.attempts > 0
                    ),
                )
            )
            .order_by(OutboxMessage.id.desc())
            .limit(limit)
        )
    )
