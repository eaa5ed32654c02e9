"""Listings of surplus material, their photos and their append-only event log."""

import enum
from datetime import date, datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa
import sqlalchemy.orm as so

from .. import clock
from ..extensions import db
from .accounts import Organization, User
from .catalog import Category
from .sites import Site
from .types import Milli, UTCDateTime, string_enum


class ListingStatus(enum.StrEnum):
    AVAILABLE = "available"
    RESERVED = "reserved"  # nothing left to reserve (open reservations hold the rest)
    COLLECTED = "collected"  # everything handed over
    EXPIRED = "expired"  # past available_until
    WITHDRAWN = "withdrawn"  # taken down by its organisation
    PENDING_REVIEW = "pending_review"  # its organisation awaits the city's verification


class Condition(enum.StrEnum):
    NEW = "new"
    LIKE_NEW = "like_new"
    GOOD = "good"
    FAIR = "fair"
    FOR_PARTS = "for_parts"


class MassSource(enum.StrEnum):
    MEASURED = "measured"  # weighed at handover
    DECLARED = "declared"  # given by the seller
    ESTIMATED = "estimated"  # from the catalogue's typical mass


class Listing(db.Model):
    """A lot of material at a site. Counters are kept so availability is one SQL expression.

    quantity_available = quantity - quantity_reserved - quantity_collected, never negative
    (a CHECK constraint backs up the conditional UPDATEs in services/reservations.py).
    """

    __tablename__ = "listing"
    __table_args__ = (
        sa.CheckConstraint("quantity > 0", name="quantity_positive"),
        sa.CheckConstraint(
            "quantity_reserved >= 0 AND quantity_collected >= 0", name="counters_nonnegative"
        ),
        sa.CheckConstraint(
            "quantity_reserved + quantity_collected <= quantity", name="never_overreserved"
        ),
        sa.CheckConstraint("price_cents >= 0 AND deposit_cents >= 0", name="money_nonnegative"),
        sa.Index("ix_listing_browse", "status", "created_at"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    organization_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("organization.id"), index=True)
    site_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("site.id"), index=True)
    created_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("user_account.id"))
    category_slug: so.Mapped[str] = so.mapped_column(sa.ForeignKey("category.slug"), index=True)
    title: so.Mapped[str] = so.mapped_column(sa.String(140))
    description: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    language: so.Mapped[str] = so.mapped_column(sa.String(5), default="fi")
    quantity: so.Mapped[Decimal] = so.mapped_column(Milli())
    quantity_reserved: so.Mapped[Decimal] = so.mapped_column(Milli(), default=Decimal(0))
    quantity_collected: so.Mapped[Decimal] = so.mapped_column(Milli(), default=Decimal(0))
    unit: so.Mapped[str] = so.mapped_column(sa.String(4))
    kg_per_unit: so.Mapped[Decimal | None] = so.mapped_column(Milli())
    mass_source: so.Mapped[MassSource] = so.mapped_column(string_enum(MassSource, "mass_source"))
    condition: so.Mapped[Condition] = so.mapped_column(string_enum(Condition, "condition"))
    dimensions: so.Mapped[str] = so.mapped_column(sa.String(120), default="")
    available_from: so.Mapped[date]
    available_until: so.Mapped[date]
    price_cents: so.Mapped[int] = so.mapped_column(default=0)
    deposit_cents: so.Mapped[int] = so.mapped_column(default=0)  # no-show deposit (free lots)
    late_cancel_fee_percent: so.Mapped[int] = so.mapped_column(
        default=0
    )  # kept on a late cancellation
    status: so.Mapped[ListingStatus] = so.mapped_column(
        string_enum(ListingStatus, "listing_status"), default=ListingStatus.AVAILABLE
    )
    hazard_free_declared_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime())
    hidden_reason: so.Mapped[str] = so.mapped_column(
        sa.String(500), default=""
    )  # set by city moderation
    # Set when the seller confirmed a kg per unit outside the catalogue's plausible range; the
    # listing then waits in the city's review list (queries/mass_review.py) until reviewed.
    mass_flagged_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    # Staged release: before this moment only professionals (city staff, builders of verified
    # organisations) see, find and reserve the listing; see `visible_to`, `released_clause`.
    public_from: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=clock.now)
    # The survey import that created it (services/survey_import.py), and when its builder handed
    # it on to Materiaalitori because nobody took it (services/hand_on.py).
    import_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("survey_import.id"), index=True
    )
    handed_on_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=clock.now)
    updated_at: so.Mapped[datetime] = so.mapped_column(
        UTCDateTime(), default=clock.now, onupdate=clock.now
    )

    organization: so.Mapped[Organization] = so.relationship()
    site: so.Mapped[Site] = so.relationship()
    category: so.Mapped[Category] = so.relationship()
    created_by: so.Mapped[User | None] = so.relationship()
    photos: so.Mapped[list["ListingPhoto"]] = so.relationship(
        back_populates="listing", order_by="ListingPhoto.position", cascade="all, delete-orphan"
    )

    @property
    def quantity_available(self) -> Decimal:
        return max(self.quantity - self.quantity_reserved - self.quantity_collected, Decimal(0))

    @property
    def is_free(self) -> bool:
        return self.price_cents == 0

    @property
    def total_kg(self) -> Decimal | None:
        """Mass of the whole lot, when a kg-per-unit figure is known."""
        return None if self.kg_per_unit is None else self.quantity * self.kg_per_unit

    @property
    def is_open(self) -> bool:
        """Can still change: not withdrawn, expired or fully collected (a pending one can)."""
        return self.status in (
            ListingStatus.AVAILABLE,
            ListingStatus.RESERVED,
            ListingStatus.PENDING_REVIEW,
        )

    @staticmethod
    def initial_status(organization: Organization) -> ListingStatus:
        """A new listing is published at once only when the city has verified its organisation."""
        return ListingStatus.AVAILABLE if organization.is_verified else ListingStatus.PENDING_REVIEW

    def refresh_status(self) -> None:
        """Derive available / reserved / collected from the counters (terminal states, and a
        listing waiting for its organisation's verification, stay)."""
        self.status = self._derived_status(self.quantity_available, self.quantity_collected)

    def status_after_taking(self, quantity) -> ListingStatus:
        """The status once `quantity` more is reserved, from the counters as read (under the row
        lock), so the reserving UPDATE can write it with the counter."""
        return self._derived_status(self.quantity_available - quantity, self.quantity_collected)

    def _derived_status(self, available, collected) -> ListingStatus:
        if self.status in (
            ListingStatus.WITHDRAWN,
            ListingStatus.EXPIRED,
            ListingStatus.PENDING_REVIEW,
        ):
            return self.status
        if collected >= self.quantity:
            return ListingStatus.COLLECTED
        if available <= 0:
            return ListingStatus.RESERVED
        return ListingStatus.AVAILABLE

    @property
    def is_public(self) -> bool:
        """Visible to everyone. Hidden listings, and those waiting for their organisation's
        verification (pending_review), are seen only by their organisation and the city."""
        return not self.hidden_reason and self.status != ListingStatus.PENDING_REVIEW

    # What makes a listing findable, in Python and in SQL, side by side: a test checks that the
    # two agree on generated listings (tests/unit/test_findable.py). Change them together.
    def is_reservable(self, today: date) -> bool:
        """Open, public and inside its window: one may ask to reserve it (there may be none
        left)."""
        return self.is_open and self.is_public and self.available_until >= today

    def is_findable(self, today: date) -> bool:
        """Anyone may find it (browse, search indexes): available, something left, not hidden,
        window not over."""
        return (
            self.status == ListingStatus.AVAILABLE
            and self.quantity_available > 0
            and self.is_reservable(today)
        )

    @classmethod
    def findable_clause(cls, today: date):
        """`is_findable` as a SQL condition, for queries."""
        return sa.and_(
            cls.status == ListingStatus.AVAILABLE,
            cls.quantity > cls.quantity_reserved + cls.quantity_collected,
            cls.hidden_reason == "",
            cls.available_until >= today,
        )

    def can_manage(self, user) -> bool:
        """The listing's organisation may edit, withdraw and hand over."""
        return getattr(user, "is_authenticated", False) and user.belongs_to(self.organization_id)

    def can_view(self, user) -> bool:
        """`visible_to` now: what pages, the API, photos and reserving ask."""
        return self.visible_to(user, clock.now())

    def visible_to(self, user, now: datetime) -> bool:
        """Public listings are seen by all once released (`public_from`), by professionals
        before; hidden and pending ones only by their organisation and city staff."""
        if self.can_manage(user) or bool(getattr(user, "is_city", False)):
            return True
        return self.is_public and (self.is_released(now) or sees_early(user))

    # Staged release, in Python and in SQL side by side (tests/unit/test_staged_release.py
    # checks that they agree). Saved-search and wanted-post alerts ask `visible_to` too.
    def is_released(self, now: datetime) -> bool:
        """Open to everyone: residents and anonymous visitors see and find it."""
        return self.public_from <= now

    @classmethod
    def is_released_clause(cls, now: datetime):
        """`is_released` as a SQL condition."""
        return cls.public_from <= now

    @classmethod
    def released_clause(cls, user, now: datetime):
        """What of `visible_to` a query adds to `findable_clause` for this viewer: nothing for
        professionals, `is_released` for everyone else."""
        return sa.true() if sees_early(user) else cls.is_released_clause(now)

    def is_still_installed(self, today: date) -> bool:
        """Offered before it is dismantled: pickups only from `available_from`."""
        return self.available_from > today

    @staticmethod
    def default_public_from(
        created_at: datetime, site_hours: int | None, config_hours: int
    ) -> datetime:
        """created_at + the site's staged-release hours, or STAGED_RELEASE_HOURS without one."""
        hours = config_hours if site_hours is None else site_hours
        return created_at + timedelta(hours=hours)


def sees_early(user) -> bool:
    """Professionals, who see staged listings before `public_from`: city staff and builders of
    verified organisations."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_city:
        return True
    return user.is_builder and user.organization is not None and user.organization.is_verified


class ListingPhoto(db.Model):
    """A re-encoded photo of a listing, stored outside static/ under a random name."""

    __tablename__ = "listing_photo"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    listing_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("listing.id", ondelete="CASCADE"), index=True
    )
    position: so.Mapped[int] = so.mapped_column(default=0)
    file_key: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)  # <hex>.jpg
    thumb_key: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    width: so.Mapped[int]
    height: so.Mapped[int]
    alt_text: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=clock.now)

    listing: so.Mapped[Listing] = so.relationship(back_populates="photos")


class ListingEvent(db.Model):
    """Append-only log of everything that happened to a listing (who, what, when)."""

    __tablename__ = "listing_event"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    listing_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("listing.id", ondelete="CASCADE"), index=True
    )
    actor_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("user_account.id"))
    kind: so.Mapped[str] = so.mapped_column(
        sa.String(40)
    )  # e.g. listing.created, reservation.collected
    data: so.Mapped[dict] = so.mapped_column(sa.JSON, default=dict)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=clock.now)

    actor: so.Mapped[User | None] = so.relationship()
