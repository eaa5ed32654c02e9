"""Alerts both ways between wanted posts and listings, as outbox handlers (wired in
marketplace/handlers.py): a new, published or restocked listing that matches an open wanted
post tells its poster; a new wanted post tells the organisations whose listings match.

At most once per (post, listing) pair: a WantedAlert row is inserted in the handler's own
transaction with the notification, so a replayed message (or the other direction finding the
same pair later) sends nothing twice. Which listings match is queries/matching.py's rule (its
one home)."""

import sqlalchemy as sa

from .. import notifications, outbox
from ..database import write_transaction
from ..models import Listing, Role, User, WantedAlert, WantedPost
from ..queries import matching
from .listing_log import RESTOCKED


def _claim(session, wanted_id: int, listing_id: int) -> bool:
    """Record the pair; False when it was alerted before."""
    seen = session.scalar(
        sa.select(WantedAlert.id).where(
            WantedAlert.wanted_id == wanted_id, WantedAlert.listing_id == listing_id
        )
    )
    if seen is not None:
        return False
    session.add(WantedAlert(wanted_id=wanted_id, listing_id=listing_id))
    session.flush()
    return True


def _data(wanted: WantedPost, listing: Listing) -> dict:
    return {
        "wanted_id": wanted.id,
        "wanted_title": wanted.title,
        "listing_id": listing.id,
        "title": listing.title,
        "quantity": format(listing.quantity_available.normalize(), "f"),
        "unit": listing.unit,
        "organization": listing.organization.name,
    }


def alert_posters(message: outbox.Message) -> None:
    """A listing became findable or was restocked: tell each open wanted post it matches."""
    alert_posters_batch([message])


def alert_posters_batch(messages: list[outbox.Message]) -> None:
    """Outbox batch handler: `alert_posters` for many messages in one transaction, their
    listings read in one query, each listing once (a pair is alerted once anyway)."""
    ids = list(dict.fromkeys(m.payload["listing_id"] for m in messages if _announces(m)))
    if not ids:
        return
    with write_transaction() as session:
        found = {
            listing.id: listing
            for listing in session.scalars(sa.select(Listing).where(Listing.id.in_(ids)))
        }
        for listing in (found[i] for i in ids if i in found):
            _alert_posters_of(session, listing)


def _announces(message: outbox.Message) -> bool:
    """False for a "listing.changed" queued before restocks had a topic of their own
    ("listing.restocked") that is not a restock."""
    return message.topic != "listing.changed" or message.payload.get("kind") in RESTOCKED


def _alert_posters_of(session, listing: Listing) -> None:
    for wanted in matching.wanted_for_listing(listing):
        if wanted.owner_id == listing.created_by_id or not _claim(session, wanted.id, listing.id):
            continue
        notifications.add(
            session,
            user_id=wanted.owner_id,
            kind="wanted.matched",
            data=_data(wanted, listing),
            source_key=f"wanted:{wanted.id}:listing:{listing.id}",
        )


def alert_organizations(message: outbox.Message) -> None:
    """A new wanted post: tell the builders of each organisation with a matching listing."""
    with write_transaction() as session:
        wanted = session.get(WantedPost, message.payload["wanted_id"])
        if wanted is None or not wanted.is_open:
            return
        poster = session.get(User, wanted.owner_id)
        for candidate in matching.matches_for(wanted, poster):
            listing = candidate.listing
            if listing.organization_id == wanted.organization_id or not _claim(
                session, wanted.id, listing.id
            ):
                continue
            builders = session.scalars(
                sa.select(User.id).where(
                    User.organization_id == listing.organization_id,
                    User.role == Role.BUILDER,
                    User.active,
                )
            )
            for user_id in builders:
                notifications.add(
                    session,
                    user_id=user_id,
                    kind="wanted.listing_matched",
                    data=_data(wanted, listing),
                    source_key=f"wanted:{wanted.id}:listing:{listing.id}",
                )
