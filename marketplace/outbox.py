"""Transactional outbox: enqueue side effects in the caller's transaction; `flask worker` delivers.

- Who handles what is one table, `marketplace/handlers.py` (topic -> handlers, plus the chores),
  handed to `init_app` by the app factory. Nothing registers itself by being imported.
- `enqueue(session, topic, payload)` writes one row per handler subscribed to `topic`, inside the
  use case's transaction, so the side effect exists if and only if the change was committed. A
  topic nobody handles raises `UnknownTopic`: a side effect is never silently dropped.
- The worker claims a batch of due rows in one UPDATE ... RETURNING (its subquery FOR UPDATE
  SKIP LOCKED on PostgreSQL; on SQLite inside BEGIN IMMEDIATE), so two workers never claim the
  same row; a claim is a lease, retried by others if its worker dies. The search indexes'
  messages are claimed first, so a backlog of e-mails never delays search. It delivers the batch
  grouped by handler (a handler with a batch form, such as the search index's, gets all its
  messages at once) and marks the delivered rows done in one UPDATE. A failing batch is
  delivered again one message at a time, so only the bad message fails: it is retried alone
  with exponential backoff and, after MAX_ATTEMPTS, dead-lettered for city staff to see.
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
BATCH = 200  # messages claimed at once: one claim statement, one "done" statement per batch
IDLE_CHECK_S = 0.05  # how often an idle worker looks for new messages (commit-to-index lag)


@dataclass(frozen=True)
class Message:
    """What a handler receives: the row's id (an idempotency key), topic and payload."""

    id: int
    topic: str
    payload: dict
    attempts: int


Handler = Callable[[Message], None]
BatchHandler = Callable[[list[Message]], None]  # many messages of one handler at once
Chore = Callable[[], object]


class UnknownTopic(LookupError):
    """A topic was enqueued that no handler in marketplace/handlers.py subscribes to."""


@dataclass(frozen=True)
class Subscriber:
    """One handler of a topic; `when` names the config flag that switches it on (None: always);
    `batch`, when given, delivers many of its messages at once (same effect as one by one);
    `first`: its messages are claimed and delivered before older ones of other handlers (the
    search indexes: behind a backlog of e-mails a change still becomes searchable at once)."""

    handler: Handler
    when: str | None = None
    batch: BatchHandler | None = None
    first: bool = False

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
        self.batches: dict[str, BatchHandler] = {
            s.name: s.batch for subscribers in self.topics.values() for s in subscribers if s.batch
        }
        self.first = {
            s.name for subscribers in self.topics.values() for s in subscribers if s.first
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
    enqueue_all(session, [(topic, payload)], delay=delay)


def enqueue_all(
    session, messages: Sequence[tuple[str, dict]], *, delay: timedelta | None = None
) -> None:
    """`enqueue` for several (topic, payload) pairs of one use case, written in one INSERT on
    the table, without ORM objects: nothing reads them back in the transaction, and a
    reservation makes several at up to hundreds a second (issue 16)."""
    due = clock.now() + (delay or timedelta(0))
    rows = []
    for topic, payload in messages:
        subscribers = wiring().topics.get(topic)
        if subscribers is None:
            raise UnknownTopic(
                f"no handler subscribes to {topic!r}; add it to marketplace/handlers.py"
            )
        rows += [
            {"topic": topic, "handler": s.name, "payload": payload, "available_at": due}
            for s in subscribers
            if s.when is None or current_app.config[s.when]
        ]
    if rows:
        session.connection().execute(_INSERT, rows)


_INSERT = OutboxMessage.__table__.insert()


def _due_clause(now):
    return sa.and_(
        OutboxMessage.status == OutboxStatus.PENDING,
        OutboxMessage.available_at <= now,
        sa.or_(OutboxMessage.locked_until.is_(None), OutboxMessage.locked_until < now),
    )


def _claim_batch(worker_id: str, limit: int) -> list[tuple[str, Message]]:
    """Lease up to `limit` due messages to this worker in one statement: (handler, message)
    pairs in id order. PostgreSQL skips rows another worker is claiming (SKIP LOCKED); SQLite
    runs it inside BEGIN IMMEDIATE, so claims never overlap there either."""
    now = clock.now()
    # The search indexes' messages first (Subscriber.first): behind a backlog of notifications
    # and e-mails a change still becomes searchable within one batch.
    indexes_first = sa.case((OutboxMessage.handler.in_(sorted(wiring().first)), 0), else_=1)
    due = (
        sa.select(OutboxMessage.id)
        .where(_due_clause(now))
        .order_by(indexes_first, OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    claim = (
        sa.update(OutboxMessage)
        .where(OutboxMessage.id.in_(due.scalar_subquery()))
        .values(locked_until=now + LEASE, locked_by=worker_id)
        .returning(
            OutboxMessage.id,
            OutboxMessage.topic,
            OutboxMessage.handler,
            OutboxMessage.payload,
            OutboxMessage.attempts,
        )
        .execution_options(synchronize_session=False)
    )
    with write_transaction() as session:
        rows = sorted(session.execute(claim).all(), key=lambda row: row.id)
    return [(r.handler, Message(r.id, r.topic, dict(r.payload or {}), r.attempts)) for r in rows]


def _claim(worker_id: str, limit: int) -> list[int]:
    """The ids of a batch leased to `worker_id` (see _claim_batch)."""
    return [message.id for _, message in _claim_batch(worker_id, limit)]


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(5 * 2 ** (attempts - 1), 3600))


def _run_batch(name: str, messages: list[Message], done: list[int]) -> bool:
    """Deliver first-time messages of one handler at once when it has a batch form; True if
    they were (a failure is retried one message at a time, so a bad one fails alone)."""
    batch = wiring().batches.get(name)
    if batch is None or len(messages) < 2:
        return False
    db.session.rollback()  # the handler reads fresh state and runs in its own transactions
    try:
        batch(messages)
    except Exception as exc:  # noqa: BLE001 - isolated below: each message on its own
        db.session.rollback()
        log.info("batch of %d for %s failed (%s); one at a time", len(messages), name, exc)
        return False
    done.extend(m.id for m in messages)
    return True


def _run_one(name: str, message: Message, done: list[int], failed: dict) -> None:
    handler = wiring().by_name.get(name)
    db.session.rollback()  # the handler reads fresh state and runs in its own transactions
    try:
        if handler is None:
            raise LookupError(f"no handler named {name!r}")
        handler(message)
    except Exception as exc:  # noqa: BLE001 - any handler failure is retried, then dead-lettered
        db.session.rollback()
        log.warning("outbox message %s (%s) failed: %s", message.id, message.topic, exc)
        failed[message.id] = exc
    else:
        done.append(message.id)


def _settle(done: list[int], failed: dict) -> None:
    """Mark the delivered messages done in one statement; back off (or dead-letter) the failed."""
    if not done and not failed:
        return
    now = clock.now()
    db.session.rollback()
    with write_transaction() as session:
        if done:
            session.execute(
                sa.update(OutboxMessage)
                .where(OutboxMessage.id.in_(done), OutboxMessage.status == OutboxStatus.PENDING)
                .values(
                    status=OutboxStatus.DONE,
                    attempts=OutboxMessage.attempts + 1,
                    processed_at=now,
                    locked_until=None,
                )
                .execution_options(synchronize_session=False)
            )
        for message_id, exc in failed.items():
            row = session.get(OutboxMessage, message_id)
            row.attempts += 1
            row.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            row.locked_until = None
            if row.attempts >= MAX_ATTEMPTS:
                row.status = OutboxStatus.DEAD
            else:
                row.available_at = now + _backoff(row.attempts)


def _deliver_batch(claimed: list[tuple[str, Message]]) -> int:
    """Deliver a claimed batch grouped by handler; returns how many were delivered. What was
    delivered is recorded even if the worker is stopped part-way (KeyboardInterrupt)."""
    groups: dict[str, list[Message]] = {}
    for name, message in claimed:
        groups.setdefault(name, []).append(message)
    done: list[int] = []
    failed: dict[int, Exception] = {}
    first = wiring().first
    try:
        # The search indexes (Subscriber.first) first: a change is searchable before the other
        # handlers of its topic run, as when the batch was delivered in id order.
        for name, messages in sorted(groups.items(), key=lambda group: group[0] not in first):
            # A message that failed before is retried alone: it never drags a batch down again.
            first_time = [m for m in messages if m.attempts == 0]
            if _run_batch(name, first_time, done):
                messages = [m for m in messages if m.attempts > 0]
            for message in messages:
                _run_one(name, message, done, failed)
    finally:
        _settle(done, failed)
    return len(done)


def deliver_due(
    worker_id: str, batch: int = BATCH, until: float | None = None, *, backlog_only=False
) -> int:
    """Deliver every due message, a batch at a time (claiming no more after the monotonic
    time `until`, if given). With `backlog_only`, stop after a batch that was not full: what
    arrives next is left to gather for a moment (run_forever). Returns how many were delivered."""
    delivered = 0
    while until is None or time.monotonic() < until:
        heartbeat.beat(worker_id)  # /readyz: this worker is alive (throttled)
        claimed = _claim_batch(worker_id, batch)
        if not claimed:
            return delivered
        delivered += _deliver_batch(claimed)
        if backlog_only and len(claimed) < batch:
            return delivered
    return delivered


def run_chores() -> None:
    """The scheduled chores (marketplace/handlers.py), each on its own; a failure is logged."""
    for task in wiring().chores:
        try:
            task()
        except Exception:  # noqa: BLE001 - a failing chore must not stop deliveries
            db.session.rollback()
            log.exception("chore %s failed", task.__name__)


def run_once(worker_id: str | None = None, batch: int = BATCH) -> int:
    """Run the chores, then deliver every due message. Returns how many were delivered."""
    worker_id = worker_id or default_worker_id()
    run_chores()
    return deliver_due(worker_id, batch)


def anything_due() -> bool:
    """True when a message is waiting for delivery (a cheap read, for an idle worker)."""
    now = clock.now()
    found = db.session.scalar(sa.select(OutboxMessage.id).where(_due_clause(now)).limit(1))
    db.session.rollback()
    return found is not None


def run_forever(poll_seconds: float = 2.0) -> None:
    """The long-running worker loop (`flask worker`): the chores every `poll_seconds`, and
    deliveries of what is due every IDLE_CHECK_S. A backlog is delivered in full batches
    without a pause; otherwise what arrives in IDLE_CHECK_S is delivered together: a steady
    trickle (a reservation every few milliseconds) then costs one claim and one "done" per
    batch of several messages instead of per message or two."""
    worker_id = default_worker_id()
    log.info("worker %s started", worker_id)
    while True:
        run_chores()
        chores_due = time.monotonic() + poll_seconds
        while time.monotonic() < chores_due:
            if anything_due():  # a busy worker still runs its chores: `until`
                deliver_due(worker_id, until=chores_due, backlog_only=True)
            else:
                heartbeat.beat(worker_id)  # /readyz: alive while idle too (throttled)
            time.sleep(IDLE_CHECK_S)


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
