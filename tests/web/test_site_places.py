"""The site form's location (issue 13, point 3): coordinates typed with a decimal comma or point
and kept inside Finland, and "Find the address" over the local gazetteer — as JSON for the
form's script and, without JavaScript, as choices the form posts back."""

import re

import pytest
import sqlalchemy as sa

from marketplace.models import Site
from marketplace.places import MAX_QUERY_CHARS, loader
from tests.conftest import running_app
from tests.helpers import english_client, fresh, sign_in

GAZETTEER = (
    "street,number,postcode,lat,lng,street_sv\n"
    "Kutojantie,6,02630,60.2133,24.7598,\n"
    "Kukkavaasinkatu,3,02630,60.2141,24.7571,\n"
)
SITE = {"name": "Keran hallit", "address": "Kutojantie 6, 02630 Espoo"}


@pytest.fixture
def gazetteer(app):
    loader.load(GAZETTEER.splitlines(True), source="demo")


def client_of(app, user, language="en"):
    client = english_client(app) if language == "en" else app.test_client()
    if language != "en":
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
    sign_in(client, user)
    return client


def sites():
    return fresh().scalars(sa.select(Site)).all()


# --- The JSON endpoint for the form's script ---------------------------------------------------


@pytest.mark.parametrize("who, status", [("resident", 403), ("city", 403), ("builder", 200)])
def test_only_builders_may_search_addresses(app, make, gazetteer, who, status):
    client = client_of(app, getattr(make, who)())
    response = client.get("/sites/places", query_string={"q": "Kutojantie 6"})
    assert response.status_code == status


def test_signed_out_visitors_are_sent_to_sign_in(app, gazetteer):
    response = app.test_client().get("/sites/places", query_string={"q": "Kutojantie 6"})
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_an_address_in_the_gazetteer_comes_back_with_its_point_and_source(app, make, gazetteer):
    client = client_of(app, make.builder())
    response = client.get("/sites/places", query_string={"q": "kutojantie 6"})
    assert response.json == {
        "places": [
            {"label": "Kutojantie 6, 02630", "lat": 60.2133, "lng": 24.7598, "source": "demo"}
        ]
    }
    missing = client.get("/sites/places", query_string={"q": "Kutojantie 7"})
    assert missing.status_code == 200 and missing.json == {"places": []}


@pytest.mark.parametrize(
    "query, message",
    [
        ("", "Type a street name and number first"),
        ("   ", "Type a street name and number first"),
        ("K" * (MAX_QUERY_CHARS + 1), f"Use at most {MAX_QUERY_CHARS} characters."),
        ("Kutojantie 6" * 5000, f"Use at most {MAX_QUERY_CHARS} characters."),
        ("Kutojantie\x006", "Remove the control characters"),
    ],
)
def test_empty_huge_or_odd_input_is_a_400_with_a_message(app, make, gazetteer, query, message):
    client = client_of(app, make.builder())
    response = client.get("/sites/places", query_string={"q": query})
    assert response.status_code == 400
    assert response.json["error"]["code"] == "bad_request"
    assert message in response.json["error"]["message"]


def test_no_query_parameter_at_all_is_a_400(app, make):
    response = client_of(app, make.builder()).get("/sites/places")
    assert response.status_code == 400 and response.json["error"]["code"] == "bad_request"


def test_address_searches_are_rate_limited_per_person_but_saving_is_not(tmp_path, make):
    with running_app(tmp_path, RATELIMIT_ENABLED=True, PLACE_SEARCH_LIMIT="2/minute") as app:
        client = client_of(app, make.builder())
        for _ in range(3):  # page views do not count
            assert client.get("/sites/new").status_code == 200
        statuses = [
            client.get("/sites/places", query_string={"q": "Kutojantie"}).status_code,
            client.post("/sites/new", data={**SITE, "find_place": "1"}).status_code,
            client.get("/sites/places", query_string={"q": "Kutojantie"}).status_code,
        ]
        assert statuses == [200, 200, 429]
        saved = client.post("/sites/new", data={**SITE, "lat": "60,2133", "lng": "24,7598"})
        assert saved.status_code == 302
        other = client_of(app, make.builder())  # another builder has a budget of their own
        assert other.get("/sites/places", query_string={"q": "Kutojantie"}).status_code == 200


# --- The form without JavaScript ----------------------------------------------------------------


def test_find_the_address_lists_choices_and_keeps_what_was_typed(app, make, gazetteer):
    client = client_of(app, make.builder())
    page = client.post(
        "/sites/new", data={**SITE, "pickup_instructions": "Gate B", "find_place": "1"}
    )
    assert page.status_code == 200
    assert "Choose the right address:" in page.text
    assert 'name="use_place" value="60.2133|24.7598|Kutojantie 6, 02630"' in page.text
    assert "Source: demo" in page.text
    assert "Gate B</textarea>" in page.text and 'value="Keran hallit"' in page.text
    assert sites() == []  # searching does not save


def test_choosing_a_place_fills_the_coordinates_in_the_readers_notation(app, make, gazetteer):
    client = client_of(app, make.builder(locale="fi"), language="fi")
    page = client.post("/sites/new", data={**SITE, "use_place": "60.2133|24.7598|Kutojantie 6"})
    assert page.status_code == 200 and sites() == []
    assert re.search(r'id="lat"[^>]*value="60,2133"', page.text)
    assert re.search(r'id="lng"[^>]*value="24,7598"', page.text)
    assert "Kutojantie 6" in page.text
    saved = client.post("/sites/new", data={**SITE, "lat": "60,2133", "lng": "24,7598"})
    assert saved.status_code == 302
    assert [(s.lat, s.lng) for s in sites()] == [(60.2133, 24.7598)]


@pytest.mark.parametrize("value", ["nan|nan|x", "inf|24.7|x", "60.2|", "garbage"])
def test_a_forged_choice_fills_nothing(app, make, value):
    client = client_of(app, make.builder())
    page = client.post("/sites/new", data={**SITE, "use_place": value})
    assert page.status_code == 200
    assert "Choose one of the addresses found." in page.text
    assert sites() == []


def test_an_address_not_in_the_gazetteer_is_not_found(app, make, gazetteer):
    client = client_of(app, make.builder())
    page = client.post("/sites/new", data={**SITE, "address": "Kutojantie 7", "find_place": "1"})
    assert page.status_code == 200
    assert "No address found for “Kutojantie 7”." in page.text
    assert 'name="use_place"' not in page.text


def test_the_edit_page_finds_addresses_too(app, make, gazetteer):
    builder = make.builder()
    site = make.site(builder)
    client = client_of(app, builder)
    page = client.post(
        f"/sites/{site.id}/edit",
        data={"name": site.name, "address": "Kukkavaasinkatu 3", "find_place": "1"},
    )
    assert page.status_code == 200
    assert 'value="60.2141|24.7571|Kukkavaasinkatu 3, 02630"' in page.text


# --- Typed coordinates ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "lat, lng, stored",
    [("60,2170", "24,7539", (60.217, 24.7539)), ("60.2170", "24.7539", (60.217, 24.7539))],
)
def test_coordinates_are_read_with_a_comma_or_a_point(app, make, lat, lng, stored):
    client = client_of(app, make.builder(locale="fi"), language="fi")
    assert client.post("/sites/new", data={**SITE, "lat": lat, "lng": lng}).status_code == 302
    assert [(s.lat, s.lng) for s in sites()] == [pytest.approx(stored)]


@pytest.mark.parametrize(
    "lat, lng, field, message",
    [
        ("602170", "24,7539", "lat", "Enter a latitude in Finland, from 59.4 to 70.1"),
        ("60,2170", "247539", "lng", "Enter a longitude in Finland, from 19 to 31.6"),
        ("-60,2", "24,7539", "lat", "Enter a latitude in Finland"),
        ("24,7539", "60,2170", "lat", "Latitude and longitude seem to be the wrong way round"),
    ],
)
def test_a_point_outside_finland_is_a_clear_field_error(app, make, lat, lng, field, message):
    client = client_of(app, make.builder())
    page = client.post("/sites/new", data={**SITE, "lat": lat, "lng": lng})
    assert page.status_code == 422
    error = re.search(rf'<p class="error" id="{field}-error">([^<]*)</p>', page.text)
    assert error and message in error.group(1)
    assert sites() == []


def test_the_hints_give_kera_in_the_readers_notation(app, make):
    page = client_of(app, make.builder(locale="fi"), language="fi").get("/sites/new")
    assert "esim. 60,2161" in page.text or "e.g. 60,2161" in page.text
    assert "60.2161" not in page.text.split('id="lat-hint"')[1][:60]


# --- The site table on a phone -----------------------------------------------------------------


def test_the_site_table_stacks_with_its_column_names_on_a_phone(app, make):
    builder = make.builder()
    make.site(builder, name="Keran hallit")
    page = client_of(app, builder).get("/sites/")
    assert '<table class="responsive">' in page.text
    assert '<td data-label="Name">Keran hallit</td>' in page.text
