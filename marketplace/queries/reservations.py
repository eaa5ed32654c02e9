"""Reservations and notifications as the pages and the API show them."""

from datetime import date, datetime, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so

from ..clock import HELSINKI
from ..errors import NotFound
from ..extensions import db
from ..models import OPEN, Listing, Notification, Reservation, Site


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


def pickup_list(site: Site, day: date) -> list[Reservation]:
    """Open reservations to hand over at a site on a (Helsinki) day, by pickup time; holds
    without a time are listed too while they are open."""
    start = datetime.combine(day, datetime.min.time(), tzinfo=HELSINKI)
    end = start + timedelta(days=1)
    return list(
        db.session.scalars(
            _with_listing(
                sa.select(Reservation)
                .join(Listing, Listing.id == Reservation.listing_id)
                .where(
                    Listing.site_id == site.id,
                    Reservation.status.in_(OPEN),
                    sa.or_(
                        sa.and_(Reservation.pickup_at >= start, Reservation.pickup_at < end),
                        Reservation.pickup_at.is_(None),
                    ),
                )
                .order_by(Reservation.pickup_at.is_(None), Reservation.pickup_at)
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
