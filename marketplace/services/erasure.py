"""Deleting an account (GDPR erasure), in one transaction.

The user row stays, emptied, because the append-only handover ledger refers to it: the ledger
keeps mass, material, site and date with the receiver shown as a deleted user, so no total
changes. Everything else personal goes: name, e-mail (the address can sign up again), password,
sessions and tokens, saved searches, notifications, e-mailed links, the messages the person
wrote about reservations (the other side's stay: they are theirs) and the note left with a
reservation, the taker's name in the sellers' notifications, and the text of wanted posts
(closed; quantities and dates stay for the city's demand figures). Open reservations are
cancelled by the normal rules (the sellers are told, a payment is refunded through the outbox).
Payments stay: bookkeeping law.

A builder who is the last member of an organisation with open listings is refused
(OrganizationHasOpenListings): withdrawing them would cancel other people's reservations, a
decision the builder should take on the listings page, not as a side effect.
"""

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from .. import clock
from ..database import write_transaction
from ..errors import NotFound, OrganizationHasOpenListings, ValidationFailed
from ..models import (
    OPEN,
    ApiToken,
    EmailLink,
    Listing,
    ListingStatus,
    Notification,
    OutboxMessage,
    Reservation,
    ReservationMessage,
    ReservationStatus,
    SavedSearch,
    User,
)
from . import credentials, passwords
from .holds import close
from .wanted import close_and_erase as close_wanted_posts

CLOSED_LISTING = (ListingStatus.WITHDRAWN, ListingStatus.EXPIRED, ListingStatus.COLLECTED)
DELETED_DOMAIN = "deleted.invalid"  # .invalid can never be a real address (RFC 2606)


def account_delete(*, user_id: int, password: str) -> None:
    """Erase the caller's account after checking the password (422 when wrong)."""
    with write_transaction() as session:
        user = session.get(User, user_id)
        if user is None or user.deleted_at is not None:
            raise NotFound()
        if not passwords.verify_password(user.password_hash, password or ""):
            raise ValidationFailed(fields={"password": _l("The password is not correct.")})
        _check_organization(session, user)
        _cancel_open_reservations(session, user)
        close_wanted_posts(session, user.id)
        _erase(session, user)


def _check_organization(session, user: User) -> None:
    if not user.is_builder or user.organization_id is None:
        return
    others = session.scalar(
        sa.select(sa.func.count()).where(
            User.organization_id == user.organization_id, User.id != user.id, User.active
        )
    )
    open_listings = session.scalar(
        sa.select(sa.func.count()).where(
            Listing.organization_id == user.organization_id, Listing.status.not_in(CLOSED_LISTING)
        )
    )
    if others == 0 and open_listings:
        raise OrganizationHasOpenListings()


def _cancel_open_reservations(session, user: User) -> None:
    reason = str(_l("The taker deleted their account."))
    for reservation in session.scalars(
        sa.select(Reservation).where(Reservation.user_id == user.id, Reservation.status.in_(OPEN))
    ):
        reservation.cancel_reason = reason
        reservation.cancelled_by_id = user.id
        close(
            session,
            reservation,
            ReservationStatus.CANCELLED,
            user,
            "reservation.cancelled",
            {"reason": reason},
        )


def _erase(session, user: User) -> None:
    credentials.revoke_all(session, user)
    for model in (ApiToken, SavedSearch, Notification, EmailLink):
        session.execute(
            sa.delete(model)
            .where(model.user_id == user.id)
            .execution_options(synchronize_session=False)
        )
    # What the person wrote about reservations goes; the other side's messages stay (theirs).
    session.execute(
        sa.delete(ReservationMessage)
        .where(ReservationMessage.author_id == user.id)
        .execution_options(synchronize_session=False)
    )
    reservation_ids = set(
        session.scalars(sa.select(Reservation.id).where(Reservation.user_id == user.id))
    )
    session.execute(
        sa.update(Reservation)
        .where(Reservation.user_id == user.id)
        .values(message="")
        .execution_options(synchronize_session=False)
    )
    # The sellers' notifications name the taker: keep the notification, drop the name.
    for note in session.scalars(
        sa.select(Notification).where(Notification.kind.like("reservation.%"))
    ):
        if note.data.get("reservation_id") in reservation_ids and note.data.get("taker"):
            note.data = {**note.data, "taker": ""}
    # Queued account e-mails carry addresses: keep only the user id (they are then skipped).
    for row in session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.topic.like("account.%"))
    ):
        if row.payload.get("user_id") == user.id and set(row.payload) != {"user_id"}:
            row.payload = {"user_id": user.id}
    user.email = f"deleted-{user.id}@{DELETED_DOMAIN}"
    user.display_name = ""
    user.password_hash = "!"  # matches no password (passwords.verify_password)
    user.active = False
    user.deleted_at = clock.now()
    user.email_confirmed_at = None
    user.last_login_at = None
    user.organization_id = None
