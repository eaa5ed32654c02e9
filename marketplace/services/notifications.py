"""Notification use cases: marking as read."""

import sqlalchemy as sa

from .. import clock
from ..database import write_transaction
from ..models import Notification


def notifications_mark_read(*, user_id: int) -> int:
    """Mark all of the user's notifications read; returns how many changed."""
    with write_transaction() as session:
        result = session.execute(
            sa.update(Notification)
            .where(Notification.user_id == user_id, Notification.read_at.is_(None))
            .values(read_at=clock.now())
        )
    return result.rowcount
