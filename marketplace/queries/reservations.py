"""Reservations and notifications as the pages and the API show them."""

from datetime import date, datetime, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so

from ..clock import HELSINKI
from ..errors import NotFound
from ..extensions import db
from ..models import OPEN, Listing, Notification, Reservation, Site
from ..models.reservations import typed_code


def _with_listing(query):
    return query.options(
        so.joinedload(Reservation.listing).joinedload(Listing.site), so.joinedload(Reservation.user)
    )


def _presentable(query):
    """Everything the reservation presenters show (payments, the handover), loaded up front so
    that a list costs the same number of queries for 1 reservation as for 100."""
    return _with_listing(query).options(
        so.selectinload(Reservation.payments), so.selectinload(Reservation.handovers)
    )


def reservation_for(user, reservation_id: int) -> Reservation:
    """A reservation the user may see: their own, their organisation's listing's, or any (city)."""
    reservation = (
        db.session.scalars(
            _presentable(sa.select(Reservation).where(Reservation.id == reservation_id))
        )
        .unique()
        .one_or_none()
    )
    if reservation is None or not reservation.visible_to(user):
        raise NotFound()
    return reservation


def of_user(user_id: int) -> list[Reservation]:
    """The user's reservations, open ones first, newest first."""
    return list(
        db.session.scalars(
            _presentable(
                sa.select(Reservation)
                .where(Reservation.user_id == user_id)
                .order_by(Reservation.status.in_(OPEN).desc(), Reservation.id.desc())
            )
        ).unique()
    )


def of_organization(organization_id: int) -> list[Reservation]:
    """Reservations on the organisation's listings, open ones first."""
    return list(
        db.session.scalars(
            _presentable(
                sa.select(Reservation)
                .join(Listing, Listing.id == Reservation.listing_id)
                .where(Listing.organization_id == organization_id)
                .order_by(
                    Reservation.status.in_(OPEN).desc(),
                    Reservation.pickup_at,
                    Reservation.id.desc(),
                )
            )
        ).unique()
    )


# The pickup list's groups, in the order it shows them: the site's pickups today, on later days,
# and the rest (earlier pickups that have not expired yet, then holds without a time).
TODAY, UPCOMING, OTHER = "today", "upcoming", "other"


def pickups_by_day(site: Site, today: date) -> dict[str, list[Reservation]]:
    """Open reservations to hand over at a site, grouped: today's (a Helsinki day) by time,
    then upcoming ones by time, then the rest; every group is present, maybe empty."""
    start = datetime.combine(today, datetime.min.time(), tzinfo=HELSINKI)
    end = start + timedelta(days=1)
    group = sa.case(
        (sa.and_(Reservation.pickup_at >= start, Reservation.pickup_at < end), 0),
        (Reservation.pickup_at >= end, 1),
        else_=2,
    )
    rows = db.session.execute(
        _with_listing(
            sa.select(Reservation, group)
            .join(Listing, Listing.id == Reservation.listing_id)
            .where(Listing.site_id == site.id, Reservation.status.in_(OPEN))
            .order_by(group, Reservation.pickup_at.is_(None), Reservation.pickup_at, Reservation.id)
        )
    ).unique()
    groups = {TODAY: [], UPCOMING: [], OTHER: []}
    names = (TODAY, UPCOMING, OTHER)
    for reservation, number in rows:
        groups[names[number]].append(reservation)
    return groups


def open_with_code(organization_id: int, code: str) -> list[Reservation]:
    """The organisation's open reservations whose pickup code is `code` (read as
    reservation_collect reads it: case and surrounding spaces do not matter); codes are random,
    so this is one reservation or none, but a shared code lists both."""
    return list(
        db.session.scalars(
            _with_listing(
                sa.select(Reservation)
                .join(Listing, Listing.id == Reservation.listing_id)
                .where(
                    Listing.organization_id == organization_id,
                    Reservation.status.in_(OPEN),
                    Reservation.code == typed_code(code),
                )
                .order_by(Reservation.pickup_at.is_(None), Reservation.pickup_at, Reservation.id)
            )
        ).unique()
    )


def notifications_of(user_id: int, limit: int = 100) -> list[Notification]:
    """The user's latest notifications."""
    return list(
        db.session.scalars(
            sa.select(Notification)
            .where(Notification.user_id == user_id)
            .order_by(Notification.id.desc())
            .limit(limit)
        )
    )


def unread_count(user_id: int) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).where(
            Notification.user_id == user_id, Notification.read_at.is_(None)
        )
    )
