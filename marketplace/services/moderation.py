"""City staff use cases: hide and show listings, set yearly targets (verifying organisations is
services/verification.py).

Hiding a listing cancels its open reservations (their holders are notified as for any
cancellation), logs a listing event (which also takes it out of the search indexes through the
outbox) and tells the owner's builders why, in the app, through the outbox.
"""

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from .. import notifications, outbox
from ..auth import acting_user
from ..database import write_transaction
from ..errors import InvalidTransition, NotFound
from ..models import Listing, Role, StaffAction, User, YearlyTarget
from . import validation as v
from .holds import cancel_open_for_listing
from .listing_log import record_event

MIN_YEAR, MAX_YEAR = 2020, 2100
MAX_TONNES = 10_000_000


def _city(session, user_id: int) -> User:
    return acting_user(session, user_id, Role.CITY)


def listing_hide(*, user_id: int, listing_id: int, reason: str) -> Listing:
    """Hide a listing from everyone but its organisation and the city, saying why."""
    errors = v.Errors()
    reason = v.text(errors, "reason", reason, min_len=3, max_len=500)
    errors.raise_if_any()
    with write_transaction() as session:
        user = _city(session, user_id)
        listing = session.get(Listing, listing_id)
        if listing is None:
            raise NotFound()
        if listing.hidden_reason:
            raise InvalidTransition(_l("This listing is hidden already."))
        listing.hidden_reason = reason
        cancelled = cancel_open_for_listing(
            session,
            listing,
            by=user,
            reason=str(_l("The city hid the listing: %(reason)s", reason=reason)),
        )
        record_event(
            session, listing, user, "listing.hidden", {"reason": reason, "cancelled": cancelled}
        )
        outbox.enqueue(session, "listing.hidden", {"listing_id": listing.id, "reason": reason})
        session.add(
            StaffAction(
                actor_id=user.id,
                kind="listing.hidden",
                subject=str(listing.id),
                data={"reason": reason, "cancelled_reservations": cancelled},
            )
        )
    return listing


def listing_unhide(*, user_id: int, listing_id: int) -> Listing:
    """Show a hidden listing again (reservations cancelled when it was hidden stay cancelled)."""
    with write_transaction() as session:
        user = _city(session, user_id)
        listing = session.get(Listing, listing_id)
        if listing is None:
            raise NotFound()
        if not listing.hidden_reason:
            raise InvalidTransition(_l("This listing is not hidden."))
        previous, listing.hidden_reason = listing.hidden_reason, ""
        record_event(session, listing, user, "listing.unhidden", {"previous_reason": previous})
        session.add(
            StaffAction(
                actor_id=user.id,
                kind="listing.unhidden",
                subject=str(listing.id),
                data={"previous_reason": previous},
            )
        )
    return listing


def target_set(*, user_id: int, year, tonnes, note: str = "") -> YearlyTarget:
    """Set (or change) the tonnes of material the city aims to divert in a calendar year."""
    errors = v.Errors()
    year = v.integer(errors, "year", year, minimum=MIN_YEAR, maximum=MAX_YEAR, default=None)
    tonnes = v.decimal(errors, "tonnes", tonnes, maximum=MAX_TONNES)
    note = v.text(errors, "note", note, required=False, max_len=500)
    if year is None and "year" not in errors:
        errors["year"] = _l("This field is required.")
    errors.raise_if_any()
    with write_transaction() as session:
        user = _city(session, user_id)
        target = session.get(YearlyTarget, year) or YearlyTarget(year=year)
        previous = str(target.tonnes) if target.tonnes is not None else None
        target.tonnes, target.note, target.set_by_id = tonnes, note, user.id
        session.add(target)
        session.add(
            StaffAction(
                actor_id=user.id,
                kind="target.set",
                subject=str(year),
                data={"tonnes": str(tonnes), "previous": previous},
            )
        )
    return target


def notify_listing_hidden(message: outbox.Message) -> None:
    """In-app notice to the listing's builders that the city hid it, and why (idempotent)."""
    with write_transaction() as session:
        listing = session.get(Listing, message.payload["listing_id"])
        if listing is None:
            return
        builders = session.scalars(
            sa.select(User.id).where(
                User.organization_id == listing.organization_id,
                User.role == Role.BUILDER,
                User.active,
            )
        )
        data = {
            "listing_id": listing.id,
            "title": listing.title,
            "reason": message.payload["reason"],
        }
        for builder_id in list(builders):
            notifications.add(
                session,
                user_id=builder_id,
                kind="listing.hidden",
                data=data,
                source_key=f"outbox:{message.id}",
            )
