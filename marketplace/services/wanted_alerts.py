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
    if message.topic == "listing.changed" and message.payload.get("kind") not in RESTOCKED:
        return  # queued before restocks had a topic of their own ("listing.restocked")
    with write_transaction() as session:
        listing = session.get(Listing, message.payload["listing_id"])
        if listing is None:
            return
        for wanted in matching.wanted_for_listing(listing):
            if wanted.owner_id == listing.created_by_id or not _claim(
                session, wanted.id, listing.id
            ):
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
