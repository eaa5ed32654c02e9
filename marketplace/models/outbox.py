"""The transactional outbox: side effects written with the change, delivered by `flask worker`."""

import enum
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from .. import clock
from ..extensions import db
from .types import UTCDateTime, string_enum


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"
    DONE = "done"
    DEAD = "dead"  # gave up after the retry budget; visible to city staff


class OutboxMessage(db.Model):
    """One side effect to deliver (a notification, an index update, a Stripe call)."""

    __tablename__ = "outbox_message"
    __table_args__ = (sa.Index("ix_outbox_due", "status", "available_at"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    topic: so.Mapped[str] = so.mapped_column(
        sa.String(60)
    )  # entity.past_tense, e.g. listing.changed
    handler: so.Mapped[str] = so.mapped_column(sa.String(120))  # module.function that delivers it
    payload: so.Mapped[dict] = so.mapped_column(sa.JSON, default=dict)
    status: so.Mapped[OutboxStatus] = so.mapped_column(
        string_enum(OutboxStatus, "outbox_status", length=10),
        default=OutboxStatus.PENDING,
    )
    attempts: so.Mapped[int] = so.mapped_column(default=0)
    available_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=clock.now)
    locked_until: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    locked_by: so.Mapped[str] = so.mapped_column(sa.String(80), default="")
    last_error: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=clock.now)
    processed_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
