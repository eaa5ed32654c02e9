"""The outbox worker: delivery, retries with backoff, dead letters, crashes, concurrent workers."""

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from marketplace import clock, outbox
from marketplace.database import write_transaction
from marketplace.extensions import db
from marketplace.models import OutboxMessage

calls: list = []


def flaky(message):
    calls.append(("flaky", message.id))
    raise RuntimeError("the mail server said no")


def fine(message):
    calls.append(("fine", message.id))


def wire_test_topics():
    """Add this module's topics to the app's table of side effects (as handlers.py would)."""
    wiring = outbox.wiring()
    for topic, handler in (("test.flaky", flaky), ("test.fine", fine)):
        subscriber = outbox.Subscriber(handler)
        wiring.topics[topic] = (subscriber,)
        wiring.by_name[subscriber.name] = handler


@pytest.fixture(autouse=True)
def reset_calls():
    calls.clear()


def enqueue(topic, n=1):
    wire_test_topics()
    with write_transaction() as session:
        for i in range(n):
            outbox.enqueue(session, topic, {"n": i})


def rows(topic):
    db.session.rollback()
    return list(
        db.session.scalars(
            sa.select(OutboxMessage).where(OutboxMessage.topic == topic).order_by(OutboxMessage.id)
        )
    )


def test_a_message_is_delivered_once_and_marked_done(app):
    enqueue("test.fine")
    assert outbox.run_once() == 1
    assert outbox.run_once() == 0
    assert [r.status for r in rows("test.fine")] == ["done"]
    assert len([c for c in calls if c[0] == "fine"]) == 1


def test_a_failing_handler_retries_with_backoff_then_dead_letters_while_others_proceed(app):
    enqueue("test.flaky")
    enqueue("test.fine", 3)
    outbox.run_once()
    assert [r.status for r in rows("test.fine")] == ["done"] * 3
    row = rows("test.flaky")[0]
    assert (row.status, row.attempts) == ("pending", 1)
    assert "mail server said no" in row.last_error
    assert row.available_at > clock.now()  # backing off
    outbox.run_once()
    assert rows("test.flaky")[0].attempts == 1  # not due yet: no retry storm
    delays = []
    for _ in range(outbox.MAX_ATTEMPTS - 1):
        row = rows("test.flaky")[0]
        delays.append(row.available_at - clock.now())
        clock.set(row.available_at + timedelta(seconds=1))
        outbox.run_once()
    row = rows("test.flaky")[0]
    assert (row.status, row.attempts) == ("dead", outbox.MAX_ATTEMPTS)
    assert delays == sorted(delays) and delays[-1] > delays[0]  # exponential backoff
    clock.advance(days=30)
    assert outbox.run_once() == 0  # dead letters stay dead


def test_a_crash_mid_batch_loses_nothing_and_redelivers_after_the_lease(app, monkeypatch):
    enqueue("test.fine", 4)
    delivered = []

    def crash_on_third(message):
        if len(delivered) == 2:
            raise KeyboardInterrupt("worker killed")  # not an Exception: the worker dies
        delivered.append(message.id)

    monkeypatch.setitem(
        outbox.wiring().by_name, "tests.integration.test_outbox.fine", crash_on_third
    )
    with pytest.raises(KeyboardInterrupt):
        outbox.run_once(worker_id="w1")
    done = [r for r in rows("test.fine") if r.status == "done"]
    assert len(done) == 2
    monkeypatch.setitem(
        outbox.wiring().by_name,
        "tests.integration.test_outbox.fine",
        lambda m: delivered.append(m.id),
    )
    assert outbox.run_once(worker_id="w2") == 0  # still leased by the dead worker
    clock.advance(minutes=6)
    assert outbox.run_once(worker_id="w2") == 2
    assert sorted(delivered) == sorted(set(delivered))  # each message delivered once
    assert [r.status for r in rows("test.fine")] == ["done"] * 4


def test_two_workers_never_claim_the_same_message(any_db):
    enqueue("test.fine", 40)
    app = any_db
    barrier = threading.Barrier(2)
    claimed = {}

    def work(name):
        with app.app_context():
            barrier.wait()
            claimed[name] = outbox._claim(name, 30)
            db.session.remove()

    threads = [threading.Thread(target=work, args=(n,)) for n in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not set(claimed["a"]) & set(claimed["b"])
    assert len(claimed["a"]) + len(claimed["b"]) == 40


def test_flask_worker_once_runs_from_the_command_line(app, runner):
    enqueue("test.fine", 2)
    result = runner.invoke(args=["worker", "--once"])
    assert result.exit_code == 0 and "delivered 2" in result.output


def test_a_topic_nobody_handles_is_an_error_not_a_silent_no_op(app):
    with pytest.raises(outbox.UnknownTopic, match="handover.weighed"):
        with write_transaction() as session:
            outbox.enqueue(session, "handover.weighed", {"handover_id": 1})
    assert rows("handover.weighed") == []


def test_a_switched_off_handler_gets_no_row_and_a_switched_on_one_does(app):
    with write_transaction() as session:  # MAIL_SERVER is not set in tests
        outbox.enqueue(session, "notification.created", {"notification_id": 1})
    assert rows("notification.created") == []
    app.config["MAIL_ENABLED"] = True
    with write_transaction() as session:
        outbox.enqueue(session, "notification.created", {"notification_id": 1})
    assert [r.handler for r in rows("notification.created")] == [
        "marketplace.notifications.send_email"
    ]
