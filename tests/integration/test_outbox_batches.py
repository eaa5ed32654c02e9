"""The outbox worker in batches: concurrent workers never deliver a message twice, search
upserts of one listing coalesce to its latest state (a delete wins), a failing message is
retried alone while the rest of its batch is done, and a replayed batch changes nothing."""

import threading
from collections import Counter
from datetime import timedelta

import pytest
import sqlalchemy as sa

from marketplace import clock, outbox
from marketplace.database import write_transaction
from marketplace.extensions import db
from marketplace.models import Notification, OutboxMessage
from marketplace.search import service, sync
from marketplace.search.query import SearchQuery
from marketplace.services import listings as listing_services
from marketplace.services import reservations as svc


def found(text: str) -> list[int]:
    return [hit.id for hit in service.embedded().search(SearchQuery(text=text)).hits]


def statuses() -> Counter:
    db.session.rollback()
    return Counter(db.session.scalars(sa.select(OutboxMessage.status)))


@pytest.fixture
def upserts(app, monkeypatch):
    """Every document the real embedded backend is asked to upsert, call by call."""
    calls: list[list[dict]] = []
    backend = service.embedded()
    real = backend.upsert

    def record(documents):
        calls.append(list(documents))
        real(documents)

    monkeypatch.setattr(backend, "upsert", record)
    return calls


def test_two_workers_deliver_every_message_exactly_once(any_db):
    app, delivered, lock = any_db, Counter(), threading.Lock()
    first, met = threading.local(), threading.Barrier(2)

    def count(message):
        with lock:
            delivered[message.id] += 1
        if not getattr(first, "done", False):
            # Each worker's first message waits for the other's: both hold a claim at once,
            # so "both shared the load" does not depend on how the threads were scheduled.
            first.done = True
            met.wait(timeout=30)

    subscriber = outbox.Subscriber(count)
    wiring = outbox.wiring()
    wiring.topics["test.counted"] = (subscriber,)
    wiring.by_name[subscriber.name] = count
    with write_transaction() as session:
        for i in range(300):
            outbox.enqueue(session, "test.counted", {"n": i})
    barrier = threading.Barrier(2)

    def work(name):
        with app.app_context():
            barrier.wait()
            outbox.deliver_due(name, batch=7)  # small batches: the workers interleave
            db.session.remove()

    threads = [threading.Thread(target=work, args=(n,)) for n in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(delivered) == 300 and set(delivered.values()) == {1}
    assert statuses() == Counter({"done": 300})
    workers = db.session.scalars(sa.select(OutboxMessage.locked_by).distinct())
    assert set(workers) == {"a", "b"}  # both shared the load


def test_three_changes_of_a_listing_in_one_batch_are_one_upsert_of_its_latest_state(
    app, make, upserts
):
    seller = make.builder()
    listing = make.listing(seller, title="Kattotiili punainen", category="roof-tile")
    for title in ("Kattotiili musta", "Kattotiili harmaa", "Kattotiili valkoinen"):
        listing_services.listing_update(user_id=seller.id, listing_id=listing.id, title=title)
    outbox.run_once()
    assert [[d["title"] for d in call] for call in upserts] == [["Kattotiili valkoinen"]]
    assert found("valkoinen") == [listing.id]
    assert found("punainen") == found("musta") == found("harmaa") == []


def test_a_delete_after_an_upsert_in_one_batch_wins(app, make, upserts):
    seller = make.builder()
    listing = make.listing(seller, title="Kattotiili punainen", category="roof-tile")
    outbox.run_once()
    assert found("kattotiili") == [listing.id]
    upserts.clear()
    listing_services.listing_update(user_id=seller.id, listing_id=listing.id, title="Kattotiili")
    listing_services.listing_withdraw(user_id=seller.id, listing_id=listing.id)
    outbox.run_once()
    assert upserts == [] and found("kattotiili") == []


def test_a_failing_message_is_retried_alone_and_the_rest_of_its_batch_is_done(
    app, make, monkeypatch
):
    seller = make.builder()
    good = [make.listing(seller, title=f"Kattotiili {n}", category="roof-tile") for n in "ABC"]
    bad = make.listing(seller, title="Kattotiili rikki", category="roof-tile")
    real_document, batches = sync.document, []

    def document(listing):
        if listing.id == bad.id:
            raise RuntimeError("cannot index this one")
        return real_document(listing)

    def spy(messages):
        batches.append([m.payload["listing_id"] for m in messages])
        sync.index_embedded_batch(messages)

    monkeypatch.setattr(sync, "document", document)
    name = outbox.Subscriber(sync.index_embedded).name
    monkeypatch.setitem(outbox.wiring().batches, name, spy)
    outbox.run_once()
    assert len(batches) == 1 and bad.id in batches[0]  # the batch failed…
    assert sorted(found("kattotiili")) == [g.id for g in good]  # …each good one delivered alone
    db.session.rollback()
    row = db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.status == "pending")
    ).one()
    assert (row.payload["listing_id"], row.attempts) == (bad.id, 1)
    assert "cannot index this one" in row.last_error and row.available_at > clock.now()
    assert statuses()["pending"] == 1

    listing_services.listing_update(user_id=seller.id, listing_id=good[0].id, title="Kattotiili D")
    clock.advance(minutes=1)  # the bad message is due again, with a new change of a good one
    outbox.run_once()
    assert bad.id not in [i for batch in batches[1:] for i in batch]  # retried alone
    assert statuses()["pending"] == 1
    monkeypatch.setattr(sync, "document", real_document)  # the cause is fixed
    clock.advance(minutes=1)
    outbox.run_once()
    assert bad.id in found("rikki") and set(statuses()) == {"done"}


def test_a_batch_delivered_twice_after_a_crash_changes_nothing(app, make):
    seller, taker = make.builder(), make.resident()
    listing = make.listing(seller, title="Kattotiili punainen", category="roof-tile")
    svc.reservation_create(user_id=taker.id, listing_id=listing.id, quantity="3")
    svc.reservation_create(user_id=taker.id, listing_id=listing.id, quantity="37")
    outbox.run_once()

    def state():
        db.session.rollback()
        notes = db.session.scalars(sa.select(Notification.user_id, Notification.kind)).all()
        return sorted(notes), found("kattotiili"), service.embedded().count()

    before = state()
    assert before[1] == [] and len(before[0]) == 4  # reserved down to zero; seller and taker
    # The worker died after its handlers ran but before "done" was written: all is due again.
    with write_transaction() as session:
        session.execute(
            sa.update(OutboxMessage).values(status="pending", locked_until=None, attempts=0)
        )
    assert outbox.run_once() == statuses()["done"]
    assert state() == before


def test_an_idle_worker_picks_up_a_new_message_without_waiting_for_the_chores(app, make):
    seller = make.builder()
    outbox.run_once()
    assert not outbox.anything_due()
    listing = make.listing(seller, title="Kattotiili punainen", category="roof-tile")
    assert outbox.anything_due()
    clock.advance(seconds=1)
    outbox.deliver_due("w")
    assert found("kattotiili") == [listing.id] and not outbox.anything_due()


def test_a_message_for_later_is_not_claimed_before_its_time(app):
    subscriber = outbox.Subscriber(lambda message: None)
    wiring = outbox.wiring()
    wiring.topics["test.later"] = (subscriber,)
    wiring.by_name[subscriber.name] = subscriber.handler
    with write_transaction() as session:
        outbox.enqueue(session, "test.later", {}, delay=timedelta(hours=1))
    assert outbox._claim("w", 10) == [] and not outbox.anything_due()
    clock.advance(hours=1)
    assert len(outbox._claim("w", 10)) == 1


def test_the_worker_loop_delivers_a_new_message_at_once_and_runs_its_chores_on_their_own_time(
    app, monkeypatch
):
    delivered, chores, sleeps = [], [], []
    subscriber = outbox.Subscriber(lambda message: delivered.append(message.payload["n"]))
    wiring = outbox.wiring()
    wiring.topics["test.loop"] = (subscriber,)
    wiring.by_name[subscriber.name] = subscriber.handler
    monkeypatch.setattr(wiring, "chores", (lambda: chores.append(1),))

    class Stop(Exception):
        pass

    def sleep(seconds):  # the idle worker's nap: a message arrives during the first one
        sleeps.append(seconds)
        if len(sleeps) == 1:
            with write_transaction() as session:
                outbox.enqueue(session, "test.loop", {"n": 2})
        else:
            raise Stop

    with write_transaction() as session:
        outbox.enqueue(session, "test.loop", {"n": 1})
    monkeypatch.setattr(outbox.time, "sleep", sleep)
    with pytest.raises(Stop):
        outbox.run_forever(poll_seconds=60)
    assert delivered == [1, 2] and chores == [1]  # the chores wait for their 60 s
    assert sleeps == [outbox.IDLE_CHECK_S] * 2
    assert statuses() == Counter({"done": 2})


def test_the_worker_loop_drains_a_backlog_in_full_batches_and_lets_a_trickle_gather(app):
    """run_forever's delivery: full batches follow each other at once; after a short batch
    what arrives next waits for the loop's next look (IDLE_CHECK_S), to be claimed together."""
    delivered = []

    def handle(message):
        delivered.append(message.payload["n"])
        if message.payload["n"] == 4:  # arrives while the last batch is delivered
            with write_transaction() as session:
                outbox.enqueue(session, "test.trickle", {"n": 99})

    subscriber = outbox.Subscriber(handle)
    wiring = outbox.wiring()
    wiring.topics["test.trickle"] = (subscriber,)
    wiring.by_name[subscriber.name] = subscriber.handler
    with write_transaction() as session:
        for n in range(5):
            outbox.enqueue(session, "test.trickle", {"n": n})

    assert outbox.deliver_due("w", batch=2, backlog_only=True) == 5  # 2 + 2 + 1, then a pause
    assert delivered == [0, 1, 2, 3, 4] and outbox.anything_due()
    assert outbox.deliver_due("w", batch=2) == 1  # without backlog_only: until nothing is due
    assert delivered[-1] == 99 and not outbox.anything_due()


def test_the_search_index_messages_are_claimed_before_an_older_backlog(app, make):
    """Also before a backlog whose handler has a batch form (as the e-mail copies have)."""
    seller = make.builder()
    backlog = outbox.Subscriber(lambda message: None, batch=lambda messages: None)
    wiring = outbox.wiring()
    wiring.topics["test.backlog"] = (backlog,)
    wiring.by_name[backlog.name] = backlog.handler
    wiring.batches[backlog.name] = backlog.batch
    with write_transaction() as session:
        for i in range(5):
            outbox.enqueue(session, "test.backlog", {"n": i})
    listing = make.listing(seller, title="Kattotiili punainen", category="roof-tile")
    claimed = outbox._claim_batch("w", 1)
    assert [(name, m.payload.get("listing_id")) for name, m in claimed] == [
        (outbox.Subscriber(sync.index_embedded).name, listing.id)
    ]
