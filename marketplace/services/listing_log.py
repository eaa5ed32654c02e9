"""The listing event log, a building block inside a use case's transaction: every change to a
listing is appended here and announced to the outbox (search indexes, and wanted-post alerts
when the listing may now match more than before)."""

import sqlalchemy as sa

from .. import outbox
from ..models import Listing, ListingEvent, User

# Event kinds after which a listing may match more wanted posts than before (edited, back from
# hiding); they are also announced as "listing.restocked". New and published listings are
# announced as "listing.indexed" once findable (search/sync.py).
RESTOCKED = ("listing.updated", "listing.unhidden")


def record_event(session, listing: Listing, actor: User | None, kind: str, data: dict) -> None:
    """Append to the listing's event log and tell the outbox. The row is written at once, as
    one INSERT without an ORM object: nothing reads it back in the transaction (a reservation
    makes one, at up to hundreds a second)."""
    session.execute(
        sa.insert(ListingEvent).values(
            listing_id=listing.id, actor_id=actor.id if actor else None, kind=kind, data=data
        )
    )
    payload = {"listing_id": listing.id, "kind": kind}
    outbox.enqueue(session, "listing.changed", payload)
    if kind in RESTOCKED:
        outbox.enqueue(session, "listing.restocked", payload)
