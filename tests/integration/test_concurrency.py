"""No quantity is ever over-reserved under concurrent requests, on SQLite and PostgreSQL.

Each thread has its own app context, so its own session and connection; a barrier releases
them together. The naive read-then-write version is run through the same harness to show the
harness catches over-reservation (the test would fail on such an implementation).
"""

import threading
import time
from decimal import Decimal

import sqlalchemy as sa

from marketplace.errors import InsufficientQuantity
from marketplace.extensions import db
from marketplace.models import Handover, Listing, Reservation, ReservationStatus
from marketplace.services import reservations as svc


def race(app, count, action):
    """Run action(i) in `count` threads started together; return each outcome's name."""
    barrier = threading.Barrier(count)
    outcomes = [None] * count

    def worker(i):
        with app.app_context():
            barrier.wait()
            try:
                action(i)
                outcomes[i] = "ok"
            except Exception as exc:  # noqa: BLE001 - the outcome is what we count
                outcomes[i] = type(exc).__name__
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return outcomes


def state(listing_id):
    db.session.rollback()  # end the test's own read snapshot: the threads committed since
    listing = db.session.get(Listing, listing_id)
    open_sum = db.session.scalar(
        sa.select(
            sa.func.coalesce(sa.func.sum(sa.type_coerce(Reservation.quantity, sa.BigInteger)), 0)
        ).where(
            Reservation.listing_id == listing_id,
            Reservation.status.in_(("confirmed", "pending_payment")),
        )
    )
    handed = db.session.scalar(
        sa.select(
            sa.func.coalesce(sa.func.sum(sa.type_coerce(Handover.quantity, sa.BigInteger)), 0)
        ).where(Handover.listing_id == listing_id)
    )
    return listing, Decimal(open_sum) / 1000, Decimal(handed) / 1000


def test_fifty_takers_race_for_twenty_units(any_db, make):
    seller = make.builder()
    listing = make.listing(seller, quantity="20", unit="pcs")
    takers = [make.resident().id for _ in range(50)]
    listing_id = listing.id  # threads use ids: the test's objects belong to its own session
    outcomes = race(
        any_db,
        50,
        lambda i: svc.reservation_create(user_id=takers[i], listing_id=listing_id, quantity=1),
    )
    assert outcomes.count("ok") == 20, outcomes
    assert outcomes.count("InsufficientQuantity") == 30, outcomes
    listing, open_sum, _handed = state(listing_id)
    assert (listing.quantity_available, listing.quantity_reserved, open_sum) == (0, 20, 20)
    assert listing.status == "reserved"


def test_reserve_cancel_and_collect_racing_keep_the_books_balanced(any_db, make):
    seller = make.builder()
    listing = make.listing(seller, quantity="30", unit="pcs")
    takers = [make.resident().id for _ in range(30)]
    existing = [
        svc.reservation_create(user_id=takers[i], listing_id=listing.id, quantity=1).id
        for i in range(10)
    ]
    seller_id, listing_id = seller.id, listing.id  # threads use ids, not the test's objects

    def action(i):
        if i < 5:
            svc.reservation_cancel(user_id=takers[i], reservation_id=existing[i], reason="race")
        elif i < 10:
            svc.reservation_collect(
                user_id=seller_id, reservation_id=existing[i], quantity=Decimal("0.5")
            )
        else:
            svc.reservation_create(user_id=takers[i], listing_id=listing_id, quantity=2)

    outcomes = race(any_db, 30, action)
    assert set(outcomes) <= {"ok", "InsufficientQuantity"}, outcomes
    listing, open_sum, handed = state(listing_id)
    assert listing.quantity_reserved == open_sum
    assert listing.quantity_collected == handed == Decimal("2.5")
    assert 0 <= listing.quantity_available <= listing.quantity
    assert (
        listing.quantity
        == listing.quantity_available + listing.quantity_reserved + listing.quantity_collected
    )
    # 20 free at the start, and 5 cancelled + 2.5 returned by partial collections = 27.5 in all,
    # for 20 racers wanting 2 each: 10 always win; up to 13 when the returns land early enough.
    won = outcomes[10:].count("ok")
    assert 10 <= won <= 13, outcomes
    assert listing.quantity_available == Decimal("27.5") - 2 * won


def naive_reserve(user_id, listing_id):
    """Read, think, write: what the services must not do."""
    listing = db.session.get(Listing, listing_id)
    if listing.quantity_available < 1:
        raise InsufficientQuantity()
    time.sleep(0.01)
    listing.quantity_reserved += 1
    db.session.add(
        Reservation(
            listing_id=listing_id,
            user_id=user_id,
            quantity=1,
            code="NAIVE1",
            status=ReservationStatus.CONFIRMED,
            expires_at=listing.created_at,
        )
    )
    db.session.commit()


def test_the_harness_catches_a_naive_implementation(any_db, make):
    seller = make.builder()
    listing = make.listing(seller, quantity="20", unit="pcs")
    takers = [make.resident().id for _ in range(50)]
    listing_id = listing.id  # threads use ids, not the test's objects
    outcomes = race(any_db, 50, lambda i: naive_reserve(takers[i], listing_id))
    listing, open_sum, _ = state(listing_id)
    balanced = outcomes.count("ok") == 20 and listing.quantity_reserved == open_sum == 20
    assert not balanced, "the naive version passed: the harness would not catch over-reservation"


def test_one_reservation_cancelled_and_collected_at_once_changes_the_books_once(any_db, make):
    seller = make.builder()
    listing = make.listing(seller, quantity="10", unit="pcs")
    taker = make.resident()
    others = [make.resident().id for _ in range(3)]
    for user_id in others:  # keep other open reservations on the listing
        svc.reservation_create(user_id=user_id, listing_id=listing.id, quantity=2)
    target = svc.reservation_create(user_id=taker.id, listing_id=listing.id, quantity=2).id
    taker_id, seller_id = taker.id, seller.id  # threads use ids, not the test's objects

    def action(i):
        if i % 2:
            svc.reservation_cancel(user_id=taker_id, reservation_id=target, reason="race")
        else:
            svc.reservation_collect(user_id=seller_id, reservation_id=target)

    outcomes = race(any_db, 10, action)
    assert outcomes.count("ok") == 1, outcomes
    assert set(outcomes) == {"ok", "InvalidTransition"}, outcomes
    listing, open_sum, handed = state(listing.id)
    assert listing.quantity_reserved == open_sum == 6
    assert listing.quantity_collected == handed
    assert listing.quantity_available == 10 - 6 - handed
