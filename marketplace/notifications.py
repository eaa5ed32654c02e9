"""Notifications: outbox handlers that write in-app messages and, with MAIL_SERVER set, e-mails
in the recipient's language (plain text and HTML). The topics they handle are wired in
marketplace/handlers.py."""

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import render_template
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from . import mail, outbox
from .database import write_transaction
from .extensions import db
from .models import Listing, Notification, Reservation, Role, User

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


def _builders_by_organization(session, organization_ids) -> dict[int, list[int]]:
    """The active builders of each organisation (user ids in id order), in one query."""
    builders: dict[int, list[int]] = {o: [] for o in organization_ids}
    rows = session.execute(
        sa.select(User.organization_id, User.id)
        .where(User.organization_id.in_(list(builders)), User.role == Role.BUILDER, User.active)
        .order_by(User.id)
    )
    for organization_id, user_id in rows:
        builders[organization_id].append(user_id)
    return builders


def _reservation_recipients(
    topic: str, reservation: Reservation, sellers: list[int]
) -> list[tuple[int, str]]:
    """(user id, kind) pairs: who hears about what happened to a reservation (`sellers`: the
    builders of the listing's organisation)."""
    reserver = reservation.user_id
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
    notify_reservation_batch([message])


def notify_reservation_batch(messages: list[outbox.Message]) -> None:
    """Outbox batch handler: the same for many reservation events (of any of the reservation
    topics) in one transaction and a fixed number of queries, however many messages: the same
    rows as one message at a time. A message whose reservation is gone writes nothing."""
    with write_transaction() as session:
        ids = {m.payload["reservation_id"] for m in messages}
        reservations = {
            r.id: r
            for r in session.scalars(
                sa.select(Reservation)
                .where(Reservation.id.in_(ids))
                .options(
                    so.joinedload(Reservation.listing).joinedload(Listing.site),
                    so.joinedload(Reservation.user),
                )
            )
        }
        builders = _builders_by_organization(
            session, {r.listing.organization_id for r in reservations.values()}
        )
        rows = []
        for message in messages:
            reservation = reservations.get(message.payload["reservation_id"])
            if reservation is None:
                continue
            data = _reservation_data(reservation)
            sellers = builders[reservation.listing.organization_id]
            rows += [
                {"user_id": u, "kind": kind, "data": data, "source_key": f"outbox:{message.id}"}
                for u, kind in _reservation_recipients(message.topic, reservation, sellers)
            ]
        _add_new(session, rows, email_copy=True)


def add(
    session, *, user_id: int, kind: str, data: dict, source_key: str, email_copy: bool = True
) -> Notification | None:
    """Write one notification unless this source already produced it; queue its e-mail copy
    (unless `email_copy` is False: an account e-mail of its own says the same)."""
    row = {"user_id": user_id, "kind": kind, "data": data, "source_key": source_key}
    added = _add_new(session, [row], email_copy=email_copy)
    return added[0] if added else None


def _add_new(session, rows: list[dict], *, email_copy: bool) -> list[Notification]:
    """Write the notifications (column values) whose (source, user) pair has none yet, the
    first of a repeated pair: one query, one INSERT; queue their e-mail copies in that order.
    Returns those written."""
    keys = {row["source_key"] for row in rows}
    if not keys:
        return []
    seen = set(
        session.execute(
            sa.select(Notification.source_key, Notification.user_id).where(
                Notification.source_key.in_(keys)
            )
        ).tuples()
    )
    new = []
    for row in rows:
        pair = (row["source_key"], row["user_id"])
        if pair not in seen:
            seen.add(pair)
            new.append(row)
    if not new:
        return []
    # One INSERT ... RETURNING for them all. Its rows may come back in any order (asking for
    # the order costs a statement per row on SQLite): the (source, user) pair is unique.
    written = session.scalars(sa.insert(Notification).returning(Notification), new).all()
    by_pair = {(n.source_key, n.user_id): n for n in written}
    notifications = [by_pair[(row["source_key"], row["user_id"])] for row in new]
    if email_copy:  # one INSERT for all their outbox messages
        outbox.enqueue_all(
            session, [("notification.created", {"notification_id": n.id}) for n in notifications]
        )
    return notifications


def send_email(message: outbox.Message) -> None:
    """E-mail a notification to its recipient, in the recipient's language."""
    send_email_batch([message])


def send_email_batch(messages: list[outbox.Message]) -> None:
    """Outbox batch handler: e-mail many notifications, each in its recipient's language, in
    one SMTP connection (the notifications and their recipients read in one query). A gone
    notification is skipped. If one e-mail fails, the batch raises and the worker delivers each
    message again alone: the e-mails sent before the failure may then go out twice (delivery is
    at least once; each keeps its Message-ID, built from the notification's id)."""
    ids = [m.payload["notification_id"] for m in messages]
    rows = db.session.execute(
        sa.select(Notification, User)
        .join(User, User.id == Notification.user_id)
        .where(Notification.id.in_(ids))
    ).tuples()
    found = {notification.id: (notification, user) for notification, user in rows}
    wanted = [found[i] for i in ids if i in found]
    by_locale: dict[str, list[int]] = {}
    for index, (_, user) in enumerate(wanted):
        by_locale.setdefault(user.locale, []).append(index)
    emails: list = [None] * len(wanted)
    for locale, indexes in by_locale.items():
        with mail.rendering(locale):  # one rendering context per language, not per e-mail
            for index in indexes:
                emails[index] = _email(*wanted[index])
    mail.send_many(emails)


def _email(notification: Notification, user: User):
    """The e-mail copy of a notification (inside mail.rendering of the user's locale)."""
    context = {
        "n": notification,
        "user": user,
        "subject": str(KINDS.get(notification.kind, notification.kind)),
        "external": True,
    }
    # Its sentence and link, rendered once for both parts (an HTML partial: escaped as HTML).
    context["described"] = Markup(render_template("notifications/_describe.html", **context))
    context["link"] = Markup(render_template("notifications/_link.html", **context))
    return mail.compose(
        to=user.email,
        subject=context["subject"],
        text=render_template("email/notification.txt", **context),
        html=render_template("email/notification.html", **context),
        key=f"n{notification.id}",
    )
