"""The listing event log, a building block inside a use case's transaction: every change to a
listing is appended here and announced to the outbox (search indexes, saved-search alerts)."""

from .. import outbox
from ..models import Listing, ListingEvent, User


def record_event(session, listing: Listing, actor: User | None, kind: str, data: dict) -> None:
    """Append to the listing's event log and tell the outbox (search index, alerts)."""
    session.add(
        ListingEvent(
            listing_id=listing.id, actor_id=actor.id if actor else None, kind=kind, data=data
        )
    )
    outbox.enqueue(session, "listing.changed", {"listing_id": listing.id, "kind": kind})
