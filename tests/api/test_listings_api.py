"""Listings through the API: search parameters, creating (masses, hazardous material, mass
assignment, bad values, bodies and content types), reading in each language, editing and
withdrawing."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from marketplace import clock
from marketplace.extensions import db
from marketplace.models import Listing
from marketplace.services import photos
from tests import factories
from tests.helpers import assert_error, deliver, fresh, jpeg, listing_body

# --- listings: search --------------------------------------------------------------------------


def test_search_finds_available_listings_with_facets(client, builder, site, listing):
    factories.listing(
        builder, site_=site, title="Kuusilauta", category="timber", unit="m3", kg_per_unit="450"
    )
    deliver()
    response = client.get("/api/v1/listings?category=brick")
    assert response.status_code == 200
    body = response.get_json()
    assert [h["id"] for h in body["hits"]] == [listing.id]
    assert (body["total"], body["page"], body["per_page"]) == (1, 1, 20)
    hit = body["hits"][0]
    assert (hit["category"], hit["quantity_available"], hit["unit"], hit["site"]["name"]) == (
        "brick",
        40,
        "pcs",
        "Kera Halli 3",
    )
    assert body["facets"]["category"] == {"brick": 1}


@pytest.mark.parametrize(
    "query, parameter",
    [
        ("per_page=0", "per_page"),
        ("per_page=101", "per_page"),
        ("lat=abc&lng=24.7", "lat"),
        ("available_on=tomorrow", "available_on"),
        ("condition=shiny", "condition"),
        ("sort=distance", "sort"),
    ],
)
def test_search_with_a_bad_parameter_is_400_naming_it(client, listing, query, parameter):
    assert_error(client.get(f"/api/v1/listings?{query}"), 400, "bad_request", fields=[parameter])


# --- listings: create --------------------------------------------------------------------------


def test_listing_create_with_a_declared_mass(client, site, bearer):
    response = client.post("/api/v1/listings", headers=bearer, json=listing_body(site))
    assert response.status_code == 201
    body = response.get_json()
    assert (body["mass_source"], body["kg_per_unit"], body["quantity"], body["status"]) == (
        "declared",
        450,
        2.5,
        "available",
    )
    assert (body["currency"], body["price_cents"], body["site"]["id"]) == ("EUR", 0, site.id)
    assert fresh().get(Listing, body["id"]).title == "Kuusilauta 22x100"


def test_listing_create_without_a_mass_estimates_it_from_the_catalogue(client, site, bearer):
    body = listing_body(site, category="brick", unit="pcs", quantity=40)
    del body["kg_per_unit"]
    response = client.post("/api/v1/listings", headers=bearer, json=body)
    assert response.status_code == 201
    assert (response.get_json()["mass_source"], response.get_json()["kg_per_unit"]) == (
        "estimated",
        3,
    )


def test_listing_create_of_hazardous_material_is_422_hazardous_material(client, site, bearer):
    response = client.post(
        "/api/v1/listings",
        headers=bearer,
        json=listing_body(site, category="asbestos", unit="kg", quantity=100),
    )
    assert_error(response, 422, "hazardous_material")
    assert fresh().scalar(sa.select(sa.func.count()).select_from(Listing)) == 0


def test_listing_create_at_another_organisations_site_is_422_on_site_id(client, bearer, stranger):
    response = client.post("/api/v1/listings", headers=bearer, json=listing_body(stranger["site"]))
    assert_error(response, 422, "validation_failed", fields=["site_id"])


@pytest.mark.parametrize(
    "field, value",
    [
        ("owner_id", 1),
        ("status", "collected"),
        ("organization_id", 2),
        ("quantity_reserved", 0),
        ("role", "city"),
        ("hazard_free_declared_at", "x"),
    ],
)
def test_listing_create_refuses_fields_it_cannot_set(client, site, bearer, field, value):
    response = client.post(
        "/api/v1/listings", headers=bearer, json=listing_body(site, **{field: value})
    )
    assert_error(response, 422, "unknown_field", fields=[field])
    assert fresh().scalar(sa.select(sa.func.count()).select_from(Listing)) == 0


@pytest.mark.parametrize(
    "field, value",
    [
        ("quantity", -1),
        ("quantity", 0),
        ("quantity", 10**12),
        ("quantity", 1.2345),
        ("quantity", "1.2345"),
        ("quantity", "abc"),
        ("unit", "kpl"),
        ("condition", "mint"),
        ("category", "unobtainium"),
        ("price_cents", -100),
        ("price_cents", 1.5),
        ("kg_per_unit", -2),
        ("available_until", "2020-01-01"),
        ("available_from", "31.12.2026"),
        ("title", ""),
        ("site_id", "first"),
    ],
)
def test_listing_create_with_a_bad_value_is_422_on_that_field(client, site, bearer, field, value):
    response = client.post(
        "/api/v1/listings", headers=bearer, json=listing_body(site, **{field: value})
    )
    assert_error(response, 422, fields=[field])
    assert fresh().scalar(sa.select(sa.func.count()).select_from(Listing)) == 0


def test_listing_create_with_the_hazard_declaration_refused_is_422(client, site, bearer):
    response = client.post(
        "/api/v1/listings", headers=bearer, json=listing_body(site, hazard_free=False)
    )
    assert_error(response, 422, fields=["hazard_free"])


@pytest.mark.parametrize(
    "data, status, code",
    [
        ('{"title": "Tiilet", ', 400, "bad_request"),
        ("[1, 2, 3]", 400, "bad_request"),
        ('"just a string"', 400, "bad_request"),
        ("null", 400, "bad_request"),
    ],
)
def test_listing_create_with_a_body_that_is_not_a_json_object_is_400(
    client, bearer, data, status, code
):
    response = client.post(
        "/api/v1/listings", headers=bearer, data=data, content_type="application/json"
    )
    assert_error(response, status, code)


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data"]
)
def test_listing_create_with_another_content_type_is_415(client, site, bearer, content_type):
    response = client.post(
        "/api/v1/listings", headers=bearer, data='{"title": "x"}', content_type=content_type
    )
    assert_error(response, 415, "unsupported_media_type")


def test_listing_create_as_a_resident_is_403(client, site, resident_bearer):
    assert_error(
        client.post("/api/v1/listings", headers=resident_bearer, json=listing_body(site)),
        403,
        "forbidden",
    )


# --- listings: read, edit, withdraw ------------------------------------------------------------


def test_listing_get_has_every_field_of_the_contract(client, builder, site, listing):
    photos.photo_add(user_id=builder.id, listing_id=listing.id, data=jpeg())
    response = client.get(f"/api/v1/listings/{listing.id}")
    assert response.status_code == 200
    body = response.get_json()
    contract = {
        "id",
        "title",
        "description",
        "category",
        "quantity",
        "quantity_available",
        "unit",
        "kg_per_unit",
        "mass_source",
        "condition",
        "price_cents",
        "currency",
        "status",
        "site",
        "organization",
        "photos",
        "available_from",
        "available_until",
        "created_at",
        "updated_at",
    }
    assert contract <= set(body)
    assert set(body["site"]) >= {"id", "name", "address", "lat", "lng"}
    assert body["organization"] == {"id": builder.organization_id, "name": "Kera Purku Oy"}
    assert set(body["photos"][0]) >= {"url", "thumb_url"}
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", body["available_from"])
    assert re.search(r"(\+00:00|Z)$", body["created_at"])
    assert isinstance(body["quantity"], (int, float)) and body["quantity"] == 40


def test_listing_get_of_an_unknown_listing_is_404(client):
    assert_error(client.get("/api/v1/listings/99999"), 404, "not_found")


def test_listing_get_of_a_hidden_listing_is_404_for_others(client, listing, resident_bearer):
    db.session.get(Listing, listing.id).hidden_reason = "Under review"
    db.session.commit()
    assert_error(
        client.get(f"/api/v1/listings/{listing.id}", headers=resident_bearer), 404, "not_found"
    )


@pytest.mark.parametrize("language, name", [("sv", "Tegel"), ("fi", "Tiilet"), ("en", "Bricks")])
def test_accept_language_selects_the_category_name(client, listing, language, name):
    response = client.get(f"/api/v1/listings/{listing.id}", headers={"Accept-Language": language})
    assert response.get_json()["category_name"] == name
    assert response.get_json()["category"] == "brick"


def test_error_codes_do_not_change_with_the_language(client):
    swedish = client.get("/api/v1/me", headers={"Accept-Language": "sv"}).get_json()["error"]
    english = client.get("/api/v1/me", headers={"Accept-Language": "en"}).get_json()["error"]
    assert swedish["code"] == english["code"] == "unauthenticated"
    assert swedish["message"] != english["message"]


def test_listing_patch_changes_the_given_fields(client, listing, bearer):
    response = client.patch(
        f"/api/v1/listings/{listing.id}",
        headers=bearer,
        json={"title": "Tiilet, 60 kpl", "quantity": 60},
    )
    assert response.status_code == 200
    body = response.get_json()
    assert (body["title"], body["quantity"], body["category"]) == ("Tiilet, 60 kpl", 60, "brick")


def test_listing_patch_of_another_organisation_is_404(client, bearer, stranger):
    response = client.patch(
        f"/api/v1/listings/{stranger['listing'].id}", headers=bearer, json={"title": "Mine"}
    )
    assert_error(response, 404, "not_found")
    assert fresh().get(Listing, stranger["listing"].id).title == "Stranger's bricks"


def test_listing_patch_of_a_withdrawn_listing_is_409(client, listing, bearer):
    db.session.get(Listing, listing.id).status = "withdrawn"
    db.session.commit()
    response = client.patch(
        f"/api/v1/listings/{listing.id}", headers=bearer, json={"title": "Back again"}
    )
    assert_error(response, 409, "invalid_transition")


def test_listing_patch_cannot_set_the_status(client, listing, bearer):
    response = client.patch(
        f"/api/v1/listings/{listing.id}", headers=bearer, json={"status": "collected"}
    )
    assert_error(response, 422, "unknown_field", fields=["status"])
    assert fresh().get(Listing, listing.id).status == "available"


def test_listing_delete_withdraws_it(client, listing, bearer):
    deliver()
    assert listing.id in [h["id"] for h in client.get("/api/v1/listings").get_json()["hits"]]
    response = client.delete(f"/api/v1/listings/{listing.id}", headers=bearer)
    assert response.status_code == 200 and response.get_json()["status"] == "withdrawn"
    assert fresh().get(Listing, listing.id).status == "withdrawn"
    deliver()
    assert listing.id not in [h["id"] for h in client.get("/api/v1/listings").get_json()["hits"]]


def test_listing_delete_of_another_organisation_is_404(client, bearer, stranger):
    assert_error(
        client.delete(f"/api/v1/listings/{stranger['listing'].id}", headers=bearer),
        404,
        "not_found",
    )
    assert fresh().get(Listing, stranger["listing"].id).status == "available"


def test_listing_window_defaults_apply_through_the_api(client, site, bearer):
    body = listing_body(site)
    response = client.post("/api/v1/listings", headers=bearer, json=body)
    today = clock.today()
    assert (response.get_json()["available_from"], response.get_json()["available_until"]) == (
        today.isoformat(),
        (today + timedelta(days=30)).isoformat(),
    )
