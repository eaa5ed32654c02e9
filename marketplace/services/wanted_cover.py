"""How much of a wanted post its reservations cover: steps inside the caller's transaction.

`cover` is called by the bundle reserve (services/wanted_reserve.py) for each reservation it
takes; `uncover` by services/holds.close, the one step every cancellation, no-show, expiry and
failed payment goes through, so a closed reservation stops counting in the same transaction
(no outbox delay: the owner sees the post open again at once). A collected reservation keeps
counting. Both change `quantity_covered` by a conditional UPDATE, as the listing counters do.
"""

from decimal import Decimal

import sqlalchemy as sa

from .. import clock
from ..models import Reservation, WantedPost, WantedReservation
from ..models.types import to_milli


def _milli(value: Decimal):
    return sa.bindparam(None, to_milli(value), type_=sa.BigInteger)


def cover(session, post: WantedPost, reservation: Reservation, quantity: Decimal) -> None:
    """Count `quantity` (the post's unit) of `reservation` towards the post."""
    session.add(
        WantedReservation(wanted_id=post.id, reservation_id=reservation.id, quantity=quantity)
    )
    session.execute(
        sa.update(WantedPost)
        .where(WantedPost.id == post.id)
        .values(
            quantity_covered=WantedPost.quantity_covered + _milli(quantity),
            updated_at=clock.now(),
        )
        .execution_options(synchronize_session=False)
    )
    session.flush()
    session.refresh(post)
    post.refresh_status()


def uncover(session, reservation: Reservation) -> None:
    """A reservation made for a wanted post closed: it no longer counts (fulfilled → open)."""
    link = session.scalar(
        sa.select(WantedReservation).where(WantedReservation.reservation_id == reservation.id)
    )
    if link is None:
        return
    session.execute(
        sa.update(WantedPost)
        .where(
            WantedPost.id == link.wanted_id, WantedPost.quantity_covered >= _milli(link.quantity)
        )
        .values(
            quantity_covered=WantedPost.quantity_covered - _milli(link.quantity),
            updated_at=clock.now(),
        )
        .execution_options(synchronize_session=False)
    )
    post = session.get(WantedPost, link.wanted_id)
    session.delete(link)
    session.flush()
    session.refresh(post)
    post.refresh_status()
