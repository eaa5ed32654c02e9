"""Issue 15, "no request makes a 500": each finding as a regression test by its request (the
F-cases), on SQLite and, with TEST_DATABASE_URL, on PostgreSQL. Ids beyond 2^63-1 in every
`<int:…>` route and in the city report's filters, a distance sort over a category with no
listings, deeply nested or oversized JSON on every kind of JSON reader. The generic guard of
errorhandlers.py is tested in test_hardening_guard.py."""

import json
import tempfile

import pytest

from marketplace import create_app, outbox
from marketplace.client_input import MAX_ID, MAX_JSON_BYTES, MAX_JSON_NESTING
from marketplace.config import TestConfig
from marketplace.services import accounts
from tests import factories

HUGE_IDS = ["2147483648", "9223372036854775808", str(10**30)]  # past PostgreSQL's and SQLite's ids
DEEP = "[" * 1000 + "]" * 1000  # about 2 kB, 1,000 levels
PASSWORD = factories.PASSWORD


def _int_rules() -> list[tuple[str, str]]:
    """(rule, method) for every URL rule with an `<int:…>` part, read from a freshly built app."""
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(
            TestConfig(
                INSTANCE_DIR=tmp,
                SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp}/r.sqlite3",
                UPLOAD_DIR=f"{tmp}/uploads",
                SEARCH_DB_PATH=f"{tmp}/s.sqlite3",
            )
        )
        return sorted(
            (rule.rule, method)
            for rule in app.url_map.iter_rules()
            for method in rule.methods - {"HEAD", "OPTIONS"}
            if "<int:" in rule.rule
        )


INT_RULES = _int_rules()


class World:
    """A builder with a site and a listing, a resident and a city official, each with a token and
    a signed-in browser."""

    def __init__(self, app):
        self.app = app
        self.builder, self.resident, self.city = (
            factories.builder(),
            factories.resident(),
            factories.city(),
        )
        self.listing = factories.listing(self.builder)
        self.listing_id, self.site_id = self.listing.id, self.listing.site_id
        self.tokens = {
            name: {
                "Authorization": f"Bearer {accounts.token_create(user_id=u.id)[1]}",
                "Accept-Language": "en",
            }
            for name, u in (
                ("builder", self.builder),
                ("resident", self.resident),
                ("city", self.city),
            )
        }
        self.emails = {
            "builder": self.builder.email,
            "resident": self.resident.email,
            "city": self.city.email,
        }

    def browser(self, role=None):
        """A client that reads English, signed in as `role` (or anonymous)."""
        client = self.app.test_client()
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
        if role:
            assert (
                client.post(
                    "/login", data={"email": self.emails[role], "password": PASSWORD}
                ).status_code
                == 302
            )
        return client


@pytest.fixture
def world(any_db):
    return World(any_db)


def error_code(response) -> str:
    assert response.is_json, response.data[:200]
    return response.get_json()["error"]["code"]


# --- F1, F2: an id beyond 2^63-1 in any <int:…> route, page or API -------------------------------


def test_every_int_rule_is_swept():
    """The sweep below covers pages and the API (it would silently shrink if the rules moved)."""
    assert any(rule.startswith("/api/v1/") for rule, _m in INT_RULES)
    assert any(not rule.startswith("/api/") for rule, _m in INT_RULES)
    assert len(INT_RULES) >= 30


@pytest.mark.parametrize("huge", HUGE_IDS)
@pytest.mark.parametrize("rule,method", INT_RULES)
def test_an_id_beyond_bigint_is_not_found_in_every_int_route(world, rule, method, huge):
    """F1 `GET /api/v1/listings/9223372036854775808` and F2 `GET /listings/9223372036854775808`
    (500 before): every <int:…> rule answers 404, as the owner of everything that exists."""
    path = rule
    while "<int:" in path:
        start = path.index("<int:")
        path = path[:start] + huge + path[path.index(">", start) + 1 :]
    if path.startswith("/api/"):
        response = world.app.test_client().open(
            path,
            method=method,
            headers=world.tokens["builder"],
            json={} if method in ("POST", "PATCH") else None,
        )
        assert response.status_code == 404 and error_code(response) == "not_found"
    else:
        response = world.browser("builder").open(path, method=method)
        assert response.status_code == 404 and response.mimetype == "text/html"


def test_the_largest_possible_id_reaches_the_view_and_is_simply_not_found(world):
    """MAX_ID (2^31-1, an INTEGER on PostgreSQL) is a valid id: the view asks the database."""
    client = world.app.test_client()
    response = client.get(f"/api/v1/listings/{MAX_ID}", headers=world.tokens["resident"])
    assert response.status_code == 404 and error_code(response) == "not_found"
    assert world.browser().get(f"/listings/{MAX_ID}").status_code == 404
    assert world.browser().get(f"/listings/000{world.listing_id}").status_code == 200
    assert (
        client.get(
            f"/api/v1/listings/{world.listing_id}", headers=world.tokens["resident"]
        ).status_code
        == 200
    )


# --- F3: the city report's filters -------------------------------------------------------------

REPORTS = [
    "/api/v1/impact/waste-report",
    "/api/v1/impact/waste-report.csv",
    "/api/v1/impact/handovers.json",
]


@pytest.mark.parametrize("value", HUGE_IDS + ["²", "-1", "1e3", " 12x"])
@pytest.mark.parametrize("name", ["site_id", "organization_id"])
@pytest.mark.parametrize("path", REPORTS)
def test_city_report_filters_out_of_range_are_a_400_naming_the_filter(world, path, name, value):
    """F3 `GET /api/v1/impact/waste-report?site_id=9223372036854775808` (500 before; "²" too)."""
    response = world.app.test_client().get(
        path, query_string={name: value}, headers=world.tokens["city"]
    )
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "bad_request" and name in error["fields"]


def test_city_report_filters_in_range_still_filter(world):
    response = world.app.test_client().get(
        "/api/v1/impact/waste-report",
        headers=world.tokens["city"],
        query_string={"site_id": world.site_id},
    )
    assert response.status_code == 200


@pytest.mark.parametrize("name", ["site_id", "organization_id"])
def test_city_report_page_ignores_an_out_of_range_filter(world, name):
    """F3 on the page: `/staff/waste-report?site_id=9223372036854775808` shows the whole report."""
    response = world.browser("city").get("/staff/waste-report", query_string={name: HUGE_IDS[0]})
    assert response.status_code == 200


@pytest.mark.parametrize("value", HUGE_IDS + ["²", "-3"])
def test_pickup_list_with_an_out_of_range_site_shows_the_first_site(world, value):
    """F4 `GET /pickups?site_id=9223372036854775808` as a builder (500 before on SQLite)."""
    response = world.browser("builder").get("/pickups", query_string={"site_id": value})
    assert response.status_code == 200


# --- F5: a distance sort over a category with no listings (fixed in search/ by H-E2) -----------

DISTANCE = {"category": "mixed", "sort": "distance", "lat": "60.16", "lng": "24.74"}


@pytest.fixture
def places(world):
    """Three sites with a brick listing each, indexed: the shortcut only failed comparing two."""
    for i in range(2):
        here = factories.site(
            world.builder, name=f"Place {i}", lat=60.2161 + (i + 1) / 111, lng=24.7539
        )
        factories.listing(world.builder, site_=here, title=f"Punatiili {i}")
    outbox.run_once()
    return world


def test_distance_sort_over_an_empty_category_in_the_api(places):
    """F5 `GET /api/v1/listings?category=mixed&sort=distance&lat=60.16&lng=24.74` (500 before)."""
    client = places.app.test_client()
    response = client.get("/api/v1/listings", query_string=DISTANCE)
    assert response.status_code == 200
    assert response.get_json()["total"] == 0
    brick = client.get("/api/v1/listings", query_string={**DISTANCE, "category": "brick"})
    assert brick.get_json()["total"] == 3


def test_distance_sort_over_an_empty_category_on_the_search_page(places):
    """F5 on the page: `GET /?category=mixed&sort=distance&lat=60.16&lng=24.74` (500 before)."""
    assert places.browser().get("/", query_string=DISTANCE).status_code == 200


# --- F6-F8: deeply nested JSON, on every kind of JSON reader -----------------------------------


def test_deep_json_on_the_anonymous_token_endpoint_is_a_400(world):
    """F6 `POST /api/v1/tokens` with 1,000 levels of nesting, anonymous (500 before)."""
    response = world.app.test_client().post(
        "/api/v1/tokens",
        data=DEEP,
        content_type="application/json",
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 400 and error_code(response) == "bad_request"
    assert str(MAX_JSON_NESTING) in response.get_json()["error"]["message"]


@pytest.mark.parametrize(
    "method,path",
    [
        ("POST", "/api/v1/sites"),
        ("POST", "/api/v1/listings"),
        ("PATCH", "/api/v1/listings/{listing}"),
    ],
)
def test_deep_json_on_a_signed_in_endpoint_is_a_400(world, method, path):
    """F7 `POST /api/v1/sites` (and others) with 1,000 levels, as the builder (500 before)."""
    response = world.app.test_client().open(
        path.format(listing=world.listing_id),
        method=method,
        data=DEEP,
        content_type="application/json",
        headers=world.tokens["builder"],
    )
    assert response.status_code == 400 and error_code(response) == "bad_request"


def test_deep_json_under_a_key_is_a_400_too(world):
    body = '{"email": "a@example.com", "password": ' + "[" * 40 + "]" * 40 + "}"
    response = world.app.test_client().post(
        "/api/v1/tokens", data=body, content_type="application/json"
    )
    assert response.status_code == 400 and error_code(response) == "bad_request"


@pytest.mark.parametrize("path", ["/login", "/signup", "/language", "/listings/new"])
def test_deep_json_posted_to_a_page_form_is_a_400(world, path):
    """F8 `POST /login` with a JSON body of 1,000 levels: Flask-WTF reads JSON bodies as form data
    (500 before)."""
    client = world.browser("builder" if path == "/listings/new" else None)
    response = client.post(path, data=DEEP, content_type="application/json")
    assert response.status_code == 400 and response.mimetype == "text/html"


def test_json_nested_to_the_limit_is_read(world):
    """MAX_JSON_NESTING levels are fine (the body is then refused for its shape, not its depth)."""
    body = (
        '{"email": "a@example.com", "password": "x", "name": '
        + "[" * (MAX_JSON_NESTING - 1)
        + "]" * (MAX_JSON_NESTING - 1)
        + "}"
    )
    response = world.app.test_client().post(
        "/api/v1/tokens", data=body, content_type="application/json"
    )
    assert response.status_code == 422 and "name" in response.get_json()["error"]["fields"]


# --- F9-F11: size and numbers of a JSON body ---------------------------------------------------


def test_a_json_body_over_the_limit_is_a_413(world):
    """F9 a 70 kB JSON body (limit 64 kB) on POST /api/v1/sites."""
    body = json.dumps({"name": "x" * (MAX_JSON_BYTES + 1000)})
    response = world.app.test_client().post(
        "/api/v1/sites", data=body, content_type="application/json", headers=world.tokens["builder"]
    )
    assert response.status_code == 413 and error_code(response) == "payload_too_large"


LISTING = '{"title": "t", "category": "brick", "quantity": 1, "unit": "pcs", "condition": "good", '


@pytest.mark.parametrize(
    "body",
    [
        LISTING + f'"site_id": {10**30}}}',
        LISTING + f'"site_id": {2**63}}}',
        LISTING + '"site_id": 1, "price_cents": 100000000000000000000}',
    ],
)
def test_integers_beyond_64_bits_in_a_body_are_a_400(world, body):
    """F10 `POST /api/v1/listings` with `"site_id": 10^30` (500 before: SQLite cannot bind it)."""
    response = world.app.test_client().post(
        "/api/v1/listings",
        data=body,
        content_type="application/json",
        headers=world.tokens["builder"],
    )
    assert response.status_code == 400 and error_code(response) == "bad_request"


@pytest.mark.parametrize("site_id", [MAX_ID + 1, 2**40, 2**63 - 1, 0, -1])
def test_a_site_id_no_site_can_have_is_a_field_error(world, site_id):
    """F10 `POST /api/v1/listings` with `"site_id": 2^40`: within 64 bits, beyond PostgreSQL's
    INTEGER ids (500 before on PostgreSQL)."""
    body = {
        "title": "t",
        "category": "brick",
        "quantity": 1,
        "unit": "pcs",
        "condition": "good",
        "site_id": site_id,
    }
    response = world.app.test_client().post(
        "/api/v1/listings", json=body, headers=world.tokens["builder"]
    )
    assert response.status_code == 422 and "site_id" in response.get_json()["error"]["fields"]
    response = world.app.test_client().patch(
        f"/api/v1/listings/{world.listing_id}",
        json={"site_id": site_id},
        headers=world.tokens["builder"],
    )
    assert response.status_code == 422 and "site_id" in response.get_json()["error"]["fields"]


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity", "1e400"])
def test_non_finite_numbers_in_a_body_are_a_400(world, value):
    """F11 `POST /api/v1/sites` with `"lat": NaN`: JSON has no such numbers (RFC 8259)."""
    body = '{"name": "N", "address": "Kutojantie 3", "lat": ' + value + ', "lng": 24.75}'
    response = world.app.test_client().post(
        "/api/v1/sites", data=body, content_type="application/json", headers=world.tokens["builder"]
    )
    assert response.status_code == 400 and error_code(response) == "bad_request"


def test_a_real_body_still_works(world):
    response = world.app.test_client().post(
        "/api/v1/sites",
        headers=world.tokens["builder"],
        json={
            "name": "Kera hall",
            "address": "Kutojantie 3",
            "lat": 60.2161,
            "lng": 24.7539,
            "opening_hours": {"mon": ["07:00", "16:00"]},
        },
    )
    assert response.status_code == 201


# --- F12: the Stripe webhook reads its body only after the signature ---------------------------


def test_deep_json_to_the_stripe_webhook_is_refused_by_its_signature(tmp_path):
    """F12 `POST /webhooks/stripe` with 1,000 levels and no valid signature: 400, never parsed."""
    from tests.conftest import make_app

    app = make_app(tmp_path, STRIPE_SECRET_KEY="sk_test_kera", STRIPE_WEBHOOK_SECRET="whsec_kera")
    response = app.test_client().post(
        "/webhooks/stripe",
        data=DEEP,
        content_type="application/json",
        headers={"Stripe-Signature": "t=1,v1=00"},
    )
    assert response.status_code == 400 and error_code(response) == "invalid_signature"
