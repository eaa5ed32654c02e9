"""Handing on what nobody takes (issue 11 item 4): a lot whose window ends soon with nothing
reserved is pointed out to its builders once; they may extend it, open it to everyone now
(listing_update), or hand it on to Materiaalitori, which the listing then records."""

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from .. import clock, notifications, outbox
from ..auth import acting_user
from ..database import write_transaction
from ..errors import Forbidden, NotFound
from ..models import Listing, Role, User
from .listing_log import record_event

UNCLAIMED_DAYS = 7  # how long before the end of its window an unclaimed lot is pointed out
UNCLAIMED = "listing.unclaimed"
HANDED_ON = "listing.handed_on"


def notify_unclaimed(message: outbox.Message) -> None:
    """Outbox handler: tell the listing's builders, in the app, what they can do (idempotent)."""
    with write_transaction() as session:
        listing = session.get(Listing, message.payload["listing_id"])
        if listing is None:
            return
        data = {
            "listing_id": listing.id,
            "title": listing.title,
            "available_until": listing.available_until.isoformat(),
        }
        builders = session.scalars(
            sa.select(User.id).where(
                User.organization_id == listing.organization_id,
                User.role == Role.BUILDER,
                User.active,
            )
        )
        for builder_id in list(builders):
            notifications.add(
                session,
                user_id=builder_id,
                kind=UNCLAIMED,
                data=data,
                source_key=f"outbox:{message.id}",
            )


def listing_hand_on(*, user_id: int, listing_id: int) -> Listing:
    """Record that the builder handed the lot on to Materiaalitori (the first time counts)."""
    with write_transaction() as session:
        user = acting_user(
            session, user_id, Role.BUILDER, denied=Forbidden(_l("Only builders can list material."))
        )
        listing = session.get(Listing, listing_id)
        if listing is None or not listing.can_manage(user):
            raise NotFound()
        if listing.handed_on_at is None:
            listing.handed_on_at = clock.now()
            record_event(session, listing, user, HANDED_ON, {"to": "materiaalitori"})
    return listing
