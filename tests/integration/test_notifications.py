"""Notifications: in-app for both sides of a reservation, and e-mail through a real SMTP server
(aiosmtpd on loopback) in the recipient's language, plain text and HTML."""

import email
import socket
from contextlib import contextmanager
from datetime import timedelta
from email import policy

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from marketplace import clock, outbox
from marketplace.extensions import db
from marketplace.models import Notification
from marketplace.services import reservations as svc

from ..conftest import NOON, AuthActions, make_app


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


@contextmanager
def serving_smtp(inbox: Inbox):
    """An SMTP server on a free loopback port delivering to `inbox`; yields (port, inbox)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, inbox
    finally:
        controller.stop()


@pytest.fixture
def smtp():
    with serving_smtp(Inbox()) as served:
        yield served


def pickup():
    return NOON.replace(hour=7) + timedelta(days=2)  # Wednesday 09:00 Helsinki: no reminder yet


def kinds_for(user_id):
    db.session.rollback()
    return sorted(
        db.session.scalars(sa.select(Notification.kind).where(Notification.user_id == user_id))
    )


def test_both_sides_are_notified_in_app_once(app, make, client):
    seller = make.builder()
    colleague = make.builder(org=seller.organization)
    taker = make.resident()
    listing = make.listing(seller)
    reservation = svc.reservation_create(
        user_id=taker.id, listing_id=listing.id, quantity="2", pickup_at=pickup()
    )
    outbox.run_once()
    outbox.run_once()
    assert kinds_for(seller.id) == kinds_for(colleague.id) == ["reservation.created"]
    assert kinds_for(taker.id) == ["reservation.confirmed"]
    svc.reservation_cancel(user_id=taker.id, reservation_id=reservation.id, reason="rain")
    outbox.run_once()
    assert kinds_for(seller.id) == ["reservation.cancelled", "reservation.created"]
    assert kinds_for(taker.id) == ["reservation.confirmed"]  # the canceller is not told
    auth = AuthActions(client)
    auth.login(seller)
    page = client.get("/notifications/")
    assert "rain" in page.text and 'class="badge count-badge">2' in page.text
    client.post("/notifications/read")
    assert "count-badge" not in client.get("/notifications/").text


@pytest.mark.parametrize("event", ["expired", "no_show", "collected", "reminder"])
def test_every_reservation_event_reaches_the_taker(app, make, event):
    seller, taker = make.builder(), make.resident()
    listing = make.listing(seller)
    reservation = svc.reservation_create(
        user_id=taker.id, listing_id=listing.id, quantity="1", pickup_at=pickup()
    )
    if event == "expired":
        clock.set(reservation.expires_at + timedelta(minutes=1))
    elif event == "no_show":
        clock.set(pickup() + timedelta(minutes=1))
        svc.reservation_no_show(user_id=seller.id, reservation_id=reservation.id)
    elif event == "collected":
        svc.reservation_collect(user_id=seller.id, reservation_id=reservation.id)
    if event == "reminder":
        clock.set(NOON + timedelta(days=1))
    outbox.run_once()  # chores run first: expiry and the day-before reminder
    assert f"reservation.{event}" in kinds_for(taker.id)


def test_redelivery_does_not_duplicate_notifications(app, make):
    from marketplace.notifications import notify_reservation

    seller, taker = make.builder(), make.resident()
    reservation = svc.reservation_create(
        user_id=taker.id, listing_id=make.listing(seller).id, quantity="1"
    )
    message = outbox.Message(
        id=999, topic="reservation.created", payload={"reservation_id": reservation.id}, attempts=0
    )
    notify_reservation(message)
    notify_reservation(message)
    assert kinds_for(taker.id) == ["reservation.confirmed"]


def test_email_is_sent_in_the_recipients_language_as_text_and_html(tmp_path, smtp, make):
    port, inbox = smtp
    app = make_app(tmp_path, MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    with app.app_context():
        seller_email = make.builder(email="seller@example.com").email
        taker = make.resident(email="sara@example.com")
        from marketplace.services import accounts

        accounts.user_update_profile(user_id=taker.id, display_name="Sara", locale="sv")
        from marketplace.models import User

        seller = db.session.scalar(sa.select(User).where(User.email == seller_email))
        listing = make.listing(seller, title="Tegel, röd")
        svc.reservation_create(
            user_id=taker.id, listing_id=listing.id, quantity="3", pickup_at=pickup()
        )
        outbox.run_once()
        outbox.run_once()
    to_sara = [m for m in inbox.messages if m["To"] == "sara@example.com"]
    assert len(to_sara) == 1
    message = to_sara[0]
    assert message.is_multipart()
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "Tegel, röd" in text and "Tegel, röd" in html
    assert "Hej Sara" in text  # Swedish greeting
    assert message["Subject"] != "Your reservation is confirmed"
    assert any(m["To"] == seller_email for m in inbox.messages)


def test_without_mail_server_no_email_messages_are_queued(app, make):
    from marketplace.models import OutboxMessage

    seller, taker = make.builder(), make.resident()
    svc.reservation_create(user_id=taker.id, listing_id=make.listing(seller).id, quantity="1")
    outbox.run_once()
    outbox.run_once()
    db.session.rollback()
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).where(OutboxMessage.topic == "notification.created")
        )
        == 0
    )
