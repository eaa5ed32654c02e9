"""The notification handlers in batches (issue 16): a batch of reservation events writes the
same notifications and e-mail copies as one message at a time, in a fixed number of statements,
and a batch of e-mail copies sends the same e-mails, over one SMTP connection. On SQLite, and
on PostgreSQL too when TEST_DATABASE_URL is set."""

import email
import re
from email import policy

import pytest
import sqlalchemy as sa

from marketplace import mail, outbox
from marketplace.extensions import db
from marketplace.models import Notification, OutboxMessage
from marketplace.notifications import (
    notify_reservation,
    notify_reservation_batch,
    send_email,
    send_email_batch,
)
from marketplace.services import reservations as svc

from ..conftest import running_app
from .test_notifications import Inbox, serving_smtp

GONE = 10**6  # an id no reservation or notification has


def message(message_id: int, topic: str, **payload) -> outbox.Message:
    return outbox.Message(id=message_id, topic=topic, payload=payload, attempts=0)


def written():
    """The notifications (in the order written) and, for each e-mail copy queued, the
    (source, user) of its notification."""
    db.session.rollback()
    notes = db.session.execute(
        sa.select(
            Notification.id,
            Notification.source_key,
            Notification.user_id,
            Notification.kind,
            Notification.data,
        ).order_by(Notification.id)
    ).all()
    pair = {n.id: (n.source_key, n.user_id) for n in notes}
    copies = db.session.scalars(
        sa.select(OutboxMessage.payload)
        .where(OutboxMessage.topic == "notification.created")
        .order_by(OutboxMessage.id)
    )
    return [tuple(n[1:]) for n in notes], [pair[p["notification_id"]] for p in copies]


def forget_notifications():
    db.session.rollback()
    db.session.execute(
        sa.delete(OutboxMessage).where(OutboxMessage.topic == "notification.created")
    )
    db.session.execute(sa.delete(Notification))
    db.session.commit()


def test_a_batch_of_mixed_topics_writes_what_one_by_one_delivery_writes(any_db, make):
    any_db.config["MAIL_ENABLED"] = True  # the e-mail copies are queued too
    seller_a, seller_b = make.builder(), make.builder()
    colleague = make.builder(org=seller_a.organization)
    taker1, taker2 = make.resident(), make.resident()
    listing_a, listing_b = make.listing(seller_a), make.listing(seller_b)
    r1 = svc.reservation_create(user_id=taker1.id, listing_id=listing_a.id, quantity="2")
    r2 = svc.reservation_create(user_id=taker2.id, listing_id=listing_b.id, quantity="1")
    r3 = svc.reservation_create(user_id=taker2.id, listing_id=listing_a.id, quantity="1")
    svc.reservation_cancel(user_id=taker2.id, reservation_id=r3.id, reason="rain")
    messages = [
        message(9001, "reservation.created", reservation_id=r1.id),
        message(9002, "reservation.created", reservation_id=r2.id),
        message(9003, "reservation.cancelled", reservation_id=r3.id),
        message(9004, "reservation.expired", reservation_id=r2.id),
        message(9005, "reservation.created", reservation_id=GONE),
        message(9006, "reservation.reminder", reservation_id=r1.id),
    ]
    for m in messages:
        notify_reservation(m)
    one_by_one = written()
    forget_notifications()

    notify_reservation_batch(messages)
    notes, copies = written()
    assert (notes, copies) == one_by_one
    assert [(key, user, kind) for key, user, kind, _ in notes] == [
        ("outbox:9001", seller_a.id, "reservation.created"),
        ("outbox:9001", colleague.id, "reservation.created"),
        ("outbox:9001", taker1.id, "reservation.confirmed"),
        ("outbox:9002", seller_b.id, "reservation.created"),
        ("outbox:9002", taker2.id, "reservation.confirmed"),
        ("outbox:9003", seller_a.id, "reservation.cancelled"),  # the canceller is not told
        ("outbox:9003", colleague.id, "reservation.cancelled"),
        ("outbox:9004", taker2.id, "reservation.expired"),
        ("outbox:9004", seller_b.id, "reservation.expired"),
        ("outbox:9006", taker1.id, "reservation.reminder"),
    ]
    assert notes[5][3]["reason"] == "rain" and notes[0][3]["quantity"] == "2"
    assert copies == [(key, user) for key, user, _, _ in notes]  # one e-mail copy each

    notify_reservation_batch(messages)  # delivered again (a worker died before "done")
    notify_reservation_batch(messages[3:])
    assert written() == (notes, copies)


def test_the_statements_of_a_batch_do_not_grow_with_its_size(any_db, make):
    any_db.config.update(MAIL_ENABLED=True, MAX_OPEN_RESERVATIONS=1000)
    sellers = [make.builder() for _ in range(3)]
    make.builder(org=sellers[0].organization)
    listings = [make.listing(s, quantity="100") for s in sellers]
    takers = [make.resident() for _ in range(5)]
    reservations = [
        svc.reservation_create(
            user_id=takers[i % 5].id, listing_id=listings[i % 3].id, quantity="1"
        )
        for i in range(55)
    ]
    topics = ("reservation.created", "reservation.reminder", "reservation.expired")
    messages = [
        message(100 + i, topics[i % 3], reservation_id=r.id) for i, r in enumerate(reservations)
    ]
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        # The e-mail copies' own INSERTs are outbox.enqueue's (one call per notification).
        if not statement.lstrip().upper().startswith("INSERT INTO OUTBOX_MESSAGE"):
            statements.append(statement)

    db.session.rollback()
    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        notify_reservation_batch(messages[:5])
        five = len(statements)
        statements.clear()
        notify_reservation_batch(messages[5:])
        fifty = len(statements)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)
    notes, copies = written()
    assert len(notes) == len(copies) > 55  # everyone was told, with one e-mail copy each
    assert fifty == five, statements


class ConnectionsInbox(Inbox):
    """An inbox that also notes the client's address of each message: one per connection."""

    def __init__(self):
        super().__init__()
        self.peers = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.peers.append(session.peer)
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def smtp_server():
    with serving_smtp(ConnectionsInbox()) as served:
        yield served


def e_mail_copies(make) -> list[outbox.Message]:
    """Four notifications for recipients in Swedish, English and Finnish, as "notification.created"
    messages, and one whose notification is gone."""
    seller = make.builder(locale="sv", display_name="Sven")
    make.builder(org=seller.organization, locale="en", display_name="Bea")
    taker = make.resident(locale="fi", display_name="Sara")
    listing = make.listing(seller, title="Tegel, röd")
    r = svc.reservation_create(user_id=taker.id, listing_id=listing.id, quantity="2")
    notify_reservation_batch(
        [
            message(1, "reservation.created", reservation_id=r.id),
            message(2, "reservation.reminder", reservation_id=r.id),
        ]
    )
    ids = db.session.scalars(sa.select(Notification.id).order_by(Notification.id)).all()
    assert len(ids) == 4
    return [message(50 + i, "notification.created", notification_id=n) for i, n in enumerate(ids)]


def described(messages) -> list[tuple]:
    """What a reader sees of each e-mail (the Message-ID's random part aside), sorted."""
    return sorted(
        (
            m["From"],
            m["To"],
            m["Subject"],
            re.search(r"\.(n\d+)@", m["Message-ID"]).group(1),
            m.get_body(preferencelist=("plain",)).get_content(),
            m.get_body(preferencelist=("html",)).get_content(),
        )
        for m in messages
    )


def test_a_batch_of_e_mail_copies_writes_the_files_one_by_one_delivery_writes(
    tmp_path, any_database_url, make
):
    with running_app(tmp_path, any_database_url) as app:
        assert not app.config["MAIL_ENABLED"]  # the file transport
        messages = e_mail_copies(make) + [message(60, "notification.created", notification_id=GONE)]

        def files():
            paths = sorted(mail.mail_dir().glob("*.eml"))
            read = [email.message_from_bytes(p.read_bytes(), policy=policy.default) for p in paths]
            for p in paths:
                p.unlink()
            return described(read)

        for m in messages:
            send_email(m)
        one_by_one = files()
        send_email_batch(messages)
        batch = files()
    assert batch == one_by_one and len(batch) == 4
    assert len({key for _, _, _, key, _, _ in batch}) == 4  # each once, under its own key
    greetings = sorted(text.splitlines()[0] for _, _, _, _, text, _ in batch)
    assert greetings == ["Hei Sara,", "Hei Sara,", "Hej Sven,", "Hello Bea,"]  # each own language


def test_a_batch_of_e_mail_copies_goes_over_one_smtp_connection(
    tmp_path, any_database_url, make, smtp_server
):
    port, inbox = smtp_server
    with running_app(tmp_path, any_database_url, MAIL_SERVER="127.0.0.1", MAIL_PORT=port):
        messages = e_mail_copies(make)
        for m in messages:
            send_email(m)
        one_by_one, inbox.messages, connections = described(inbox.messages), [], set(inbox.peers)
        inbox.peers = []
        send_email_batch(messages)
    assert len(connections) == 4 and len(set(inbox.peers)) == 1
    assert described(inbox.messages) == one_by_one and len(one_by_one) == 4


def test_the_worker_sends_a_reservations_e_mails_in_one_batch(
    tmp_path, any_database_url, make, smtp_server
):
    port, inbox = smtp_server
    with running_app(tmp_path, any_database_url, MAIL_SERVER="127.0.0.1", MAIL_PORT=port):
        seller = make.builder(email="seller@example.com")
        make.builder(org=seller.organization, email="colleague@example.com")
        taker = make.resident(email="taker@example.com")
        svc.reservation_create(user_id=taker.id, listing_id=make.listing(seller).id, quantity="1")
        outbox.run_once()
        assert not outbox.anything_due()
    recipients = sorted(m["To"] for m in inbox.messages)
    assert recipients == ["colleague@example.com", "seller@example.com", "taker@example.com"]
    assert len(set(inbox.peers)) == 1
