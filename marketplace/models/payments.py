"""Money records: one payment per reservation and kind, its status history, and the Stripe
events already processed (their ids are unique, so a redelivered event changes nothing)."""

import enum
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from .. import clock
from ..extensions import db
from .reservations import Reservation
from .types import UTCDateTime, string_enum


class PaymentKind(enum.StrEnum):
    CHARGE = "charge"  # the price of a paid lot, paid in Checkout
    DEPOSIT = "deposit"  # a no-show deposit: a card hold captured only on a no-show


class PaymentStatus(enum.StrEnum):
    OPEN = "open"  # Checkout created, nothing paid yet
    PAID = "paid"  # charge succeeded
    AUTHORIZED = "authorized"  # deposit held on the card
    CAPTURED = "captured"  # deposit taken (no-show)
    RELEASED = "released"  # deposit hold cancelled (collected / cancelled in time)
    PARTIALLY_REFUNDED = "partially_refunded"
    REFUNDED = "refunded"
    FAILED = "failed"  # the payment did not go through
    EXPIRED = "expired"  # Checkout expired unpaid


P = PaymentStatus
# States only move forward: a late or repeated event can never move a payment back.
STEP = {
    P.OPEN: 0,
    P.FAILED: 1,
    P.EXPIRED: 1,
    P.PAID: 2,
    P.AUTHORIZED: 2,
    P.PARTIALLY_REFUNDED: 3,
    P.CAPTURED: 3,
    P.RELEASED: 3,
    P.REFUNDED: 4,
}
NEXT = {
    P.OPEN: {P.PAID, P.AUTHORIZED, P.FAILED, P.EXPIRED},
    P.PAID: {P.PARTIALLY_REFUNDED, P.REFUNDED},
    P.PARTIALLY_REFUNDED: {P.PARTIALLY_REFUNDED, P.REFUNDED},
    P.AUTHORIZED: {P.CAPTURED, P.RELEASED},
    P.CAPTURED: {P.PARTIALLY_REFUNDED, P.REFUNDED},
    P.RELEASED: set(),
    P.REFUNDED: set(),
    P.FAILED: set(),
    P.EXPIRED: set(),
}


class Payment(db.Model):
    """What a taker paid or has on hold for one reservation, with the Stripe ids to trace it."""

    __tablename__ = "payment"
    __table_args__ = (
        sa.UniqueConstraint("reservation_id", "kind", name="uq_payment_reservation_kind"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    reservation_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("reservation.id"), index=True)
    kind: so.Mapped[PaymentKind] = so.mapped_column(string_enum(PaymentKind, "payment_kind"))
    status: so.Mapped[PaymentStatus] = so.mapped_column(
        string_enum(PaymentStatus, "payment_status"), default=P.OPEN
    )
    amount_cents: so.Mapped[int]
    currency: so.Mapped[str] = so.mapped_column(sa.String(3), default="EUR")
    platform_fee_cents: so.Mapped[int] = so.mapped_column(default=0)
    destination_account: so.Mapped[str] = so.mapped_column(sa.String(64), default="")
    checkout_session_id: so.Mapped[str | None] = so.mapped_column(sa.String(255), unique=True)
    checkout_url: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    payment_intent_id: so.Mapped[str] = so.mapped_column(sa.String(255), default="", index=True)
    receipt_url: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    captured_cents: so.Mapped[int] = so.mapped_column(default=0)
    refunded_cents: so.Mapped[int] = so.mapped_column(default=0)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=clock.now)
    updated_at: so.Mapped[datetime] = so.mapped_column(
        UTCDateTime(), default=clock.now, onupdate=clock.now
    )

    reservation: so.Mapped[Reservation] = so.relationship()
    history: so.Mapped[list["PaymentEvent"]] = so.relationship(
        order_by="PaymentEvent.id", back_populates="payment"
    )

    def can_become(self, status: PaymentStatus) -> bool:
        return status in NEXT[self.status]


class PaymentEvent(db.Model):
    """The status history of a payment (append-only)."""

    __tablename__ = "payment_event"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    payment_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("payment.id", ondelete="CASCADE"), index=True
    )
    status: so.Mapped[str] = so.mapped_column(sa.String(20))
    detail: so.Mapped[str] = so.mapped_column(sa.String(500), default="")
    stripe_event_id: so.Mapped[str] = so.mapped_column(sa.String(255), default="")
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=clock.now)

    payment: so.Mapped[Payment] = so.relationship(back_populates="history")


class StripeEvent(db.Model):
    """A Stripe webhook event already applied; inserted in the same transaction as its effect."""

    __tablename__ = "stripe_event"

    id: so.Mapped[str] = so.mapped_column(sa.String(255), primary_key=True)
    type: so.Mapped[str] = so.mapped_column(sa.String(100))
    livemode: so.Mapped[bool] = so.mapped_column(default=False)
    received_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=clock.now)
