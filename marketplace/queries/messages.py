"""The conversation about a reservation, as the reservation page and the API show it."""

import sqlalchemy as sa
import sqlalchemy.orm as so

from ..extensions import db
from ..models import Reservation
from ..models.messages import ReservationMessage
from .reservations import reservation_for


def thread(reservation: Reservation) -> list[ReservationMessage]:
    """The reservation's messages in the order they were written, with their authors (the
    caller has already checked that the reader may see the reservation)."""
    return list(
        db.session.scalars(
            sa.select(ReservationMessage)
            .where(ReservationMessage.reservation_id == reservation.id)
            .order_by(ReservationMessage.id)
            .options(so.joinedload(ReservationMessage.author))
        )
    )


def thread_for(user, reservation_id: int) -> tuple[Reservation, list[ReservationMessage]]:
    """The reservation and its messages, for someone who may read them; NotFound otherwise."""
    reservation = reservation_for(user, reservation_id)
    return reservation, thread(reservation)
