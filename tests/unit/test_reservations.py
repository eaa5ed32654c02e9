"""Reservation rules: partial lots, limits, pickup slots, lifecycle, handover records."""

from datetime import timedelta
from decimal import Decimal

import pytest

from marketplace import clock
from marketplace.errors import (
    Forbidden,
    InsufficientQuantity,
    InvalidTransition,
    LimitReached,
    ListingNotAvailable,
    NotFound,
    ValidationFailed,
)
from marketplace.extensions import db
from marketplace.models import TRANSITIONS, Handover, Listing, ListingEvent, Reservation
from marketplace.services import chores, pickups
from marketplace.services import listings as listing_services
from marketplace.services import reservations as svc

from ..conftest import NOON


@pytest.fixture
def lot(app, make):
    """A 40 m2 lot of roof tiles at a site open Mon–Fri 07–16, and a resident who wants some."""
    seller = make.builder()
    listing = make.listing(
        seller, title="Kattotiili", category="roof-tile", quantity="40", unit="m2"
    )
    return seller, listing, make.resident()


def slot(days=1, hour=9):
    """A pickup slot start: `days` after the frozen Monday, at `hour` Helsinki time (UTC+2)."""
    return NOON.replace(hour=hour - 2, minute=0) + timedelta(days=days)


def fresh(listing):
    db.session.expire_all()
    return db.session.get(Listing, listing.id)


def test_reserving_part_of_a_lot_leaves_the_rest_available(lot):
    seller, listing, taker = lot
    reservation = svc.reservation_create(
        user_id=taker.id, listing_id=listing.id, quantity="12.5", pickup_at=slot()
    )
    assert reservation.status == "confirmed" and len(reservation.code) == 6
    listing = fresh(listing)
    assert listing.quantity_available == Decimal("27.5")
    assert listing.status == "available"


def test_reserving_everything_marks_the_listing_reserved_and_cancel_restores_it(lot):
    seller, listing, taker = lot
    reservation = svc.reservation_create(
        user_id=taker.id, listing_id=listing.id, quantity="40", pickup_at=slot()
    )
    assert fresh(listing).status == "reserved"
    svc.reservation_cancel(user_id=taker.id, reservation_id=reservation.id, reason="plans changed")
    listing = fresh(listing)
    assert (listing.status, listing.quantity_available) == ("available", Decimal("40"))


def test_more_than_is_left_is_refused_and_says_what_is_left(lot):
    seller, listing, taker = lot
    svc.reservation_create(user_id=taker.id, listing_id=listing.id, quantity="36", pickup_at=slot())
    with pytest.raises(InsufficientQuantity) as error:
        svc.reservation_create(
            user_id=taker.id, listing_id=listing.id, quantity="5", pickup_at=slot(hour=10)
        )
    assert "4" in str(error.value.message) and error.value.details["available"] == 4


@pytest.mark.parametrize("quantity", ["0", "-1", "1.2345", "abc", "1e12"])
def test_bad_quantities_are_field_errors(lot, quantity):
    seller, listing, taker = lot
    with pytest.raises(ValidationFailed) as error:
        svc.reservation_create(
            user_id=taker.id, listing_id=listing.id, quantity=quantity, pickup_at=slot()
        )
    assert "quantity" in error.value.fields


def test_builders_cannot_reserve_their_own_organisations_material(lot, make):
    seller, listing, _taker = lot
    colleague = make.builder(org=seller.organization)
    for user in (seller, colleague):
        with pytest.raises(Forbidden):
            svc.reservation_create(
                user_id=user.id, listing_id=listing.id, quantity="1", pickup_at=slot()
            )


def test_a_withdrawn_listing_cannot_be_reserved(lot):
    seller, listing, taker = lot
    listing_services.listing_withdraw(user_id=seller.id, listing_id=listing.id)
    with pytest.raises(ListingNotAvailable):
        svc.reservation_create(
            user_id=taker.id, listing_id=listing.id, quantity="1", pickup_at=slot()
        )


def test_open_reservations_per_person_are_limited(app, lot, make):
    seller, listing, taker = lot
    for hour in range(7, 7 + app.config["MAX_OPEN_RESERVATIONS"]):
        svc.reservation_create(
            user_id=taker.id, listing_id=listing.id, quantity="1", pickup_at=slot(hour=hour)
        )
    with pytest.raises(LimitReached):
        svc.reservation_create(
            user_id=taker.id, listing_id=listing.id, quantity="1", pickup_at=slot(hour=13)
        )


def test_pickup_must_be_inside_the_window_and_the_opening_hours(lot):
    seller, listing, taker = lot
    for bad in (
        slot(hour=6),
        slot(hour=16),
        slot(days=5),
        slot(days=40),
        NOON - timedelta(hours=1),
        slot().replace(minute=10),
    ):
        with pytest.raises(ValidationFailed) as error:
            svc.reservation_create(
                user_id=taker.id, listing_id=listing.id, quantity="1", pickup_at=bad
            )
        assert "pickup_at" in error.value.fields


def test_a_full_pickup_slot_is_refused(app, lot, make):
    seller, listing, taker = lot
    for _ in range(app.config["PICKUPS_PER_SLOT"]):
        svc.reservation_create(
            user_id=make.resident().id, listing_id=listing.id, quantity="1", pickup_at=slot()
        )
    with pytest.raises(pickups.SlotFull):
        svc.reservation_create(
            user_id=taker.id, listing_id=listing.id, quantity="1", pickup_at=slot()
        )
    assert slot() not in [s.start for s in pickups.free_slots(fresh(listing))]


def test_free_slots_follow_opening_hours_and_skip_the_weekend(lot):
    seller, listing, taker = lot
    slots = pickups.free_slots(listing, days=7)
    local = [s.local for s in slots]
    assert all(7 <= t.hour < 16 and t.weekday() < 5 for t in local)
    assert min(s.start for s in slots) > clock.now()
    assert len({t.date() for t in local}) == 5  # Mon (rest of today) to Fri


def test_collecting_less_returns_the_rest_and_writes_one_handover(lot):
    seller, listing, taker = lot
    reservation = svc.reservation_create(
        user_id=taker.id, listing_id=listing.id, quantity="12", pickup_at=slot()
    )
    _r, handover = svc.reservation_collect(
        user_id=seller.id, reservation_id=reservation.id, quantity="10", code=reservation.code
    )
    listing = fresh(listing)
    assert (listing.quantity_collected, listing.quantity_reserved, listing.quantity_available) == (
        10,
        0,
        30,
    )
    assert handover.quantity == 10 and handover.mass_source == "estimated"
    assert handover.mass_kg == Decimal("400.000")  # 10 m2 × 40 kg/m2 from the catalogue
    assert handover.ewc_code == listing.category.ewc_code
    assert handover.co2e_avoided_kg == (handover.mass_kg * handover.factor_kg_co2e_per_kg).quantize(
        Decimal("0.001")
    )
    assert handover.factor_set_id and handover.factor_source


def test_a_weighed_mass_is_recorded_as_measured(lot):
    seller, listing, taker = lot
    reservation = svc.reservation_create(
        user_id=taker.id, listing_id=listing.id, quantity="40", pickup_at=slot()
    )
    _r, handover = svc.reservation_collect(
        user_id=seller.id, reservation_id=reservation.id, weighed_kg="1234.5"
    )
    assert (handover.mass_kg, handover.mass_source) == (Decimal("1234.5"), "measured")
    assert fresh(listing).status == "collected"


def test_a_wrong_pickup_code_is_refused(lot):
    seller, listing, taker = lot
    reservation = svc.reservation_create(
        user_id=taker.id, listing_id=listing.id, quantity="2", pickup_at=slot()
    )
    with pytest.raises(ValidationFailed) as error:
        svc.reservation_collect(user_id=seller.id, reservation_id=reservation.id, code="ZZZZZZ")
    assert "code" in error.value.fields


def test_collecting_more_than_reserved_is_refused(lot):
    seller, listing, taker = lot
    reservation = svc.reservation_create(
        user_id=taker.id, listing_id=listing.id, quantity="2", pickup_at=slot()
    )
    with pytest.raises(ValidationFailed):
        svc.reservation_collect(user_id=seller.id, reservation_id=reservation.id, quantity="3")


def test_only_the_listing_organisation_collects_or_marks_no_show(lot, make):
    seller, listing, taker = lot
    reservation = svc.reservation_create(
        user_id=taker.id, listing_id=listing.id, quantity="2", pickup_at=slot()
    )
    for outsider in (make.builder(), taker):
        with pytest.raises(NotFound):
            svc.reservation_collect(user_id=outsider.id, reservation_id=reservation.id)
        with pytest.raises(NotFound):
            svc.reservation_no_show(user_id=outsider.id, reservation_id=reservation.id)


def test_another_resident_cannot_cancel(lot, make):
    seller, listing, taker = lot
    reservation = svc.reservation_create(
        user_id=taker.id, listing_id=listing.id, quantity="2", pickup_at=slot()
    )
    with pytest.raises(NotFound):
        svc.reservation_cancel(user_id=make.resident().id, reservation_id=reservation.id)


def test_no_show_only_after_the_pickup_time_and_it_returns_the_quantity(lot):
    seller, listing, taker = lot
    reservation = svc.reservation_create(
        user_id=taker.id, listing_id=listing.id, quantity="5", pickup_at=slot()
    )
    with pytest.raises(InvalidTransition):
        svc.reservation_no_show(user_id=seller.id, reservation_id=reservation.id)
    clock.set(slot() + timedelta(minutes=5))
    svc.reservation_no_show(user_id=seller.id, reservation_id=reservation.id)
    assert fresh(listing).quantity_available == 40


CLOSED = ["collected", "cancelled", "expired", "no_show"]


@pytest.mark.parametrize("closed", CLOSED)
@pytest.mark.parametrize("action", ["cancel", "collect", "no_show"])
def test_closed_reservations_allow_no_transition(lot, closed, action):
    seller, listing, taker = lot
    reservation = svc.reservation_create(
        user_id=taker.id, listing_id=listing.id, quantity="2", pickup_at=slot()
    )
    clock.set(slot() + timedelta(minutes=1))
    if closed == "collected":
        svc.reservation_collect(user_id=seller.id, reservation_id=reservation.id)
    elif closed == "cancelled":
        svc.reservation_cancel(user_id=taker.id, reservation_id=reservation.id)
    elif closed == "no_show":
        svc.reservation_no_show(user_id=seller.id, reservation_id=reservation.id)
    else:
        clock.set(reservation.expires_at + timedelta(minutes=1))
        assert chores.expire_overdue() == 1
    assert TRANSITIONS[db.session.get(Reservation, reservation.id).status] == set()
    with pytest.raises(InvalidTransition):
        if action == "cancel":
            svc.reservation_cancel(user_id=taker.id, reservation_id=reservation.id)
        elif action == "collect":
            svc.reservation_collect(user_id=seller.id, reservation_id=reservation.id)
        else:
            svc.reservation_no_show(user_id=seller.id, reservation_id=reservation.id)


def test_expiry_returns_the_quantity_after_pickup_time_plus_grace(app, lot):
    seller, listing, taker = lot
    reservation = svc.reservation_create(
        user_id=taker.id, listing_id=listing.id, quantity="7", pickup_at=slot()
    )
    grace = timedelta(minutes=app.config["PICKUP_GRACE_MINUTES"])
    clock.set(slot() + grace - timedelta(minutes=1))
    assert chores.expire_overdue() == 0
    clock.set(slot() + grace + timedelta(minutes=1))
    assert chores.expire_overdue() == 1
    assert db.session.get(Reservation, reservation.id).status == "expired"
    assert fresh(listing).quantity_available == 40


def test_listings_past_their_window_expire(lot):
    seller, listing, taker = lot
    clock.set(NOON + timedelta(days=31))
    assert chores.expire_listings() == 1
    assert fresh(listing).status == "expired"


def test_a_reminder_is_queued_once_the_day_before_pickup(lot):
    seller, listing, taker = lot
    reservation = svc.reservation_create(
        user_id=taker.id, listing_id=listing.id, quantity="1", pickup_at=slot(days=2)
    )
    assert chores.send_reminders() == 0  # pickup is the day after tomorrow
    clock.set(NOON + timedelta(days=1))
    assert chores.send_reminders() == 1
    assert chores.send_reminders() == 0  # once only
    assert db.session.get(Reservation, reservation.id).reminder_sent_at is not None


def test_withdrawing_cancels_open_reservations(lot):
    seller, listing, taker = lot
    reservation = svc.reservation_create(
        user_id=taker.id, listing_id=listing.id, quantity="3", pickup_at=slot()
    )
    listing_services.listing_withdraw(
        user_id=seller.id, listing_id=listing.id, reason="sold to the neighbour"
    )
    db.session.expire_all()
    assert db.session.get(Reservation, reservation.id).status == "cancelled"
    assert fresh(listing).quantity_reserved == 0


def test_every_change_is_in_the_event_log(lot):
    seller, listing, taker = lot
    reservation = svc.reservation_create(
        user_id=taker.id, listing_id=listing.id, quantity="3", pickup_at=slot()
    )
    svc.reservation_collect(user_id=seller.id, reservation_id=reservation.id)
    kinds = [
        e.kind
        for e in db.session.query(ListingEvent)
        .filter_by(listing_id=listing.id)
        .order_by(ListingEvent.id)
    ]
    assert kinds == ["listing.created", "reservation.created", "reservation.collected"]


def test_the_quantity_cannot_be_edited_below_what_is_committed(lot):
    seller, listing, taker = lot
    svc.reservation_create(user_id=taker.id, listing_id=listing.id, quantity="30", pickup_at=slot())
    with pytest.raises(InvalidTransition):
        listing_services.listing_update(user_id=seller.id, listing_id=listing.id, quantity="20")
    listing_services.listing_update(user_id=seller.id, listing_id=listing.id, quantity="30")
    assert fresh(listing).status == "reserved"


def test_handover_rows_cannot_be_changed_and_corrections_reverse_and_replace(lot):
    from marketplace.models import LedgerIsAppendOnly
    from marketplace.services import impact

    seller, listing, taker = lot
    reservation = svc.reservation_create(
        user_id=taker.id, listing_id=listing.id, quantity="10", pickup_at=slot()
    )
    _r, original = svc.reservation_collect(user_id=seller.id, reservation_id=reservation.id)
    row = db.session.get(Handover, original.id)
    row.mass_kg = Decimal(1)
    with pytest.raises(LedgerIsAppendOnly):
        db.session.flush()
    db.session.rollback()
    correction = impact.handover_correct(
        user_id=seller.id,
        handover_id=original.id,
        mass_kg="380",
        weighed=True,
        reason="weighed at the gate",
    )
    rows = db.session.query(Handover).order_by(Handover.id).all()
    assert [r.kind for r in rows] == ["handover", "reversal", "correction"]
    assert sum(r.mass_kg for r in rows) == Decimal("380")
    assert correction.mass_source == "measured"
    # A second correction reverses the first one (the row that counts now), not the original.
    again = impact.handover_correct(
        user_id=seller.id, handover_id=original.id, mass_kg="1", reason="again"
    )
    rows = db.session.query(Handover).order_by(Handover.id).all()
    assert [(r.kind, r.corrects_id) for r in rows[3:]] == [
        ("reversal", correction.id),
        ("correction", correction.id),
    ]
    assert sum(r.mass_kg for r in rows) == Decimal("1") and again.mass_source == "declared"
