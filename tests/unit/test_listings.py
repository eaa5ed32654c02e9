"""services.listings: creating and editing listings, their masses, windows and the event log."""

from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from marketplace import clock
from marketplace.errors import Forbidden, HazardousMaterial, NotFound, ValidationFailed
from marketplace.extensions import db
from marketplace.models import Listing, ListingEvent, OutboxMessage
from marketplace.services import listings, reservations
from tests import factories


@pytest.fixture
def builder(app):
    return factories.builder()


@pytest.fixture
def site(builder):
    return factories.site(builder)


def _values(site, **overrides):
    values = {
        "title": "Punatiili MRT75",
        "description": "Lavoilla",
        "category": "brick",
        "quantity": "40",
        "unit": "pcs",
        "condition": "good",
        "site_id": site.id,
    }
    values.update(overrides)
    return values


def _create(builder, site, hazard_free=True, **overrides):
    return listings.listing_create(
        user_id=builder.id, hazard_free=hazard_free, **_values(site, **overrides)
    )


def _listing_count():
    return db.session.scalar(sa.select(sa.func.count()).select_from(Listing))


# --- create: masses ----------------------------------------------------------------------------


def test_create_takes_the_typical_mass_from_the_catalogue(builder, site):
    listing = _create(builder, site)
    assert (listing.mass_source, listing.kg_per_unit) == ("estimated", Decimal("3"))
    assert listing.total_kg == Decimal("120")


def test_create_uses_the_catalogue_mass_of_the_chosen_unit(builder, site):
    listing = _create(builder, site, unit="m2", quantity="12.5")
    assert (listing.mass_source, listing.kg_per_unit) == ("estimated", Decimal("194"))


def test_create_with_a_declared_mass_keeps_it(builder, site):
    listing = _create(builder, site, kg_per_unit="2.75")
    assert (listing.mass_source, listing.kg_per_unit) == ("declared", Decimal("2.75"))


@pytest.mark.parametrize("unit, kg", [("kg", Decimal(1)), ("t", Decimal(1000))])
def test_mass_units_are_declared_with_their_exact_factor(builder, site, unit, kg):
    listing = _create(builder, site, unit=unit, quantity="3.5", kg_per_unit="7")
    assert (listing.mass_source, listing.kg_per_unit) == ("declared", kg)


def test_unit_without_a_typical_mass_needs_a_declared_one(builder, site):
    with pytest.raises(ValidationFailed) as caught:
        _create(builder, site, unit="m3")
    assert "kg_per_unit" in caught.value.fields


# --- create: what cannot be listed -------------------------------------------------------------


@pytest.mark.parametrize("category", ["asbestos", "mixed", "pcb-glazing", "impregnated-wood"])
def test_non_listable_category_raises_hazardous_material(builder, site, category):
    with pytest.raises(HazardousMaterial) as caught:
        _create(builder, site, category=category, unit="kg")
    assert caught.value.code == "hazardous_material" and "category" in caught.value.fields
    assert _listing_count() == 0


def test_site_of_another_organisation_is_a_site_id_error(builder):
    stranger_site = factories.site(factories.builder())
    with pytest.raises(ValidationFailed) as caught:
        _create(builder, stranger_site)
    assert "site_id" in caught.value.fields
    assert _listing_count() == 0


def test_resident_cannot_list_material(app):
    resident = factories.resident()
    site = factories.site(factories.builder())
    with pytest.raises(Forbidden):
        _create(resident, site)


def test_missing_hazard_declaration_is_a_field_error(builder, site):
    with pytest.raises(ValidationFailed) as caught:
        _create(builder, site, hazard_free=False)
    assert "hazard_free" in caught.value.fields
    assert _listing_count() == 0


def test_unknown_category_is_a_field_error(builder, site):
    with pytest.raises(ValidationFailed) as caught:
        _create(builder, site, category="unobtainium")
    assert "category" in caught.value.fields


@pytest.mark.parametrize("quantity", ["0", "-5", "1.2345", 10**12, "abc", "", "NaN", "Infinity"])
def test_bad_quantity_is_a_quantity_field_error(builder, site, quantity):
    with pytest.raises(ValidationFailed) as caught:
        _create(builder, site, quantity=quantity)
    assert "quantity" in caught.value.fields
    assert _listing_count() == 0


@pytest.mark.parametrize(
    # 10^6 bricks (3,000 t): a larger lot exceeds the 5,000 t a listing may hold (issue 9)
    "quantity, stored",
    [("0.001", "0.001"), ("37,5", "37.5"), (1_000_000, "1000000")],
)
def test_quantities_with_three_decimals_or_a_decimal_comma_are_accepted(
    builder, site, quantity, stored
):
    assert _create(builder, site, quantity=quantity).quantity == Decimal(stored)


# --- create: availability window ---------------------------------------------------------------


def test_window_defaults_to_today_and_thirty_days(builder, site):
    listing = _create(builder, site)
    assert (listing.available_from, listing.available_until) == (
        clock.today(),
        clock.today() + timedelta(days=30),
    )


def test_window_ending_before_it_starts_is_rejected(builder, site):
    today = clock.today()
    with pytest.raises(ValidationFailed) as caught:
        _create(
            builder,
            site,
            available_from=today + timedelta(days=5),
            available_until=today + timedelta(days=2),
        )
    assert "available_until" in caught.value.fields


def test_window_ending_in_the_past_is_rejected(builder, site):
    today = clock.today()
    with pytest.raises(ValidationFailed) as caught:
        _create(
            builder,
            site,
            available_from=today - timedelta(days=10),
            available_until=today - timedelta(days=1),
        )
    assert "available_until" in caught.value.fields


def test_window_longer_than_a_year_is_rejected(builder, site):
    today = clock.today()
    with pytest.raises(ValidationFailed) as caught:
        _create(builder, site, available_from=today, available_until=today + timedelta(days=366))
    assert "available_until" in caught.value.fields


def test_window_of_exactly_a_year_is_accepted(builder, site):
    today = clock.today()
    listing = _create(
        builder, site, available_from=today, available_until=today + timedelta(days=365)
    )
    assert listing.available_until == today + timedelta(days=365)


def test_window_dates_may_be_iso_strings(builder, site):
    listing = _create(builder, site, available_from="2026-12-01", available_until="2026-12-24")
    assert (str(listing.available_from), str(listing.available_until)) == (
        "2026-12-01",
        "2026-12-24",
    )


# --- create: status and log --------------------------------------------------------------------


def test_new_listing_is_available_with_everything_left(builder, site):
    listing = _create(builder, site)
    stored = db.session.get(Listing, listing.id)
    assert stored.status == "available"
    assert stored.quantity_available == Decimal("40")
    assert stored.organization_id == builder.organization_id and stored.created_by_id == builder.id


def test_create_logs_a_listing_created_event(builder, site):
    listing = _create(builder, site)
    events = db.session.scalars(
        sa.select(ListingEvent).where(ListingEvent.listing_id == listing.id)
    ).all()
    assert [(e.kind, e.actor_id) for e in events] == [("listing.created", builder.id)]
    assert Decimal(events[0].data["quantity"]) == 40


def test_create_tells_the_outbox_in_the_same_transaction(builder, site):
    listing = _create(builder, site)
    rows = db.session.scalars(sa.select(OutboxMessage)).all()
    assert rows, (
        "nothing subscribed to listing.changed: the search index would never learn of the listing"
    )
    assert {(r.topic, r.payload["listing_id"], r.payload["kind"]) for r in rows} == {
        ("listing.changed", listing.id, "listing.created")
    }


def test_only_an_edit_or_unhiding_is_announced_as_a_restock(builder, site):
    """Wanted-post alerts hear of edits (the lot may match more now), not of every reservation."""
    listing = _create(builder, site)
    db.session.execute(sa.delete(OutboxMessage))
    db.session.commit()
    listings.listing_update(user_id=builder.id, listing_id=listing.id, title="Punatiili")
    reservations.reservation_create(
        user_id=factories.resident().id, listing_id=listing.id, quantity="1"
    )
    rows = db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)).all()
    announced = {(r.topic, r.payload.get("kind")) for r in rows if r.topic.startswith("listing.")}
    assert announced == {
        ("listing.changed", "listing.updated"),
        ("listing.restocked", "listing.updated"),
        ("listing.changed", "reservation.created"),
    }


def test_rejected_create_leaves_no_event_and_no_outbox_row(builder, site):
    with pytest.raises(ValidationFailed):
        _create(builder, site, quantity="-1")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ListingEvent)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0


# --- update ------------------------------------------------------------------------------------


def test_update_changes_the_fields_and_logs_what_changed(builder, site):
    listing = _create(builder, site)
    listings.listing_update(
        user_id=builder.id,
        listing_id=listing.id,
        title="Punatiili, 1 200 kpl",
        quantity="55",
        condition="fair",
    )
    stored = db.session.get(Listing, listing.id)
    assert (stored.title, stored.quantity, stored.condition) == (
        "Punatiili, 1 200 kpl",
        Decimal("55"),
        "fair",
    )
    assert stored.category_slug == "brick"  # untouched fields keep their value
    event = db.session.scalars(
        sa.select(ListingEvent).where(ListingEvent.kind == "listing.updated")
    ).one()
    assert event.actor_id == builder.id
    assert set(event.data["changed"]) == {"title", "quantity", "condition"}


def test_update_keeps_a_declared_mass(builder, site):
    listing = _create(builder, site, kg_per_unit="2.5")
    listings.listing_update(user_id=builder.id, listing_id=listing.id, quantity="10")
    stored = db.session.get(Listing, listing.id)
    assert (stored.mass_source, stored.kg_per_unit) == ("declared", Decimal("2.5"))


def test_update_with_a_bad_value_changes_nothing(builder, site):
    listing = _create(builder, site)
    with pytest.raises(ValidationFailed) as caught:
        listings.listing_update(
            user_id=builder.id, listing_id=listing.id, title="New title", quantity="0"
        )
    assert "quantity" in caught.value.fields
    db.session.expire_all()
    assert db.session.get(Listing, listing.id).title == "Punatiili MRT75"


def test_update_of_another_organisations_listing_is_not_found(builder, site):
    listing = _create(builder, site)
    stranger = factories.builder()
    with pytest.raises(NotFound):
        listings.listing_update(user_id=stranger.id, listing_id=listing.id, title="Mine now")
    db.session.expire_all()
    assert db.session.get(Listing, listing.id).title == "Punatiili MRT75"


def test_update_of_a_missing_listing_is_not_found(builder):
    with pytest.raises(NotFound):
        listings.listing_update(user_id=builder.id, listing_id=99999, title="Ghost")


def test_colleague_in_the_same_organisation_may_update(builder, site):
    listing = _create(builder, site)
    colleague = factories.builder(org=builder.organization)
    listings.listing_update(user_id=colleague.id, listing_id=listing.id, title="Colleague's edit")
    assert db.session.get(Listing, listing.id).title == "Colleague's edit"
