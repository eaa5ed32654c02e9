"""Messages about a reservation: a plain-text conversation between the taker and the listing's
organisation, which city staff may read (contract: api-v1-additions.md, "Messages about a
reservation")."""

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from .. import clock
from ..extensions import db
from .accounts import User
from .reservations import Reservation
from .types import UTCDateTime

MAX_BODY = 2000  # characters, after trimming (services/messages.py checks it)
TAKER, SELLER = "taker", "seller"


class ReservationMessage(db.Model):
    """One message about one reservation, stored as its author typed it (trimmed)."""

    __tablename__ = "reservation_message"
    __table_args__ = (sa.Index("ix_reservation_message_thread", "reservation_id", "id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    reservation_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("reservation.id"))
    author_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("user_account.id"), index=True)
    body: so.Mapped[str] = so.mapped_column(sa.Text)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=clock.now)

    reservation: so.Mapped[Reservation] = so.relationship()
    author: so.Mapped[User] = so.relationship()

    @property
    def side(self) -> str:
        """ "taker" when the reserver wrote it, else "seller" (only the two sides can write)."""
        return TAKER if self.author_id == self.reservation.user_id else SELLER


def may_read(reservation: Reservation, user) -> bool:
    """The reserver, the listing's organisation and city staff read the thread."""
    return reservation.visible_to(user)


def may_write(reservation: Reservation, user) -> bool:
    """Only the two sides write: the reserver and the listing's organisation (not city staff)."""
    return getattr(user, "is_authenticated", False) and (
        user.id == reservation.user_id or user.belongs_to(reservation.listing.organization_id)
    )
