"""Pickup times: slots inside the listing's availability window and the site's opening hours.

A slot is PICKUP_SLOT_MINUTES long and takes at most PICKUPS_PER_SLOT open reservations per site.
Times are chosen in Helsinki time and stored in UTC.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from .. import clock, formatting
from ..clock import HELSINKI
from ..errors import Conflict, ValidationFailed
from ..extensions import db
from ..models import OPEN, Listing, Reservation

HOLD_WITHOUT_TIME = timedelta(hours=72)


class SlotFull(Conflict):
    code = "slot_full"
    default_message = _l("That pickup time is fully booked. Choose another time.")


@dataclass(frozen=True)
class Slot:
    start: datetime  # aware UTC
    free: int

    @property
    def local(self) -> datetime:
        return self.start.astimezone(HELSINKI)


def _settings():
    return (
        timedelta(minutes=current_app.config["PICKUP_SLOT_MINUTES"]),
        current_app.config["PICKUPS_PER_SLOT"],
    )


def slot_starts(listing: Listing, day: date) -> list[datetime]:
    """Every slot start (aware UTC) of the site on `day`, within the listing's window."""
    if not listing.available_from <= day <= listing.available_until:
        return []
    hours = listing.site.hours_on(day.weekday())
    if hours is None:
        return []
    length, _capacity = _settings()
    start = datetime.combine(day, hours[0], tzinfo=HELSINKI)
    close = datetime.combine(day, hours[1], tzinfo=HELSINKI)
    starts = []
    while start + length <= close:
        starts.append(start.astimezone(UTC))
        start += length
    return starts


def booked(site_id: int, starts: list[datetime]) -> dict[datetime, int]:
    """Open reservations per slot start at the site."""
    if not starts:
        return {}
    rows = db.session.execute(
        sa.select(Reservation.pickup_at, sa.func.count())
        .join(Listing, Listing.id == Reservation.listing_id)
        .where(
            Listing.site_id == site_id,
            Reservation.status.in_(OPEN),
            Reservation.pickup_at.in_(starts),
        )
        .group_by(Reservation.pickup_at)
    )
    return dict(rows.all())


def free_slots(listing: Listing, days: int = 14, limit_days: int | None = None) -> list[Slot]:
    """Bookable slots from now on, for up to `days` days (at most `limit_days` ahead if given)."""
    now = clock.now()
    _length, capacity = _settings()
    first = max(listing.available_from, clock.today())
    horizon = min(days, limit_days) if limit_days is not None else days
    starts = [
        s
        for offset in range(horizon)
        for s in slot_starts(listing, first + timedelta(days=offset))
        if s > now
    ]
    counts = booked(listing.site_id, starts)  # one query for every day, not one per day
    return [Slot(s, capacity - counts.get(s, 0)) for s in starts if counts.get(s, 0) < capacity]


def _still_installed(listing: Listing) -> ValidationFailed:
    return ValidationFailed(
        fields={
            "pickup_at": _l(
                "Still installed: choose a pickup time on or after %(date)s.",
                date=formatting.format_date(listing.available_from),
            )
        }
    )


def check_pickup(listing: Listing, pickup_at: datetime | None) -> None:
    """`check_pickup_time` when a time is given; a still-installed listing (available from a
    later day) needs one, so that nobody holds material before it is dismantled."""
    if pickup_at is not None:
        check_pickup_time(listing, pickup_at)
    elif listing.is_still_installed(clock.today()):
        raise _still_installed(listing)


def check_pickup_time(listing: Listing, pickup_at: datetime) -> None:
    """Raise ValidationFailed (outside window/hours/past) or SlotFull. Call with the site locked."""
    local = pickup_at.astimezone(HELSINKI)
    if local.date() < listing.available_from and listing.is_still_installed(clock.today()):
        raise _still_installed(listing)
    if not listing.available_from <= local.date() <= listing.available_until:
        raise ValidationFailed(
            fields={
                "pickup_at": _l(
                    "Choose a pickup time between %(start)s and %(end)s.",
                    start=formatting.format_date(listing.available_from),
                    end=formatting.format_date(listing.available_until),
                )
            }
        )
    if pickup_at <= clock.now():
        raise ValidationFailed(fields={"pickup_at": _l("Choose a pickup time in the future.")})
    if pickup_at not in slot_starts(listing, local.date()):
        raise ValidationFailed(
            fields={
                "pickup_at": _l("Choose one of the site's pickup times (inside its opening hours).")
            }
        )
    _length, capacity = _settings()
    if booked(listing.site_id, [pickup_at]).get(pickup_at, 0) >= capacity:
        raise SlotFull()


def expiry_for(listing: Listing, pickup_at: datetime | None) -> datetime:
    """When an uncollected reservation expires: pickup time + grace, or a hold without a time."""
    if pickup_at is not None:
        return pickup_at + timedelta(minutes=current_app.config["PICKUP_GRACE_MINUTES"])
    window_end = datetime.combine(
        listing.available_until + timedelta(days=1), datetime.min.time(), tzinfo=HELSINKI
    )
    return min(clock.now() + HOLD_WITHOUT_TIME, window_end.astimezone(UTC))
