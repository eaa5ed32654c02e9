"""Plausible masses (issue 9): every category has a range for every unit, with a source; an
implausible declared mass or weighing needs a confirmation and is flagged; an absurd total is
refused even when confirmed; the listing form shows the warning and the checkbox."""

from decimal import Decimal as D

import pytest

from marketplace import catalog_loader
from marketplace.extensions import db
from marketplace.models import UNITS, Category, FactorSet, Handover, Listing
from marketplace.services import reservations as reservation_services
from tests import factories
from tests.helpers import assert_error, csrf_token, sign_in


def test_every_category_has_a_sourced_range_for_every_unit_that_holds_its_typical_mass(app):
    sources = db.session.query(FactorSet).one().sources
    data = catalog_loader.read_catalogue()
    for entry in data["category"]:
        for spec in entry.get("plausible_kg_per_unit", {}).values():
            assert spec["source"] in sources and spec["note"] and 0 < spec["min"] < spec["max"], (
                entry["slug"]
            )
    for category in db.session.query(Category):
        for unit in UNITS:
            low, high = category.plausible_kg(unit)
            assert low <= high
            typical = category.typical_kg(unit)
            assert typical is None or low <= typical <= high, (category.slug, unit)
    tile = db.session.get(Category, "roof-tile")
    assert tile.plausible_kg("pcs") == (D(2), D(6))


def test_categories_show_the_ranges(client):
    body = {c["slug"]: c for c in client.get("/api/v1/categories").get_json()}
    assert body["brick"]["kg_per_unit_range"]["m2"] == [60, 450]
    assert set(body["glass"]["kg_per_unit_range"]) == set(UNITS)


def test_an_absurd_total_is_refused_even_when_confirmed(client, bearer, site):
    body = {
        "title": "Betonielementit",
        "category": "concrete-element",
        "quantity": 400,
        "unit": "pcs",
        "kg_per_unit": 20000,
        "condition": "good",
        "site_id": site.id,
        "confirm_unusual_mass": True,
    }
    error = assert_error(
        client.post("/api/v1/listings", json=body, headers=bearer),
        422,
        "implausible_mass",
        fields=["kg_per_unit"],
    )
    assert "5,000 t" in error["fields"]["kg_per_unit"]
    tonnes = {**body, "unit": "t", "quantity": 6000, "category": "concrete-crushed"}
    del tonnes["kg_per_unit"]
    assert_error(
        client.post("/api/v1/listings", json=tonnes, headers=bearer),
        422,
        "implausible_mass",
        fields=["quantity"],
    )


def test_a_plausible_mass_needs_no_confirmation_and_an_edit_keeps_the_flag(client, bearer, site):
    plain = {
        "title": "Kattotiili",
        "category": "roof-tile",
        "quantity": 10,
        "unit": "pcs",
        "kg_per_unit": "4,5",
        "condition": "good",
        "site_id": site.id,
    }
    assert_error(
        client.post("/api/v1/listings", json=plain, headers=bearer), 422, "validation_failed"
    )
    ok = client.post("/api/v1/listings", json={**plain, "kg_per_unit": 4.5}, headers=bearer)
    assert ok.status_code == 201 and ok.get_json()["mass_flagged"] is False
    flagged = client.post(
        "/api/v1/listings",
        json={**plain, "kg_per_unit": 45, "confirm_unusual_mass": True},
        headers=bearer,
    ).get_json()
    renamed = client.patch(
        f"/api/v1/listings/{flagged['id']}", json={"title": "Kattotiilet"}, headers=bearer
    )
    assert renamed.status_code == 200 and renamed.get_json()["mass_flagged"] is True
    other = client.patch(
        f"/api/v1/listings/{flagged['id']}", json={"kg_per_unit": 0.4}, headers=bearer
    )
    assert_error(other, 422, "implausible_mass", fields=["kg_per_unit"])
    fixed = client.patch(
        f"/api/v1/listings/{flagged['id']}", json={"kg_per_unit": 4.1}, headers=bearer
    )
    assert fixed.get_json()["mass_flagged"] is False


@pytest.mark.parametrize("weighed, flagged", [("25", False), ("150", True), ("9", True)])
def test_a_weighing_far_from_the_expected_mass_needs_a_confirmation(
    client, app, builder, bearer, listing, weighed, flagged
):
    reservation = reservation_services.reservation_create(
        user_id=factories.resident().id, listing_id=listing.id, quantity=10
    )  # 30 kg expected
    url = f"/api/v1/reservations/{reservation.id}/collect"
    if flagged:
        error = assert_error(
            client.post(url, json={"weighed_kg": weighed}, headers=bearer),
            422,
            "implausible_mass",
            fields=["weighed_kg"],
        )
        assert "30 kg" in error["fields"]["weighed_kg"]
    answer = client.post(
        url, json={"weighed_kg": weighed, "confirm_unusual_mass": True}, headers=bearer
    )
    assert answer.status_code == 200, answer.text
    assert answer.get_json()["handover"]["mass_flagged"] is flagged
    db.session.rollback()
    row = db.session.query(Handover).one()
    assert (row.mass_kg, row.mass_flagged) == (D(weighed), flagged)


def test_the_listing_form_warns_and_offers_the_confirmation(app, builder, site):
    client = app.test_client()
    sign_in(client, builder)
    form = {
        "csrf_token": csrf_token(client, "/listings/new"),
        "title": "Kattotiilet",
        "category": "roof-tile",
        "quantity": "10",
        "unit": "pcs",
        "kg_per_unit": "4200",
        "condition": "good",
        "site_id": str(site.id),
        "hazard_free": "y",
    }
    warned = client.post("/listings/new", data=form)
    assert warned.status_code == 422
    assert 'name="confirm_unusual_mass"' in warned.text and "2–6" in warned.text
    created = client.post("/listings/new", data={**form, "confirm_unusual_mass": "y"})
    assert created.status_code == 302
    db.session.rollback()
    listing = db.session.query(Listing).order_by(Listing.id.desc()).first()
    assert created.headers["Location"] == f"/listings/{listing.id}"
    assert listing.kg_per_unit == 4200 and listing.mass_flagged_at is not None
