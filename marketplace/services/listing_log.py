"""The listing event log, a building block inside a use case's transaction: every change to a
listing is appended here and announced to the outbox (search indexes, and wanted-post alerts
when the listing may now match more than before)."""

from collections.abc import Sequence

from .. import outbox
from ..models import Listing, ListingEvent, User

# Event kinds after which a listing may match more wanted posts than before (edited, back from
# hiding); they are also announced as "listing.restocked". New and published listings are
# announced as "listing.indexed" once findable (search/sync.py).
RESTOCKED = ("listing.updated", "listing.unhidden")


def record_event(
    session,
    listing: Listing,
    actor: User | None,
    kind: str,
    data: dict,
    *,
    also: Sequence[tuple[str, dict]] = (),
) -> None:
    """Append to the listing's event log and tell the outbox; `also`: the use case's other
    outbox messages (topic, payload), written in the same INSERT. Both rows are written at once
    on the table, without ORM objects: nothing reads them back in the transaction (a reservation
    makes one, at up to hundreds a second)."""
    session.connection().execute(
        _INSERT_EVENT,
        {
            "listing_id": listing.id,
            "actor_id": actor.id if actor else None,
            "kind": kind,
            "data": data,
        },
    )
    payload = {"listing_id": listing.id, "kind": kind}
    outbox.enqueue_all(
        session,
        [
            ("listing.changed", payload),
            *([("listing.restocked", payload)] if kind in RESTOCKED else []),
            *also,
        ],
    )


_INSERT_EVENT = ListingEvent.__table__.insert()
