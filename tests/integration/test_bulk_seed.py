"""`flask seed bulk` (issue 16 point 5): a small run keeps every invariant the services keep,
the same checks as the reservation state machine's `books_balance` (tests/unit/
test_reservation_state_machine.py) and the findable rule's SQL/Python agreement (tests/unit/
test_findable.py), on SQLite and PostgreSQL; a second run is refused; the command's arguments."""

import math
from collections import Counter
from decimal import Decimal

import pytest
import sqlalchemy as sa

from marketplace import bulk_seed, clock
from marketplace.extensions import db
from marketplace.models import (
    OPEN,
    Handover,
    Listing,
    ListingEvent,
    Organization,
    OutboxMessage,
    Reservation,
    Site,
    User,
)
from marketplace.search import sync
from tests import factories

N = 500
KERA = (60.2161, 24.7539)


def _distance_km(lat, lng) -> float:
    p1, p2 = math.radians(KERA[0]), math.radians(lat)
    dp, dl = p2 - p1, math.radians(lng - KERA[1])
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(a))


def _all(model):
    return list(db.session.scalars(sa.select(model)))


def test_bulk_seed_keeps_the_books(any_db):
    report = bulk_seed.bulk_seed(N, seed=7)
    db.session.expire_all()
    listings, reservations = _all(Listing), _all(Reservation)
    handovers, events = _all(Handover), _all(ListingEvent)
    today = clock.today()

    # Counts as asked, and as reported.
    assert len(listings) == report["listings"] == N
    assert len(reservations) == report["reservations"] > 0
    assert len(handovers) == report["handovers"] > 0
    organizations = _all(Organization)
    assert len(organizations) == report["organizations"]
    builders = db.session.scalar(sa.select(sa.func.count()).where(User.role == "builder"))
    assert builders == len(organizations)
    sites = _all(Site)
    assert len(sites) == report["sites"] <= 240
    assert all(_distance_km(s.lat, s.lng) <= 2.05 for s in sites)

    # books_balance, for every listing.
    by_listing = {listing.id: [] for listing in listings}
    for r in reservations:
        by_listing[r.listing_id].append(r)
    ledger = {listing.id: [] for listing in listings}
    for h in handovers:
        ledger[h.listing_id].append(h)
    for listing in listings:
        mine = by_listing[listing.id]
        open_sum = sum((r.quantity for r in mine if r.status == "confirmed"), Decimal(0))
        rows = ledger[listing.id]
        assert 0 <= listing.quantity_available <= listing.quantity
        assert listing.quantity_reserved == open_sum
        assert listing.quantity_collected == sum((h.quantity for h in rows), Decimal(0))
        assert listing.quantity_reserved + listing.quantity_collected <= listing.quantity
        assert len(rows) == sum(r.status == "collected" for r in mine)
        for h in rows:
            expected = h.mass_kg * (h.factor_kg_co2e_per_kg or 0)
            assert abs(h.co2e_avoided_kg - expected) <= Decimal("0.0005")
            assert h.created_at <= clock.now()
        if listing.status == "available":
            assert listing.quantity_available > 0
        if listing.status == "reserved":
            assert listing.quantity_available == 0
        status = listing.status
        listing.refresh_status()
        assert listing.status == status  # the status is what the counters derive

    # Every status the product has, each in a plausible share.
    statuses = Counter(listing.status.value for listing in listings)
    expected = {"available", "reserved", "collected", "expired", "withdrawn", "pending_review"}
    assert set(statuses) == expected
    assert statuses["available"] > N * 0.6
    assert {r.status.value for r in reservations} == {"confirmed", "collected", "cancelled"}

    # The services' other rules: the open-reservation limit, pickup slots, still-installed lots.
    held = Counter(r.user_id for r in reservations if r.status in OPEN)
    assert max(held.values()) <= any_db.config["MAX_OPEN_RESERVATIONS"]
    slots = Counter(
        (r.listing.site_id, r.pickup_at) for r in reservations if r.pickup_at and r.status in OPEN
    )
    assert slots and max(slots.values()) <= any_db.config["PICKUPS_PER_SLOT"]
    for r in reservations:
        if r.status in OPEN and r.listing.is_still_installed(today):
            assert r.pickup_at is not None
            assert clock.local_date(r.pickup_at) >= r.listing.available_from

    # The event log as the services write it.
    kinds = Counter((e.listing_id, e.kind) for e in events)
    assert all(kinds[(listing.id, "listing.created")] == 1 for listing in listings)
    assert sum(k == "reservation.created" for (_i, k) in kinds.elements()) == len(reservations)
    collected = sum(r.status == "collected" for r in reservations)
    assert sum(k == "reservation.collected" for (_i, k) in kinds.elements()) == collected

    # Findable in SQL and in Python alike; no outbox flood; the index holds what is findable.
    in_sql = set(db.session.scalars(sa.select(Listing.id).where(Listing.findable_clause(today))))
    assert in_sql == {listing.id for listing in listings if listing.is_findable(today)}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0
    status = sync.status()
    assert len(set(status.values())) == 1 and status["database"] == len(in_sql)

    # The app's own inserts continue after the given ids (PostgreSQL's sequences were moved).
    builder = factories.builder()
    assert factories.listing(builder).id == N + 1


def test_a_second_run_is_refused_and_changes_nothing(app):
    bulk_seed.bulk_seed(50, seed=3)
    before = db.session.scalar(sa.select(sa.func.count()).select_from(Listing))
    with pytest.raises(bulk_seed.BulkSeedRefused, match="fills an empty database only"):
        bulk_seed.bulk_seed(50, seed=3)
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Listing)) == before == 50


def test_the_same_seed_gives_the_same_listings(tmp_path):
    from tests.conftest import running_app

    titles = []
    for name in ("a", "b"):
        with running_app(tmp_path / name):
            bulk_seed.bulk_seed(40, seed=11)
            titles.append(list(db.session.scalars(sa.select(Listing.title).order_by(Listing.id))))
    assert titles[0] == titles[1] and len(titles[0]) == 40


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("0", "between 1 and 2,000,000"),
        ("-5", "between 1 and 2,000,000"),
        ("100000000", "between 1 and 2,000,000"),
        ("many", "is not a valid integer"),
    ],
)
def test_the_command_refuses_a_bad_size(runner, value, message):
    result = runner.invoke(args=["seed", "bulk", "--listings", value])
    assert result.exit_code != 0
    assert message in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_the_command_seeds_then_refuses_a_database_with_data(runner):
    first = runner.invoke(args=["seed", "bulk", "--listings", "30", "--seed", "5"])
    assert first.exit_code == 0, first.output
    assert "bulk data: 30 listings" in first.output
    again = runner.invoke(args=["seed", "bulk", "--listings", "30"])
    assert again.exit_code == 1
    assert "already has" in again.output and "fills an empty database only" in again.output
