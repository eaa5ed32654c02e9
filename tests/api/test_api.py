"""The JSON API /api/v1 against its contract (shared spec api-v1.md): one happy and one unhappy
path per endpoint, the error body, mass assignment, bad values, languages, cookies, CSRF and the
OpenAPI document."""
import io
import re
import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import current_app
from PIL import Image

from marketplace import clock, outbox
from marketplace.extensions import db
from marketplace.models import Listing, ListingPhoto, Site
from marketplace.services import accounts, photos
from tests import factories
from tests.conftest import make_app
from tests.factories import PASSWORD

ERROR_CODES = {400: "bad_request", 401: "unauthenticated", 403: "forbidden", 404: "not_found",
               405: "method_not_allowed", 409: "invalid_transition", 415: "unsupported_media_type",
               422: "validation_failed"}


def new_client(app):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def fresh():
    """The test's DB session with a new snapshot that sees what requests committed."""
    db.session.rollback()
    return db.session


def deliver(timeout=10):
    """What `flask worker` does beside the site: deliver the outbox, so the search index learns of
    the changes. Runs on a thread of its own (as a separate process would) and fails, instead of
    hanging the suite, if delivery does not finish."""
    app, errors = current_app._get_current_object(), []

    def work():
        try:
            with app.app_context():
                outbox.run_once()
        except BaseException as exc:  # noqa: BLE001 - re-raised in the test below
            errors.append(exc)

    worker = threading.Thread(target=work, daemon=True)
    worker.start()
    worker.join(timeout)
    assert not worker.is_alive(), f"outbox delivery did not finish within {timeout} s (it hangs)"
    if errors:
        raise errors[0]


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (156, 74, 47)).save(out, "JPEG")
    return out.getvalue()


def assert_error(response, status, code=None, fields=()):
    """The contract's error body: {"error": {"code", "message", "fields"?}} and nothing else."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.is_json
    body = response.get_json()
    assert set(body) == {"error"}
    error = body["error"]
    assert isinstance(error["code"], str) and error["code"]
    assert isinstance(error["message"], str) and error["message"].strip()
    if code is not None:
        assert error["code"] == code
    if "fields" in error:
        assert isinstance(error["fields"], dict)
        assert all(isinstance(k, str) and isinstance(v, str) for k, v in error["fields"].items())
    for field in fields:
        assert field in error.get("fields", {}), error
    return error


@pytest.fixture
def client(app):
    return new_client(app)


@pytest.fixture
def builder(app):
    return factories.builder(email="builder@example.com", org_name="Kera Purku Oy")


@pytest.fixture
def site(builder):
    return factories.site(builder, name="Kera Halli 3")


@pytest.fixture
def listing(builder, site):
    return factories.listing(builder, site_=site)


@pytest.fixture
def bearer(builder):
    return {"Authorization": f"Bearer {accounts.token_create(user_id=builder.id)[1]}"}


@pytest.fixture
def resident_bearer(app):
    resident = factories.resident(email="resident@example.com")
    return {"Authorization": f"Bearer {accounts.token_create(user_id=resident.id)[1]}"}


@pytest.fixture
def stranger(app):
    """A builder of another organisation, with a site and a listing of its own."""
    user = factories.builder(email="stranger@example.com")
    site = factories.site(user, name="Stranger's yard")
    listing = factories.listing(user, site_=site, title="Stranger's bricks")
    token = accounts.token_create(user_id=user.id)[1]
    return {"user": user, "site": site, "listing": listing, "bearer": {"Authorization": f"Bearer {token}"}}


def listing_body(site, **overrides):
    body = {"title": "Kuusilauta 22x100", "description": "Kuivaa", "category": "timber", "quantity": "2.5",
            "unit": "m3", "kg_per_unit": 450, "condition": "like_new", "site_id": site.id, "price_cents": 0}
    body.update(overrides)
    return body


# --- tokens and me -----------------------------------------------------------------------------

def test_token_create_returns_a_working_token_and_the_user(client, builder):
    response = client.post("/api/v1/tokens", json={"email": "builder@example.com", "password": PASSWORD,
                                                    "name": "script"})
    assert response.status_code == 201
    body = response.get_json()
    assert body["user"]["email"] == "builder@example.com" and body["user"]["role"] == "builder"
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.status_code == 200 and me.get_json()["id"] == builder.id


def test_token_create_with_a_wrong_password_is_401(client, builder):
    response = client.post("/api/v1/tokens", json={"email": "builder@example.com", "password": "nope nope nope"})
    assert_error(response, 401, "unauthenticated")


def test_me_describes_the_caller(client, builder, bearer):
    response = client.get("/api/v1/me", headers=bearer)
    assert response.status_code == 200
    assert response.get_json() == {
        "id": builder.id, "email": "builder@example.com", "display_name": builder.display_name, "role": "builder",
        "organization": {"id": builder.organization_id, "name": "Kera Purku Oy"}}


@pytest.mark.parametrize("header", [None, "Bearer kme_not-a-real-token", "Bearer ", "Basic dXNlcjpwYXNz", "kme_x"])
def test_me_without_valid_credentials_is_401(client, builder, header):
    response = client.get("/api/v1/me", headers={"Authorization": header} if header else {})
    assert_error(response, 401, "unauthenticated")


def test_revoked_token_is_401(client, builder):
    token, raw = accounts.token_create(user_id=builder.id)
    accounts.token_revoke(user_id=builder.id, token_id=token.id)
    assert_error(client.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"}), 401, "unauthenticated")


# --- categories --------------------------------------------------------------------------------

def test_categories_list_names_codes_units_and_masses(client, app):
    response = client.get("/api/v1/categories")
    assert response.status_code == 200
    categories = {c["slug"]: c for c in response.get_json()}
    brick = categories["brick"]
    assert brick["name"] == {"en": "Bricks", "fi": "Tiilet", "sv": "Tegel"}
    assert (brick["ewc_code"], brick["default_unit"], brick["kg_per_unit"]["pcs"], brick["listable"]) == (
        "17 01 02", "pcs", 3.0, True)
    assert categories["asbestos"]["listable"] is False


def test_categories_refuse_other_methods_with_405(client, bearer):
    response = client.post("/api/v1/categories", headers=bearer, json={})
    assert_error(response, 405, "method_not_allowed")
    assert "GET" in response.headers["Allow"]


# --- sites -------------------------------------------------------------------------------------

def test_sites_lists_only_the_callers_organisation(client, site, bearer, stranger):
    response = client.get("/api/v1/sites", headers=bearer)
    assert response.status_code == 200
    assert [s["name"] for s in response.get_json()] == ["Kera Halli 3"]


def test_sites_list_is_refused_to_residents(client, resident_bearer):
    assert_error(client.get("/api/v1/sites", headers=resident_bearer), 403, "forbidden")


def test_site_create_returns_the_new_site(client, builder, bearer):
    response = client.post("/api/v1/sites", headers=bearer, json={
        "name": "Kerantie yard", "address": "Kerantie 5, 02150 Espoo", "lat": 60.2175, "lng": 24.7561,
        "pickup_instructions": "Gate C", "opening_hours": {"mon": ["07:00", "15:00"]}})
    assert response.status_code == 201
    body = response.get_json()
    assert (body["name"], body["lat"], body["lng"], body["opening_hours"]) == (
        "Kerantie yard", 60.2175, 24.7561, {"mon": ["07:00", "15:00"]})
    assert fresh().get(Site, body["id"]).organization_id == builder.organization_id


@pytest.mark.parametrize("field, value", [("lat", 91), ("lat", -90.5), ("lng", "abc"), ("lng", 180.01),
                                          ("lat", None), ("name", "")])
def test_site_create_with_a_bad_value_is_422_on_that_field(client, bearer, field, value):
    body = {"name": "Yard", "address": "Kerantie 5", "lat": 60.2, "lng": 24.7, field: value}
    assert_error(client.post("/api/v1/sites", headers=bearer, json=body), 422, fields=[field])
    assert fresh().scalar(sa.select(sa.func.count()).select_from(Site)) == 0


def test_site_get_returns_one_own_site(client, site, bearer):
    response = client.get(f"/api/v1/sites/{site.id}", headers=bearer)
    assert response.status_code == 200 and response.get_json()["name"] == "Kera Halli 3"


def test_site_get_of_another_organisation_is_404(client, bearer, stranger):
    assert_error(client.get(f"/api/v1/sites/{stranger['site'].id}", headers=bearer), 404, "not_found")


def test_site_patch_replaces_the_details(client, site, bearer):
    response = client.patch(f"/api/v1/sites/{site.id}", headers=bearer, json={
        "name": "Kera Halli 3B", "address": "Kutojantie 3, 02630 Espoo", "lat": 60.2162, "lng": 24.754})
    assert response.status_code == 200 and response.get_json()["name"] == "Kera Halli 3B"
    assert fresh().get(Site, site.id).name == "Kera Halli 3B"


def test_site_patch_changes_only_the_fields_sent(client, site, bearer):
    before = fresh().get(Site, site.id)
    address, lat, hours = before.address, before.lat, before.opening_hours
    response = client.patch(f"/api/v1/sites/{site.id}", headers=bearer, json={"name": "Kera Halli 3C"})
    assert response.status_code == 200
    after = fresh().get(Site, site.id)
    assert (after.name, after.address, after.lat, after.opening_hours) == ("Kera Halli 3C", address, lat, hours)
    emptied = client.patch(f"/api/v1/sites/{site.id}", headers=bearer, json={"name": None})
    assert_error(emptied, 422, "validation_failed")
    assert "name" in emptied.get_json()["error"]["fields"]


def test_site_patch_of_another_organisation_is_404(client, bearer, stranger):
    response = client.patch(f"/api/v1/sites/{stranger['site'].id}", headers=bearer, json={
        "name": "Mine", "address": "X", "lat": 60.2, "lng": 24.7})
    assert_error(response, 404, "not_found")
    assert fresh().get(Site, stranger["site"].id).name == "Stranger's yard"


# --- listings: search --------------------------------------------------------------------------

def test_search_finds_available_listings_with_facets(client, builder, site, listing):
    factories.listing(builder, site_=site, title="Kuusilauta", category="timber", unit="m3", kg_per_unit="450")
    deliver()
    response = client.get("/api/v1/listings?category=brick")
    assert response.status_code == 200
    body = response.get_json()
    assert [h["id"] for h in body["hits"]] == [listing.id]
    assert (body["total"], body["page"], body["per_page"]) == (1, 1, 20)
    hit = body["hits"][0]
    assert (hit["category"], hit["quantity_available"], hit["unit"], hit["site"]["name"]) == (
        "brick", 40, "pcs", "Kera Halli 3")
    assert body["facets"]["category"] == {"brick": 1}


@pytest.mark.parametrize("query, parameter", [("per_page=0", "per_page"), ("per_page=101", "per_page"),
                                              ("lat=abc&lng=24.7", "lat"), ("available_on=tomorrow", "available_on"),
                                              ("condition=shiny", "condition"), ("sort=distance", "sort")])
def test_search_with_a_bad_parameter_is_400_naming_it(client, listing, query, parameter):
    assert_error(client.get(f"/api/v1/listings?{query}"), 400, "bad_request", fields=[parameter])


# --- listings: create --------------------------------------------------------------------------

def test_listing_create_with_a_declared_mass(client, site, bearer):
    response = client.post("/api/v1/listings", headers=bearer, json=listing_body(site))
    assert response.status_code == 201
    body = response.get_json()
    assert (body["mass_source"], body["kg_per_unit"], body["quantity"], body["status"]) == (
        "declared", 450, 2.5, "available")
    assert (body["currency"], body["price_cents"], body["site"]["id"]) == ("EUR", 0, site.id)
    assert fresh().get(Listing, body["id"]).title == "Kuusilauta 22x100"


def test_listing_create_without_a_mass_estimates_it_from_the_catalogue(client, site, bearer):
    body = listing_body(site, category="brick", unit="pcs", quantity=40)
    del body["kg_per_unit"]
    response = client.post("/api/v1/listings", headers=bearer, json=body)
    assert response.status_code == 201
    assert (response.get_json()["mass_source"], response.get_json()["kg_per_unit"]) == ("estimated", 3)


def test_listing_create_of_hazardous_material_is_422_hazardous_material(client, site, bearer):
    response = client.post("/api/v1/listings", headers=bearer,
                           json=listing_body(site, category="asbestos", unit="kg", quantity=100))
    assert_error(response, 422, "hazardous_material")
    assert fresh().scalar(sa.select(sa.func.count()).select_from(Listing)) == 0


def test_listing_create_at_another_organisations_site_is_422_on_site_id(client, bearer, stranger):
    response = client.post("/api/v1/listings", headers=bearer, json=listing_body(stranger["site"]))
    assert_error(response, 422, "validation_failed", fields=["site_id"])


@pytest.mark.parametrize("field, value", [("owner_id", 1), ("status", "collected"), ("organization_id", 2),
                                          ("quantity_reserved", 0), ("role", "city"), ("hazard_free_declared_at", "x")])
def test_listing_create_refuses_fields_it_cannot_set(client, site, bearer, field, value):
    response = client.post("/api/v1/listings", headers=bearer, json=listing_body(site, **{field: value}))
    assert_error(response, 422, "unknown_field", fields=[field])
    assert fresh().scalar(sa.select(sa.func.count()).select_from(Listing)) == 0


@pytest.mark.parametrize("field, value", [
    ("quantity", -1), ("quantity", 0), ("quantity", 10**12), ("quantity", 1.2345), ("quantity", "1.2345"),
    ("quantity", "abc"), ("unit", "kpl"), ("condition", "mint"), ("category", "unobtainium"),
    ("price_cents", -100), ("price_cents", 1.5), ("kg_per_unit", -2), ("available_until", "2020-01-01"),
    ("available_from", "31.12.2026"), ("title", ""), ("site_id", "first"),
])
def test_listing_create_with_a_bad_value_is_422_on_that_field(client, site, bearer, field, value):
    response = client.post("/api/v1/listings", headers=bearer, json=listing_body(site, **{field: value}))
    assert_error(response, 422, fields=[field])
    assert fresh().scalar(sa.select(sa.func.count()).select_from(Listing)) == 0


def test_listing_create_with_the_hazard_declaration_refused_is_422(client, site, bearer):
    response = client.post("/api/v1/listings", headers=bearer, json=listing_body(site, hazard_free=False))
    assert_error(response, 422, fields=["hazard_free"])


@pytest.mark.parametrize("data, status, code", [
    ('{"title": "Tiilet", ', 400, "bad_request"),
    ("[1, 2, 3]", 400, "bad_request"),
    ('"just a string"', 400, "bad_request"),
    ("null", 400, "bad_request"),
])
def test_listing_create_with_a_body_that_is_not_a_json_object_is_400(client, bearer, data, status, code):
    response = client.post("/api/v1/listings", headers=bearer, data=data, content_type="application/json")
    assert_error(response, status, code)


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data"])
def test_listing_create_with_another_content_type_is_415(client, site, bearer, content_type):
    response = client.post("/api/v1/listings", headers=bearer, data='{"title": "x"}', content_type=content_type)
    assert_error(response, 415, "unsupported_media_type")


def test_listing_create_as_a_resident_is_403(client, site, resident_bearer):
    assert_error(client.post("/api/v1/listings", headers=resident_bearer, json=listing_body(site)), 403, "forbidden")


# --- listings: read, edit, withdraw ------------------------------------------------------------

def test_listing_get_has_every_field_of_the_contract(client, builder, site, listing):
    photos.photo_add(user_id=builder.id, listing_id=listing.id, data=jpeg())
    response = client.get(f"/api/v1/listings/{listing.id}")
    assert response.status_code == 200
    body = response.get_json()
    contract = {"id", "title", "description", "category", "quantity", "quantity_available", "unit", "kg_per_unit",
                "mass_source", "condition", "price_cents", "currency", "status", "site", "organization", "photos",
                "available_from", "available_until", "created_at", "updated_at"}
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
    assert_error(client.get(f"/api/v1/listings/{listing.id}", headers=resident_bearer), 404, "not_found")


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
    response = client.patch(f"/api/v1/listings/{listing.id}", headers=bearer, json={"title": "Tiilet, 60 kpl",
                                                                                      "quantity": 60})
    assert response.status_code == 200
    body = response.get_json()
    assert (body["title"], body["quantity"], body["category"]) == ("Tiilet, 60 kpl", 60, "brick")


def test_listing_patch_of_another_organisation_is_404(client, bearer, stranger):
    response = client.patch(f"/api/v1/listings/{stranger['listing'].id}", headers=bearer, json={"title": "Mine"})
    assert_error(response, 404, "not_found")
    assert fresh().get(Listing, stranger["listing"].id).title == "Stranger's bricks"


def test_listing_patch_of_a_withdrawn_listing_is_409(client, listing, bearer):
    db.session.get(Listing, listing.id).status = "withdrawn"
    db.session.commit()
    response = client.patch(f"/api/v1/listings/{listing.id}", headers=bearer, json={"title": "Back again"})
    assert_error(response, 409, "invalid_transition")


def test_listing_patch_cannot_set_the_status(client, listing, bearer):
    response = client.patch(f"/api/v1/listings/{listing.id}", headers=bearer, json={"status": "collected"})
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
    assert_error(client.delete(f"/api/v1/listings/{stranger['listing'].id}", headers=bearer), 404, "not_found")
    assert fresh().get(Listing, stranger["listing"].id).status == "available"


# --- photos ------------------------------------------------------------------------------------

def test_photo_upload_returns_its_urls(client, listing, bearer):
    response = client.post(f"/api/v1/listings/{listing.id}/photos", headers=bearer,
                           data={"photo": (io.BytesIO(jpeg()), "IMG_1.jpg"), "alt": "Pallet of bricks"},
                           content_type="multipart/form-data")
    assert response.status_code == 201
    body = response.get_json()
    assert body["alt"] == "Pallet of bricks"
    image = client.get(body["thumb_url"])
    assert image.status_code == 200 and image.mimetype == "image/jpeg"


def test_photo_upload_of_a_text_file_is_422_on_photo(client, listing, bearer):
    response = client.post(f"/api/v1/listings/{listing.id}/photos", headers=bearer,
                           data={"photo": (io.BytesIO(b"not an image" * 20), "evil.jpg")},
                           content_type="multipart/form-data")
    assert_error(response, 422, "validation_failed", fields=["photo"])


def test_photo_upload_as_json_is_415(client, listing, bearer):
    response = client.post(f"/api/v1/listings/{listing.id}/photos", headers=bearer, json={"photo": "aGVsbG8="})
    assert_error(response, 415, "unsupported_media_type")


def test_photo_delete_removes_it(client, builder, listing, bearer):
    photo = photos.photo_add(user_id=builder.id, listing_id=listing.id, data=jpeg())
    photo_id, file_key = photo.id, photo.file_key
    assert client.get(f"/media/{file_key}").status_code == 200
    response = client.delete(f"/api/v1/listings/{listing.id}/photos/{photo_id}", headers=bearer)
    assert response.status_code == 204
    assert fresh().scalar(sa.select(ListingPhoto).where(ListingPhoto.id == photo_id)) is None
    assert client.get(f"/media/{file_key}").status_code == 404


def test_photo_delete_of_an_unknown_photo_is_404(client, listing, bearer):
    assert_error(client.delete(f"/api/v1/listings/{listing.id}/photos/99999", headers=bearer), 404, "not_found")


# --- the error body everywhere -----------------------------------------------------------------

@pytest.mark.parametrize("method, path, status", [
    ("GET", "/api/v1/no-such-thing", 404),
    ("GET", "/api/v1/listings/abc", 404),
    ("POST", "/api/v1/no-such-thing", 404),
    ("PUT", "/api/v1/me", 405),
    ("DELETE", "/api/v1/sites", 405),
    ("GET", "/api/v1/sites/99999", 404),
    ("POST", "/api/v1/openapi.json", 405),
])
def test_unknown_urls_and_methods_answer_the_error_body(client, bearer, method, path, status):
    response = client.open(path, method=method, headers=bearer)
    assert_error(response, status, ERROR_CODES[status])


# --- cookies and CSRF --------------------------------------------------------------------------

def test_bearer_responses_set_no_cookie(client, site, bearer):
    responses = [client.get("/api/v1/me", headers=bearer),
                 client.post("/api/v1/listings", headers=bearer, json=listing_body(site)),
                 client.get("/api/v1/listings/99999", headers=bearer)]
    assert [r.status_code for r in responses] == [200, 201, 404]
    assert all("Set-Cookie" not in r.headers for r in responses)


@pytest.fixture
def csrf_app(tmp_path):
    app = make_app(tmp_path, WTF_CSRF_ENABLED=True)
    with app.app_context():
        factories.builder(email="builder@example.com")
        yield app
        db.session.remove()
        db.engine.dispose()


def _session_client(app):
    """A browser signed in through /login (with the form's CSRF token) and its page's CSRF token."""
    client = new_client(app)
    token = re.search(r'<meta name="csrf-token" content="([^"]+)">', client.get("/login").text).group(1)
    assert client.post("/login", data={"email": "builder@example.com", "password": PASSWORD,
                                       "csrf_token": token}).status_code == 302
    token = re.search(r'<meta name="csrf-token" content="([^"]+)">', client.get("/").text).group(1)
    return client, token


SITE = {"name": "Session yard", "address": "Kerantie 9", "lat": 60.21, "lng": 24.75}


def test_session_request_without_the_csrf_header_is_403(csrf_app):
    client, _token = _session_client(csrf_app)
    assert client.get("/api/v1/me").status_code == 200
    assert_error(client.post("/api/v1/sites", json=SITE), 403)
    assert fresh().scalar(sa.select(sa.func.count()).select_from(Site)) == 0


def test_session_request_with_the_csrf_header_is_allowed(csrf_app):
    client, token = _session_client(csrf_app)
    response = client.post("/api/v1/sites", json=SITE, headers={"X-CSRFToken": token})
    assert response.status_code == 201


# --- OpenAPI -----------------------------------------------------------------------------------

@pytest.fixture
def openapi(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def test_openapi_document_is_version_3_1(openapi):
    assert openapi["openapi"].startswith("3.1")
    assert openapi["info"]["title"]


def test_openapi_document_describes_every_api_route(app, openapi):
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("api."):
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        assert path in openapi["paths"], path
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert method.lower() in openapi["paths"][path], (method, path)


def _refs(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


def test_openapi_references_all_resolve_inside_components(openapi):
    schemas = openapi["components"]["schemas"]
    refs = set(_refs(openapi))
    assert refs
    for ref in refs:
        assert ref.startswith("#/components/schemas/"), ref
        assert ref.removeprefix("#/components/schemas/") in schemas, ref


def test_openapi_error_responses_use_the_error_schema(openapi):
    operation = openapi["paths"]["/api/v1/listings"]["post"]
    assert operation["responses"]["422"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ErrorOut"}
    assert operation["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ListingCreate"}


def test_listing_window_defaults_apply_through_the_api(client, site, bearer):
    body = listing_body(site)
    response = client.post("/api/v1/listings", headers=bearer, json=body)
    today = clock.today()
    assert (response.get_json()["available_from"], response.get_json()["available_until"]) == (
        today.isoformat(), (today + timedelta(days=30)).isoformat())
