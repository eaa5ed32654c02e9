"""Wanted posts (demand): what someone needs, how much, by when and where; their alerts and the
reservations that cover them."""

import enum
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
import sqlalchemy.orm as so

from .. import clock
from ..extensions import db
from .accounts import Organization, User
from .types import Milli, UTCDateTime, string_enum

# The centre of the Kera area (Kera station) and the radius that covers it: where a wanted post
# is needed when its poster gives no point of their own.
KERA_CENTRE = (60.21611, 24.75389)
KERA_RADIUS_KM = Decimal(5)


class WantedStatus(enum.StrEnum):
    OPEN = "open"
    FULFILLED = "fulfilled"  # reservations cover the whole quantity
    CLOSED = "closed"  # closed by its poster (or their account was deleted)
    EXPIRED = "expired"  # past needed_by


class WantedPost(db.Model):
    """A need for material: category and/or free text, a decimal quantity in a unit, the window
    [needed_from, needed_by], a point and radius, and a price ceiling."""

    __tablename__ = "wanted_post"
    __table_args__ = (
        sa.CheckConstraint("quantity > 0", name="wanted_quantity_positive"),
        sa.CheckConstraint("quantity_covered >= 0", name="wanted_covered_nonnegative"),
        sa.CheckConstraint("radius_km > 0", name="wanted_radius_positive"),
        sa.Index("ix_wanted_post_status_needed_by", "status", "needed_by"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    owner_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("user_account.id"), index=True)
    # The poster's organisation when a builder posts; public views show only its name.
    organization_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("organization.id"), index=True
    )
    title: so.Mapped[str] = so.mapped_column(sa.String(140))
    description: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    category_slug: so.Mapped[str | None] = so.mapped_column(
        sa.ForeignKey("category.slug"), index=True
    )
    quantity: so.Mapped[Decimal] = so.mapped_column(Milli())
    quantity_covered: so.Mapped[Decimal] = so.mapped_column(Milli(), default=Decimal(0))
    unit: so.Mapped[str] = so.mapped_column(sa.String(4))  # one of models/catalog.UNITS
    needed_from: so.Mapped[date | None]
    needed_by: so.Mapped[date]
    lat: so.Mapped[float | None]
    lng: so.Mapped[float | None]
    radius_km: so.Mapped[Decimal] = so.mapped_column(Milli(), default=KERA_RADIUS_KM)
    max_price_cents: so.Mapped[int | None]
    status: so.Mapped[WantedStatus] = so.mapped_column(
        string_enum(WantedStatus, "wanted_status"),
        default=WantedStatus.OPEN,
    )
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=clock.now)
    updated_at: so.Mapped[datetime] = so.mapped_column(
        UTCDateTime(), default=clock.now, onupdate=clock.now
    )

    owner: so.Mapped[User] = so.relationship()
    organization: so.Mapped[Organization | None] = so.relationship()

    @property
    def category(self) -> str | None:
        """The catalogue category slug (the contract's field name)."""
        return self.category_slug

    @property
    def quantity_needed(self) -> Decimal:
        """What reservations do not cover yet, never negative."""
        return max(self.quantity - self.quantity_covered, Decimal(0))

    @property
    def point(self) -> tuple[float, float]:
        """Where the material is needed: the post's point, or the Kera centre."""
        if self.lat is None or self.lng is None:
            return KERA_CENTRE
        return (self.lat, self.lng)

    @property
    def is_open(self) -> bool:
        return self.status == WantedStatus.OPEN

    def can_manage(self, user) -> bool:
        """Only its poster edits or closes it."""
        return user is not None and getattr(user, "id", None) == self.owner_id

    def refresh_status(self) -> None:
        """Open ⇄ fulfilled from the covered quantity; closed and expired stay."""
        if self.status in (WantedStatus.CLOSED, WantedStatus.EXPIRED):
            return
        covered = self.quantity_covered >= self.quantity
        self.status = WantedStatus.FULFILLED if covered else WantedStatus.OPEN


class WantedAlert(db.Model):
    """One alert sent for a (wanted post, listing) pair: the unique row makes it at most once,
    also when the worker replays the message that found the pair."""

    __tablename__ = "wanted_alert"
    __table_args__ = (sa.UniqueConstraint("wanted_id", "listing_id", name="uq_wanted_alert_pair"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    wanted_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("wanted_post.id", ondelete="CASCADE")
    )
    listing_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("listing.id", ondelete="CASCADE"), index=True
    )
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=clock.now)


class WantedReservation(db.Model):
    """A reservation made for a wanted post: its quantity (in the post's unit) counts towards
    quantity_covered until the reservation is cancelled or expires."""

    __tablename__ = "wanted_reservation"

    wanted_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("wanted_post.id", ondelete="CASCADE"), primary_key=True
    )
    reservation_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("reservation.id", ondelete="CASCADE"), primary_key=True, unique=True
    )
    # The reservation's quantity converted to the post's unit (a need in t, a lot in pcs).
    quantity: so.Mapped[Decimal] = so.mapped_column(Milli())
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=clock.now)
