"""Payments as the reservation page, the API and city exports show them."""

import sqlalchemy as sa
import sqlalchemy.orm as so

from ..extensions import db
from ..models import Listing, Payment, Reservation


def of_reservation(reservation_id: int) -> list[Payment]:
    """A reservation's payments, with their status history."""
    return list(
        db.session.scalars(
            sa.select(Payment)
            .where(Payment.reservation_id == reservation_id)
            .options(so.selectinload(Payment.history))
            .order_by(Payment.id)
        )
    )


def all_payments() -> list[Payment]:
    """Every payment with its reservation and listing (city staff export)."""
    return list(
        db.session.scalars(
            sa.select(Payment)
            .options(
                so.joinedload(Payment.reservation)
                .joinedload(Reservation.listing)
                .joinedload(Listing.organization)
            )
            .order_by(Payment.id)
        ).unique()
    )
