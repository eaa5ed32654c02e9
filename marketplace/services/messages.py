"""Messages about a reservation: writing one, and telling the other side (an outbox handler).

Only the two sides write: the reserver and the builders of the listing's organisation. City
staff read the thread (for disputes) but may not write in it (403); anyone else gets 404, so a
stranger cannot tell whether the reservation exists. A body is plain text, 1-2000 characters
after trimming, stored as typed (line breaks normalised to "\\n"); pages escape it.

The other side hears of it through the outbox: the taker when the seller writes, every active
builder of the listing's organisation when the taker writes. The notification names the
listing and the side that wrote, never the text or a person's name, so an e-mail copy carries
no user-written content and deleting an account leaves nothing of it in others' notifications.
"""

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from .. import notifications, outbox
from ..auth import ensure_confirmed
from ..database import write_transaction
from ..errors import Forbidden, NotFound
from ..models import Reservation, Role, User
from ..models.messages import MAX_BODY, TAKER, ReservationMessage, may_read, may_write
from . import validation as v

POSTED = "message.posted"  # the notification kind, named as the outbox topic that makes it


def message_body(errors: v.Errors, value) -> str:
    """The body as it will be stored: text, trimmed, 1..MAX_BODY characters, "\\n" line breaks."""
    if not isinstance(value, str):
        errors["body"] = _l("Enter text.")
        return ""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return v.text(errors, "body", value, min_len=1, max_len=MAX_BODY)


def message_post(*, user_id: int, reservation_id: int, body) -> ReservationMessage:
    """Write a message about a reservation as one of its two sides, and tell the other side."""
    with write_transaction() as session:
        user = session.get(User, user_id)
        reservation = session.get(Reservation, reservation_id)
        if user is None or reservation is None or not may_read(reservation, user):
            raise NotFound()
        if not may_write(reservation, user):
            raise Forbidden(_l("City staff can read this conversation but not write in it."))
        ensure_confirmed(user)
        errors = v.Errors()
        text = message_body(errors, body)
        errors.raise_if_any()
        message = ReservationMessage(reservation=reservation, author=user, body=text)
        session.add(message)
        session.flush()
        outbox.enqueue(session, "message.posted", {"message_id": message.id})
    return message


def notify_message_posted(message: outbox.Message) -> None:
    """Outbox handler: a notification (and its e-mail copy) for the other side (idempotent)."""
    with write_transaction() as session:
        posted = session.get(ReservationMessage, message.payload["message_id"])
        if posted is None:  # erased with its author's account before delivery
            return
        reservation = posted.reservation
        listing = reservation.listing
        if posted.side == TAKER:
            recipients = session.scalars(
                sa.select(User.id).where(
                    User.organization_id == listing.organization_id,
                    User.role == Role.BUILDER,
                    User.active,
                )
            )
        else:
            recipients = [reservation.user_id] if reservation.user.active else []
        data = {
            "reservation_id": reservation.id,
            "listing_id": listing.id,
            "message_id": posted.id,
            "title": listing.title,
            "side": posted.side,
            "organization": listing.organization.name,
        }
        for recipient in list(recipients):
            if recipient != posted.author_id:
                notifications.add(
                    session,
                    user_id=recipient,
                    kind=POSTED,
                    data=data,
                    source_key=f"outbox:{message.id}",
                )
