"""Bundles across sellers (queries/bundles.py) and reserving one all or nothing
(services/wanted_reserve.py), on SQLite and PostgreSQL, also under concurrent requests."""

import threading
from decimal import Decimal

import pytest
import sqlalchemy as sa

from marketplace.errors import InsufficientQuantity
from marketplace.extensions import db
from marketplace.models import Listing, Reservation, WantedPost, WantedReservation
from marketplace.queries.bundles import bundles_for
from marketplace.queries.matching import candidates
from marketplace.services import reservations as reservation_services
from marketplace.services import wanted_reserve as svc
from tests.integration.test_concurrency import race
from tests.unit.test_matching import post


def lots(make, *sizes, lat=60.2161):
    """One organisation's site a little north of Kera, with a lot of each size (pcs of brick)."""
    seller = make.builder()
    site = make.site(seller, lat=lat)
    return [make.listing(seller, site_=site, quantity=str(n)) for n in sizes]


def reserved(listing_id) -> Decimal:
    db.session.rollback()  # a new snapshot: the threads committed since
    return db.session.get(Listing, listing_id).quantity_reserved


def test_fewest_sites_first_and_the_quantities_add_up_to_what_is_needed(app, make):
    poster = make.resident()
    (a,) = lots(make, 70, lat=60.2200)
    (b,) = lots(make, 40, lat=60.2300)
    c1, c2 = lots(make, 50, 55, lat=60.2250)
    (d,) = lots(make, 35, lat=60.2170)
    wanted = post(poster, quantity=Decimal(100))
    found = candidates(wanted)
    assert not any(c.covers for c in found)
    bundles = bundles_for(found, Decimal(100))
    assert 1 < len(bundles) <= 5
    sizes = [len(b.site_ids) for b in bundles]
    assert sizes == sorted(sizes) and sizes[0] == 1
    first = bundles[0]
    assert {c.listing_id for c, _ in first.items} == {c1.id, c2.id}
    for bundle in bundles:
        assert sum(q for _, q in bundle.items) == Decimal(100) == bundle.total_quantity
        assert bundle.covers
        # minimal: leaving out any one site leaves the need uncovered
        for site in bundle.site_ids:
            rest = sum(q for c, q in bundle.items if c.site_id != site)
            assert rest < 100
    two_sites = [b for b in bundles if len(b.site_ids) == 2]
    distances = [b.max_distance_km for b in two_sites]
    assert distances == sorted(distances)
    assert {a.id, b.id} in [{c.listing_id for c, _ in x.items} for x in two_sites]
    assert {a.id, d.id} in [{c.listing_id for c, _ in x.items} for x in two_sites]


def test_no_bundle_when_one_lot_covers_and_a_tonne_from_pieces_is_whole_pieces(app, make):
    poster = make.resident()
    seller = make.builder()
    big = make.listing(seller, quantity="200")
    assert bundles_for(candidates(post(poster, quantity=Decimal(100))), Decimal(100)) == []
    db.session.get(Listing, big.id).hidden_reason = "Moderated"
    db.session.commit()
    lots(make, 300, lat=60.2200)  # 3.0 kg a piece: 0.9 t
    lots(make, 300, lat=60.2300)
    (bundle, *_) = bundles_for(candidates(post(poster, unit="t", quantity=Decimal(1))), Decimal(1))
    assert [q for _, q in bundle.items] == [Decimal(300), Decimal(34)]  # 0.9 t + 0.102 t
    assert bundle.total_quantity == Decimal("1.002") and bundle.covers


def test_a_bundle_reserve_takes_every_item_and_covers_the_post(any_db, make):
    poster = make.resident()
    (a,) = lots(make, 60)
    (b,) = lots(make, 60, lat=60.2200)
    wanted = post(poster, quantity=Decimal(100))
    reservations, updated = svc.wanted_reserve(
        user_id=poster.id,
        wanted_id=wanted.id,
        items=[{"listing_id": a.id, "quantity": "60"}, {"listing_id": b.id, "quantity": "40"}],
    )
    assert [r.quantity for r in reservations] == [60, 40]
    assert (updated.quantity_covered, updated.status) == (100, "fulfilled")
    # Cancelling one of them lowers what is covered and opens the post again.
    reservation_services.reservation_cancel(user_id=poster.id, reservation_id=reservations[1].id)
    db.session.rollback()
    again = db.session.get(WantedPost, wanted.id)
    assert (again.quantity_covered, again.status) == (60, "open")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(WantedReservation)) == 1


def test_the_last_item_failing_under_a_concurrent_reservation_reserves_nothing(any_db, make):
    poster, rival = make.resident(), make.resident()
    (a,) = lots(make, 50)
    (b,) = lots(make, 50, lat=60.2200)
    (c,) = lots(make, 10, lat=60.2250)
    wanted = post(poster, quantity=Decimal(110))
    app = any_db
    parse = svc._parsed

    def parse_while_a_rival_reserves(items, message):
        # The rival's request runs to its end while ours is under way, before our locks.
        def rival_reserves():
            with app.app_context():
                reservation_services.reservation_create(
                    user_id=rival.id, listing_id=c.id, quantity=5
                )

        thread = threading.Thread(target=rival_reserves)
        thread.start()
        thread.join(20)
        return parse(items, message)

    items = [
        {"listing_id": a.id, "quantity": "50"},
        {"listing_id": b.id, "quantity": "50"},
        {"listing_id": c.id, "quantity": "10"},
    ]
    svc._parsed = parse_while_a_rival_reserves
    try:
        with pytest.raises(svc.BundleItemFailed) as failed:
            svc.wanted_reserve(user_id=poster.id, wanted_id=wanted.id, items=items)
    finally:
        svc._parsed = parse
    assert failed.value.code == "insufficient_quantity"
    assert failed.value.status == 409 and list(failed.value.fields) == ["items[2]"]
    assert (reserved(a.id), reserved(b.id), reserved(c.id)) == (0, 0, 5)
    assert db.session.get(WantedPost, wanted.id).quantity_covered == 0
    assert (
        db.session.scalar(sa.select(sa.func.count()).where(Reservation.user_id == poster.id)) == 0
    )


def test_bundle_reserves_racing_for_the_same_lots_never_over_reserve(any_db, make):
    (a,) = lots(make, 100)
    (b,) = lots(make, 100, lat=60.2200)
    posters = [make.resident() for _ in range(6)]
    posts = [post(p, quantity=Decimal(80)).id for p in posters]
    # Half take a first, half b first: locks are taken in id order, so no deadlock either.
    orders = [(a.id, b.id), (b.id, a.id)]

    def action(i):
        first, second = orders[i % 2]
        svc.wanted_reserve(
            user_id=posters[i].id,
            wanted_id=posts[i],
            items=[
                {"listing_id": first, "quantity": "40"},
                {"listing_id": second, "quantity": "40"},
            ],
        )

    outcomes = race(any_db, 6, action)
    assert outcomes.count("ok") == 2, outcomes
    assert outcomes.count("BundleItemFailed") == 4, outcomes
    assert (reserved(a.id), reserved(b.id)) == (80, 80)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Reservation)) == 4
    covered = db.session.scalars(sa.select(WantedPost.quantity_covered)).all()
    assert sorted(covered) == [0, 0, 0, 0, 80, 80]


def test_an_item_fails_with_its_own_error_code_and_nothing_is_held(app, make):
    poster = make.resident()
    (a,) = lots(make, 60)
    (b,) = lots(make, 60, lat=60.2200)
    wanted = post(poster, quantity=Decimal(100))
    with pytest.raises(svc.BundleItemFailed) as failed:
        svc.wanted_reserve(
            user_id=poster.id,
            wanted_id=wanted.id,
            items=[{"listing_id": a.id, "quantity": "50"}, {"listing_id": b.id, "quantity": "61"}],
        )
    assert isinstance(failed.value.__cause__, InsufficientQuantity)
    assert failed.value.code == "insufficient_quantity" and "items[1]" in failed.value.fields
    assert (reserved(a.id), reserved(b.id)) == (0, 0)


def test_each_item_has_its_own_pickup_slot_at_its_own_site(app, make):
    from marketplace.services import pickups

    poster = make.resident()
    (a,) = lots(make, 70)
    (b,) = lots(make, 60, lat=60.2200)
    wanted = post(poster, quantity=Decimal(100))
    slot_a = pickups.free_slots(db.session.get(Listing, a.id))[0].start
    slot_b = pickups.free_slots(db.session.get(Listing, b.id))[1].start
    reservations, _ = svc.wanted_reserve(
        user_id=poster.id,
        wanted_id=wanted.id,
        items=[
            {"listing_id": a.id, "quantity": "60", "pickup_at": slot_a},
            {"listing_id": b.id, "quantity": "40", "pickup_at": slot_b},
        ],
    )
    assert [r.pickup_at for r in reservations] == [slot_a, slot_b]
    # A time outside the second site's opening hours refuses the bundle, naming that item.
    wanted2 = post(poster, quantity=Decimal(20))
    night = slot_b.replace(hour=1)
    with pytest.raises(svc.BundleItemFailed) as failed:
        svc.wanted_reserve(
            user_id=poster.id,
            wanted_id=wanted2.id,
            items=[
                {"listing_id": a.id, "quantity": "10", "pickup_at": slot_a},
                {"listing_id": b.id, "quantity": "10", "pickup_at": night},
            ],
        )
    assert list(failed.value.fields) == ["items[1]"] and failed.value.status == 409
    assert (reserved(a.id), reserved(b.id)) == (60, 40)
