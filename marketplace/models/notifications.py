"""In-app notifications (e-mail copies are sent by the worker when MAIL_SERVER is set)."""

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from .. import clock
from ..extensions import db
from .types import UTCDateTime


class Notification(db.Model):
    """One message to one user; `source_key` makes outbox redelivery harmless."""

    __tablename__ = "notification"
    __table_args__ = (
        sa.UniqueConstraint("source_key", "user_id", name="uq_notification_source_user"),
        sa.Index("ix_notification_user_unread", "user_id", "read_at"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"))
    kind: so.Mapped[str] = so.mapped_column(sa.String(40))  # reservation.created, ...
    data: so.Mapped[dict] = so.mapped_column(sa.JSON, default=dict)
    source_key: so.Mapped[str] = so.mapped_column(sa.String(60))  # e.g. "outbox:123"
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=clock.now)
    read_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
