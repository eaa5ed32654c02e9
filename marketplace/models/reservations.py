"""Reservations of part or all of a listing, with their allowed status transitions."""

import enum
from datetime import datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa
import sqlalchemy.orm as so

from .. import clock
from ..extensions import db
from .accounts import User
from .listings import Listing
from .types import Milli, UTCDateTime, string_enum


class ReservationStatus(enum.StrEnum):
    PENDING_PAYMENT = "pending_payment"  # quantity held while Stripe Checkout runs
    CONFIRMED = "confirmed"
    COLLECTED = "collected"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    NO_SHOW = "no_show"


S = ReservationStatus
OPEN = (S.PENDING_PAYMENT, S.CONFIRMED)
# A taker who cancels less than this before the pickup time cancels late: a paid lot keeps the
# listing's late-cancellation share, a deposit is kept. Pages state it from this constant.
LATE_CANCEL_HOURS = 24
# The lifecycle, in one place (the API contract's "allowed transitions only").
TRANSITIONS = {
    S.PENDING_PAYMENT: {S.CONFIRMED, S.CANCELLED, S.EXPIRED},
    S.CONFIRMED: {S.COLLECTED, S.CANCELLED, S.EXPIRED, S.NO_SHOW},
    S.COLLECTED: set(),
    S.CANCELLED: set(),
    S.EXPIRED: set(),
    S.NO_SHOW: set(),
}


def typed_code(text: str) -> str:
    """A pickup code as a person types or reads it out: case and surrounding spaces don't matter."""
    return text.strip().upper()


class Reservation(db.Model):
    """A taker's hold on a quantity of a listing, with a pickup time and a pickup code."""

    __tablename__ = "reservation"
    __table_args__ = (
        sa.CheckConstraint("quantity > 0", name="quantity_positive"),
        sa.Index("ix_reservation_user_status", "user_id", "status"),
        sa.Index("ix_reservation_status_expires", "status", "expires_at"),
        sa.Index("ix_reservation_pickup", "pickup_at"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    listing_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("listing.id"), index=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("user_account.id"))
    quantity: so.Mapped[Decimal] = so.mapped_column(Milli())
    status: so.Mapped[ReservationStatus] = so.mapped_column(
        string_enum(ReservationStatus, "reservation_status")
    )
    pickup_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    message: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    code: so.Mapped[str] = so.mapped_column(sa.String(8))
    expires_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime())
    cancel_reason: so.Mapped[str] = so.mapped_column(sa.String(500), default="")
    cancelled_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("user_account.id"))
    reminder_sent_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=clock.now)
    updated_at: so.Mapped[datetime] = so.mapped_column(
        UTCDateTime(), default=clock.now, onupdate=clock.now
    )
    closed_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())

    listing: so.Mapped[Listing] = so.relationship()
    user: so.Mapped[User] = so.relationship(foreign_keys=[user_id])
    # Read-only views for presenters (selectors load them; see queries/reservations.py). The
    # classes are resolved by the mapper. Handovers: newest first, reversals left out.
    payments: so.Mapped[list["Payment"]] = so.relationship(  # noqa: F821
        order_by="Payment.id", viewonly=True
    )
    handovers: so.Mapped[list["Handover"]] = so.relationship(  # noqa: F821
        primaryjoin="and_(Handover.reservation_id == Reservation.id, Handover.kind != 'reversal')",
        order_by="Handover.id.desc()",
        viewonly=True,
    )

    @property
    def is_open(self) -> bool:
        return self.status in OPEN

    def can_become(self, status: ReservationStatus) -> bool:
        return status in TRANSITIONS[self.status]

    @property
    def cancelled_late(self) -> bool:
        """The taker cancelled less than LATE_CANCEL_HOURS before the pickup time."""
        return (
            self.cancelled_by_id == self.user_id
            and self.pickup_at is not None
            and self.closed_at is not None
            and self.pickup_at - self.closed_at < timedelta(hours=LATE_CANCEL_HOURS)
        )

    def can_cancel(self, user) -> bool:
        """The reserver and the listing's organisation may cancel."""
        return getattr(user, "is_authenticated", False) and (
            user.id == self.user_id or user.belongs_to(self.listing.organization_id)
        )

    @property
    def handover(self):
        """The ledger row that counts for this reservation once collected (a correction replaces
        the original), or None."""
        return self.handovers[0] if self.status == S.COLLECTED and self.handovers else None

    def visible_to(self, user) -> bool:
        """The reserver, the listing's organisation and city staff may see it."""
        if not getattr(user, "is_authenticated", False):
            return False
        return (
            user.id == self.user_id or user.belongs_to(self.listing.organization_id) or user.is_city
        )
