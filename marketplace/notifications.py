"""Notifications: outbox handlers that write in-app messages and, with MAIL_SERVER set, e-mails
in the recipient's language (plain text and HTML). The topics they handle are wired in
marketplace/handlers.py."""

import sqlalchemy as sa
from flask import render_template
from flask_babel import lazy_gettext as _l

from . import mail, outbox
from .database import write_transaction
from .extensions import db
from .models import Notification, Reservation, Role, User

KINDS = {
    "reservation.created": _l("New reservation"),
    "reservation.confirmed": _l("Your reservation is confirmed"),
    "reservation.cancelled": _l("Reservation cancelled"),
    "reservation.expired": _l("Reservation expired"),
    "reservation.no_show": _l("Marked as not collected"),
    "reservation.collected": _l("Material handed over"),
    "reservation.reminder": _l("Pickup tomorrow"),
    "message.posted": _l("New message about a reservation"),
    "listing.hidden": _l("Your listing was hidden"),
    "listing.unclaimed": _l("Nobody has reserved your lot yet"),
    "organization.verified": _l("The city verified your organisation"),
    "search.matched": _l("New listing matches your saved search"),
    "wanted.matched": _l("A listing matches your wanted post"),
    "wanted.listing_matched": _l("Someone needs what you offer"),
    "listing.available_from_moved": _l("Material available later"),
    "account.signup_attempted": _l("Someone tried to sign up with your address"),
}


def _org_builders(session, organization_id: int) -> list[int]:
    return list(
        session.scalars(
            sa.select(User.id).where(
                User.organization_id == organization_id, User.role == Role.BUILDER, User.active
            )
        )
    )


def _reservation_recipients(session, topic: str, reservation: Reservation) -> list[tuple[int, str]]:
    """(user id, kind) pairs: who hears about what happened to a reservation."""
    reserver, sellers = (
        reservation.user_id,
        _org_builders(session, reservation.listing.organization_id),
    )
    if topic == "reservation.created":
        return [(u, "reservation.created") for u in sellers] + [(reserver, "reservation.confirmed")]
    if topic in ("reservation.cancelled", "reservation.expired"):
        everyone = [reserver] + sellers
        return [(u, topic) for u in everyone if u != reservation.cancelled_by_id]
    return [(reserver, topic)]


def _reservation_data(reservation: Reservation) -> dict:
    listing = reservation.listing
    return {
        "reservation_id": reservation.id,
        "listing_id": listing.id,
        "title": listing.title,
        "quantity": format(reservation.quantity.normalize(), "f"),
        "unit": listing.unit,
        "pickup_at": reservation.pickup_at.isoformat() if reservation.pickup_at else None,
        "site": listing.site.name,
        "code": reservation.code,
        "reason": reservation.cancel_reason,
        "taker": reservation.user.display_name,
    }


def notify_reservation(message: outbox.Message) -> None:
    """In-app notifications for a reservation event (idempotent per message and user)."""
    with write_transaction() as session:
        reservation = session.get(Reservation, message.payload["reservation_id"])
        if reservation is None:
            return
        data = _reservation_data(reservation)
        for user_id, kind in _reservation_recipients(session, message.topic, reservation):
            add(session, user_id=user_id, kind=kind, data=data, source_key=f"outbox:{message.id}")


def add(
    session, *, user_id: int, kind: str, data: dict, source_key: str, email_copy: bool = True
) -> Notification | None:
    """Write one notification unless this source already produced it; queue its e-mail copy
    (unless `email_copy` is False: an account e-mail of its own says the same)."""
    exists = session.scalar(
        sa.select(Notification.id).where(
            Notification.source_key == source_key, Notification.user_id == user_id
        )
    )
    if exists:
        return None
    notification = Notification(user_id=user_id, kind=kind, data=data, source_key=source_key)
    session.add(notification)
    session.flush()
    if email_copy:
        outbox.enqueue(session, "notification.created", {"notification_id": notification.id})
    return notification


def send_email(message: outbox.Message) -> None:
    """E-mail a notification to its recipient, in the recipient's language."""
    notification = db.session.get(Notification, message.payload["notification_id"])
    if notification is None:
        return
    user = db.session.get(User, notification.user_id)
    with mail.rendering(user.locale):
        context = {
            "n": notification,
            "user": user,
            "subject": str(KINDS.get(notification.kind, notification.kind)),
        }
        text = render_template("email/notification.txt", **context)
        html = render_template("email/notification.html", **context)
    mail.send(
        mail.compose(
            to=user.email,
            subject=context["subject"],
            text=text,
            html=html,
            key=f"n{notification.id}",
        )
    )
