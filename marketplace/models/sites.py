"""Sites: the Kera construction sites where builders hand over material."""

from datetime import datetime, time

import sqlalchemy as sa
import sqlalchemy.orm as so

from .. import clock
from ..extensions import db
from .accounts import Organization
from .types import UTCDateTime

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class Site(db.Model):
    """A pickup site of a builder organisation, with coordinates and opening hours."""

    __tablename__ = "site"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    organization_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("organization.id"), index=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(120))
    address: so.Mapped[str] = so.mapped_column(sa.String(200))
    lat: so.Mapped[float]
    lng: so.Mapped[float]
    pickup_instructions: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    # {"mon": ["07:00", "16:00"], ...}; a missing day is closed.
    opening_hours: so.Mapped[dict] = so.mapped_column(sa.JSON, default=dict)
    # Staged release default for the site's new listings: hours open to professionals only
    # (None: the STAGED_RELEASE_HOURS setting). Listing.default_public_from.
    staged_release_hours: so.Mapped[int | None]
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=clock.now)

    organization: so.Mapped[Organization] = so.relationship()

    def hours_on(self, weekday: int) -> tuple[time, time] | None:
        """Opening and closing time on a weekday (0 = Monday), or None when closed."""
        span = (self.opening_hours or {}).get(WEEKDAYS[weekday])
        if not span:
            return None
        return time.fromisoformat(span[0]), time.fromisoformat(span[1])
