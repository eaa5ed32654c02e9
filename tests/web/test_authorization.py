"""Who may do what: one table of (role, method, path, expected status) over pages and the API.

Pages: anonymous visitors are sent to /login, a wrong role gets 403, another organisation's listing
or site on a management route is 404. API (Bearer tokens): 401 / 403 / 404 as in the contract.
"""

import io
import re
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from PIL import Image
from werkzeug.datastructures import MultiDict

from marketplace.extensions import db
from marketplace.models import ApiToken, FactorSet, Listing, OutboxMessage
from marketplace.services import accounts, photos, reservations, saved_searches, survey_import
from marketplace.services import wanted as wanted_posts
from tests import factories
from tests.factories import PASSWORD

ROLES = ("anonymous", "resident", "other_builder", "owner", "city")
LOGIN = "login"  # expected: a redirect to the sign-in page
DETAIL = "detail"  # expected: a redirect to the listing page

# path -> expected result for (anonymous, resident, builder of another organisation,
# owner builder, city)
TABLE = {
    ("GET", "/"): (200, 200, 200, 200, 200),
    ("GET", "/listings/{listing}"): (200, 200, 200, 200, 200),
    ("GET", "/listings/new"): (LOGIN, 403, 200, 200, 403),
    ("POST", "/listings/new"): (LOGIN, 403, 422, 422, 403),
    ("GET", "/listings/{listing}/edit"): (LOGIN, 403, 404, 200, 403),
    ("GET", "/listings/{listing}/withdraw"): (LOGIN, 403, 404, 200, 403),
    ("POST", "/listings/{listing}/withdraw"): (LOGIN, 403, 404, DETAIL, 403),
    ("GET", "/listings/mine"): (LOGIN, 403, 200, 200, 403),
    ("GET", "/sites/"): (LOGIN, 403, 200, 200, 200),
    ("GET", "/sites/new"): (LOGIN, 403, 200, 200, 403),
    ("GET", "/sites/{site}/edit"): (LOGIN, 403, 404, 200, 403),
    ("GET", "/sites/places"): (LOGIN, 403, 400, 400, 403),  # builders' address search; no ?q=
    ("GET", "/account"): (LOGIN, 200, 200, 200, 200),
    ("GET", "/account/tokens"): (LOGIN, 200, 200, 200, 200),
    ("GET", "/account/password"): (LOGIN, 200, 200, 200, 200),
    ("GET", "/api/v1/me"): (401, 200, 200, 200, 200),
    ("GET", "/api/v1/sites"): (401, 403, 200, 200, 200),
    ("POST", "/api/v1/sites"): (401, 403, 201, 201, 403),
    ("GET", "/api/v1/sites/{site}"): (401, 403, 404, 200, 200),
    ("POST", "/api/v1/listings"): (401, 403, 422, 201, 403),  # the body names the owner's site
    ("PATCH", "/api/v1/listings/{listing}"): (401, 403, 404, 200, 403),
    ("DELETE", "/api/v1/listings/{listing}"): (401, 403, 404, 200, 403),
    # Reservations (the resident holds one on the owner's listing), pickups, notifications,
    # searches.
    ("GET", "/reservations"): (LOGIN, 200, 200, 200, 200),
    ("GET", "/reservations/selling"): (LOGIN, 403, 200, 200, 403),
    ("GET", "/pickups"): (LOGIN, 403, 200, 200, 403),
    ("POST", "/pickups"): (LOGIN, 403, 422, 422, 403),  # no code typed: the field's error
    ("GET", "/reservations/{reservation}"): (LOGIN, 200, 404, 200, 200),
    ("POST", "/reservations/{reservation}/cancel"): (LOGIN, 302, 404, 302, 404),
    ("POST", "/reservations/{reservation}/collect"): (LOGIN, 403, 404, 302, 403),
    ("POST", "/reservations/{reservation}/no-show"): (LOGIN, 403, 404, 302, 403),
    # Messages about a reservation (issue 13): the two sides write, city staff only read; an
    # empty page form is shown again with its error (422).
    ("POST", "/reservations/{reservation}/messages"): (LOGIN, 422, 404, 422, 403),
    ("POST", "/listings/{listing}/reserve"): (LOGIN, 422, 422, 403, 422),
    ("GET", "/listings/{listing}/events"): (LOGIN, 404, 404, 200, 200),
    ("GET", "/notifications/"): (LOGIN, 200, 200, 200, 200),
    ("GET", "/searches/"): (LOGIN, 200, 200, 200, 200),
    ("GET", "/account/payouts"): (LOGIN, 403, 200, 200, 403),
    ("GET", "/staff/"): (LOGIN, 403, 403, 403, 200),
    ("GET", "/staff/outbox"): (LOGIN, 403, 403, 403, 200),
    ("GET", "/api/v1/reservations"): (401, 200, 200, 200, 200),
    ("GET", "/api/v1/reservations/{reservation}"): (401, 200, 404, 200, 200),
    ("POST", "/api/v1/reservations/{reservation}/cancel"): (401, 200, 404, 200, 404),
    ("POST", "/api/v1/reservations/{reservation}/collect"): (401, 404, 404, 200, 404),
    ("GET", "/api/v1/reservations/{reservation}/messages"): (401, 200, 404, 200, 200),
    ("POST", "/api/v1/reservations/{reservation}/messages"): (401, 201, 404, 201, 403),
    ("POST", "/api/v1/listings/{listing}/reservations"): (401, 201, 201, 403, 201),
    ("GET", "/api/v1/impact/handovers.csv"): (401, 403, 403, 403, 200),
    ("GET", "/api/v1/payments.csv"): (401, 403, 403, 403, 200),
    # Signing in and the account. A POST without its fields re-renders the form (422) or goes
    # back (302).
    ("GET", "/login"): (200, 302, 302, 302, 302),
    ("POST", "/login"): (422, 302, 302, 302, 302),
    ("GET", "/signup"): (200, 302, 302, 302, 302),
    ("POST", "/signup"): (422, 302, 302, 302, 302),
    ("POST", "/logout"): (302, 302, 302, 302, 302),  # anonymous: home
    ("POST", "/account"): (LOGIN, 422, 422, 422, 422),
    ("POST", "/account/password"): (LOGIN, 422, 422, 422, 422),
    ("POST", "/account/logout-everywhere"): (LOGIN, 302, 302, 302, 302),
    ("POST", "/account/tokens"): (LOGIN, 200, 200, 200, 200),  # shows the new token once
    ("POST", "/account/tokens/{token}/revoke"): (LOGIN, 404, 404, 302, 404),  # the owner's token
    ("POST", "/language"): (302, 302, 302, 302, 302),
    # Public pages and files.
    ("GET", "/accessibility"): (200, 200, 200, 200, 200),
    ("GET", "/search/sites"): (200, 200, 200, 200, 200),  # the result map's markers
    ("GET", "/impact/"): (200, 200, 200, 200, 200),
    ("GET", "/media/{media}"): (200, 200, 200, 200, 200),
    ("GET", "/static/css/site.css"): (200, 200, 200, 200, 200),
    # Listing and site management by form.
    ("POST", "/listings/{listing}/edit"): (LOGIN, 403, 404, 422, 403),
    ("POST", "/listings/{listing}/photos"): (LOGIN, 403, 404, 302, 403),
    ("POST", "/listings/{listing}/photos/{photo}/delete"): (LOGIN, 403, 404, 302, 403),
    ("POST", "/sites/new"): (LOGIN, 403, 422, 422, 403),
    ("POST", "/sites/{site}/edit"): (LOGIN, 403, 404, 422, 403),
    # Notifications, saved searches (the resident's), payments (offline mode in the tests).
    ("POST", "/notifications/read"): (LOGIN, 302, 302, 302, 302),
    ("POST", "/searches/"): (LOGIN, 302, 302, 302, 302),
    ("POST", "/searches/{search}/delete"): (LOGIN, 302, 404, 404, 404),
    ("POST", "/reservations/{reservation}/pay"): (
        LOGIN,
        302,
        404,
        404,
        404,
    ),  # offline: back, with a message
    ("GET", "/payments/return"): (LOGIN, 404, 404, 404, 404),
    ("POST", "/account/payouts/start"): (
        LOGIN,
        403,
        302,
        302,
        403,
    ),  # offline: back, with a message
    ("GET", "/account/payouts/return"): (LOGIN, 403, 404, 404, 403),
    ("POST", "/webhooks/stripe"): (404, 404, 404, 404, 404),
    # City staff.
    ("GET", "/staff/listings"): (LOGIN, 403, 403, 403, 200),
    ("GET", "/staff/listings/{listing}/hide"): (LOGIN, 403, 403, 403, 200),
    ("POST", "/staff/listings/{listing}/hide"): (LOGIN, 403, 403, 403, 422),
    ("POST", "/staff/listings/{listing}/unhide"): (LOGIN, 403, 403, 403, 302),
    ("GET", "/staff/organisations"): (LOGIN, 403, 403, 403, 200),
    ("GET", "/staff/organisations/{org}/verify"): (LOGIN, 403, 403, 403, 302),  # verified already
    ("POST", "/staff/organisations/{org}/verify"): (LOGIN, 403, 403, 403, 302),
    ("POST", "/staff/organisations/{org}/unverify"): (LOGIN, 403, 403, 403, 302),
    ("POST", "/staff/outbox/{message}/retry"): (LOGIN, 403, 403, 403, 302),
    ("GET", "/staff/report"): (LOGIN, 403, 403, 403, 200),
    ("GET", "/staff/waste-report"): (LOGIN, 403, 403, 403, 200),
    ("GET", "/staff/targets"): (LOGIN, 403, 403, 403, 200),
    ("POST", "/staff/targets"): (LOGIN, 403, 403, 403, 422),
    ("GET", "/staff/factors"): (LOGIN, 403, 403, 403, 200),
    ("POST", "/staff/factors"): (LOGIN, 403, 403, 403, 422),
    ("GET", "/staff/factors/compare"): (LOGIN, 403, 403, 403, 200),
    ("POST", "/staff/factors/{version}/activate"): (LOGIN, 403, 403, 403, 302),
    ("GET", "/staff/masses"): (LOGIN, 403, 403, 403, 200),
    ("POST", "/staff/masses/{kind}/{handover}/reviewed"): (
        LOGIN,
        403,
        403,
        403,
        404,
    ),  # not on the list
    # A handover (the resident received it): its page with history, and its correction (issue 9).
    ("GET", "/handovers/{handover}"): (LOGIN, 200, 404, 200, 200),
    ("POST", "/handovers/{handover}"): (LOGIN, 403, 404, 422, 422),  # no reason: the form again
    # The rest of the API.
    ("POST", "/api/v1/tokens"): (422, 422, 422, 422, 422),  # e-mail and password missing
    ("GET", "/api/v1/categories"): (200, 200, 200, 200, 200),
    ("GET", "/api/v1/listings"): (200, 200, 200, 200, 200),
    ("GET", "/api/v1/listings/{listing}"): (200, 200, 200, 200, 200),
    ("POST", "/api/v1/listings/{listing}/photos"): (401, 403, 404, 422, 403),
    ("DELETE", "/api/v1/listings/{listing}/photos/{photo}"): (401, 403, 404, 204, 403),
    ("PATCH", "/api/v1/sites/{site}"): (401, 403, 404, 200, 403),
    # Survey imports (issue 11): pages and API; a JSON body without site_id is a 400.
    ("GET", "/imports/sites/{site}"): (LOGIN, 403, 404, 200, 403),
    ("POST", "/imports/sites/{site}"): (LOGIN, 403, 404, 200, 403),
    ("GET", "/imports/"): (LOGIN, 403, 200, 200, 403),
    ("POST", "/imports/{survey}/undo"): (LOGIN, 403, 404, 302, 403),
    ("POST", "/api/v1/imports/survey"): (401, 403, 400, 400, 403),
    ("DELETE", "/api/v1/imports/{survey}"): (401, 403, 404, 200, 403),
    # Handing an unclaimed lot on, and the city's survey totals (issue 11 items 4-5).
    ("GET", "/listings/{listing}/hand-on"): (LOGIN, 403, 404, 200, 403),
    ("POST", "/listings/{listing}/hand-on/extend"): (LOGIN, 403, 404, 422, 403),
    ("POST", "/listings/{listing}/hand-on/open"): (LOGIN, 403, 404, DETAIL, 403),
    ("POST", "/listings/{listing}/hand-on/materiaalitori"): (LOGIN, 403, 404, DETAIL, 403),
    ("GET", "/staff/surveys"): (LOGIN, 403, 403, 403, 200),
    ("GET", "/api/v1/listings/{listing}/hand-off"): (401, 403, 404, 200, 403),
    ("GET", "/api/v1/listings/{listing}/hand-off.csv"): (401, 403, 404, 200, 403),
    ("POST", "/api/v1/listings/{listing}/hand-on"): (401, 403, 404, 200, 403),
    ("GET", "/api/v1/imports/totals"): (401, 403, 403, 403, 200),
    ("GET", "/api/v1/imports/totals.csv"): (401, 403, 403, 403, 200),
    ("POST", "/api/v1/reservations/{reservation}/checkout"): (401, 409, 404, 404, 404),
    ("POST", "/api/v1/reservations/{reservation}/no-show"): (401, 404, 404, 200, 404),
    ("GET", "/api/v1/impact"): (200, 200, 200, 200, 200),
    ("GET", "/api/v1/impact/handovers.json"): (401, 403, 403, 403, 200),
    ("GET", "/api/v1/handovers/{handover}"): (401, 200, 404, 200, 200),
    ("POST", "/api/v1/handovers/{handover}/corrections"): (401, 403, 404, 201, 201),
    ("GET", "/api/v1/impact/waste-report"): (401, 403, 403, 403, 200),
    ("GET", "/api/v1/impact/waste-report.csv"): (401, 403, 403, 403, 200),
    ("GET", "/api/v1/open-data/impact"): (200, 200, 200, 200, 200),
    ("GET", "/api/v1/open-data/impact.csv"): (200, 200, 200, 200, 200),
    ("GET", "/api/v1/openapi.json"): (200, 200, 200, 200, 200),
    ("GET", "/api/v1/organizations/{org}"): (200, 200, 200, 200, 200),  # verified: public
    ("POST", "/api/v1/organizations/{org}/verify"): (401, 403, 403, 403, 200),
    # Accounts and privacy (issue 9): links with a token work for whoever holds a valid one; an
    # invalid token is 400 for everyone. A POST without its fields re-renders the form (422).
    ("GET", "/privacy"): (200, 200, 200, 200, 200),
    ("GET", "/password/forgot"): (200, 200, 200, 200, 200),
    ("POST", "/password/forgot"): (422, 422, 422, 422, 422),
    ("GET", "/password/reset/{link}"): (400, 400, 400, 400, 400),
    ("POST", "/password/reset/{link}"): (400, 400, 400, 400, 400),
    ("GET", "/account/confirm/{link}"): (400, 400, 400, 400, 400),
    ("POST", "/account/confirm/{link}"): (400, 400, 400, 400, 400),
    ("POST", "/account/confirm/resend"): (LOGIN, 302, 302, 302, 302),
    ("GET", "/account/email"): (LOGIN, 200, 200, 200, 200),
    ("POST", "/account/email"): (LOGIN, 422, 422, 422, 422),
    ("GET", "/account/email/confirm/{link}"): (400, 400, 400, 400, 400),
    ("POST", "/account/email/confirm/{link}"): (400, 400, 400, 400, 400),
    ("GET", "/account/export"): (LOGIN, 200, 200, 200, 200),
    ("GET", "/account/delete"): (LOGIN, 200, 200, 200, 200),
    ("POST", "/account/delete"): (LOGIN, 422, 422, 422, 422),  # no password: nothing deleted
    ("POST", "/api/v1/password-resets"): (422, 422, 422, 422, 422),  # e-mail missing
    ("POST", "/api/v1/password-resets/confirm"): (422, 422, 422, 422, 422),  # token missing
    ("GET", "/api/v1/me/export"): (401, 200, 200, 200, 200),
    ("DELETE", "/api/v1/me"): (401, 422, 422, 422, 422),  # password missing
    # Operations: probes for anyone; /metrics from loopback when METRICS_TOKEN is unset.
    ("GET", "/healthz"): (200, 200, 200, 200, 200),
    ("GET", "/readyz"): (200, 200, 200, 200, 200),  # degraded (no worker) is still ready
    ("GET", "/metrics"): (200, 200, 200, 200, 200),
    # Wanted posts (issue 10): any confirmed account posts; only the poster (here the owner
    # builder) edits and closes; a POST without its fields re-renders the form (422).
    ("GET", "/wanted/"): (200, 200, 200, 200, 200),
    ("GET", "/wanted/mine"): (LOGIN, 200, 200, 200, 200),
    ("GET", "/wanted/new"): (LOGIN, 200, 200, 200, 200),
    ("POST", "/wanted/new"): (LOGIN, 422, 422, 422, 422),
    ("GET", "/wanted/{wanted}"): (200, 200, 200, 200, 200),
    ("GET", "/wanted/{wanted}/edit"): (LOGIN, 404, 404, 200, 404),
    ("POST", "/wanted/{wanted}/edit"): (LOGIN, 404, 404, 422, 404),
    ("POST", "/wanted/{wanted}/close"): (LOGIN, 404, 404, 302, 404),
    ("POST", "/api/v1/wanted"): (401, 201, 201, 201, 201),
    ("GET", "/api/v1/wanted"): (200, 200, 200, 200, 200),
    ("GET", "/api/v1/wanted/{wanted}"): (200, 200, 200, 200, 200),
    ("PATCH", "/api/v1/wanted/{wanted}"): (401, 403, 403, 200, 403),
    ("DELETE", "/api/v1/wanted/{wanted}"): (401, 403, 403, 200, 403),
    ("GET", "/api/v1/wanted/{wanted}/matches"): (401, 404, 404, 200, 200),
    # The owner's bundle holds the owner's own organisation's lot: refused, nothing reserved.
    ("POST", "/api/v1/wanted/{wanted}/reserve"): (401, 404, 404, 409, 404),
    ("GET", "/api/v1/listings/{listing}/wanted"): (401, 404, 404, 200, 404),
    ("POST", "/wanted/{wanted}/reserve"): (LOGIN, 404, 404, 302, 404),
}

API_CODES = {401: "unauthenticated", 403: "forbidden", 404: "not_found", 422: "validation_failed"}

CASES = [
    pytest.param(role, method, path, expected[i], id=f"{role}-{method}-{path}")
    for (method, path), expected in TABLE.items()
    for i, role in enumerate(ROLES)
]


@pytest.fixture
def world(app):
    """Everyone in the table, the owner's site and listing, and an API token per signed-in role."""
    owner = factories.builder(email="owner@example.com")
    users = {
        "resident": factories.resident(email="resident@example.com"),
        "other_builder": factories.builder(email="other@example.com"),
        "owner": owner,
        "city": factories.city(email="city@example.com"),
    }
    site = factories.site(owner)
    factories.site(users["other_builder"])
    listing = factories.listing(owner, site_=site)
    reservation = reservations.reservation_create(
        user_id=users["resident"].id, listing_id=listing.id, quantity=1
    )
    handed = reservations.reservation_create(
        user_id=users["resident"].id, listing_id=listing.id, quantity=1
    )
    _handed, handover = reservations.reservation_collect(user_id=owner.id, reservation_id=handed.id)
    tokens = {role: accounts.token_create(user_id=user.id)[1] for role, user in users.items()}
    wanted = wanted_posts.wanted_create(
        user_id=owner.id, title="Doors", quantity="4", unit="pcs", needed_by=listing.available_until
    )
    picture = io.BytesIO()
    Image.new("RGB", (64, 48), "brown").save(picture, "JPEG")
    photo = photos.photo_add(user_id=owner.id, listing_id=listing.id, data=picture.getvalue())
    with app.test_request_context():
        survey = survey_import.survey_import(
            user_id=owner.id,
            site_id=site.id,
            dry_run=False,
            data=b"material;quantity;unit\nbrick;5;pcs\n",
            content_type="text/csv",
        ).import_id
    search = saved_searches.saved_search_create(
        user_id=users["resident"].id, name="Tiles", params=MultiDict({"q": "tiili"})
    )
    ids = {
        "listing": listing.id,
        "site": site.id,
        "reservation": reservation.id,
        "photo": photo.id,
        "media": photo.file_key,
        "search": search.id,
        "org": owner.organization_id,
        "token": db.session.scalar(sa.select(ApiToken.id).where(ApiToken.user_id == owner.id)),
        "message": db.session.scalar(sa.select(sa.func.min(OutboxMessage.id))),
        "version": db.session.scalar(sa.select(sa.func.min(FactorSet.id))),
        "handover": handover.id,
        "kind": "handover",
        "survey": survey,
        "link": "not-a-token-we-sent",
        "wanted": wanted.id,
    }
    return {
        "users": users,
        "site": site,
        "listing": listing,
        "tokens": tokens,
        "reservation": reservation,
        "ids": ids,
    }


def _api_body(method, path, world):
    if method == "POST" and path == "/api/v1/sites":
        return {"name": "New yard", "address": "Kerantie 1, Espoo", "lat": 60.217, "lng": 24.755}
    if method == "POST" and path == "/api/v1/listings":
        return {
            "title": "Tiilet",
            "category": "brick",
            "quantity": 10,
            "unit": "pcs",
            "condition": "good",
            "site_id": world["site"].id,
        }
    if method == "POST" and path == "/api/v1/wanted":
        return {
            "title": "Bricks",
            "quantity": "100",
            "unit": "pcs",
            "needed_by": str(world["listing"].available_until),
        }
    if method == "PATCH" and "/sites/" in path:
        return {"name": "Renamed yard"}
    if method == "PATCH":
        return {"title": "Renamed lot"}
    if (method, path) in (
        ("POST", "/api/v1/tokens"),
        ("POST", "/api/v1/password-resets"),
        ("POST", "/api/v1/password-resets/confirm"),
        ("DELETE", "/api/v1/me"),
    ):
        return {}
    if path.endswith("/wanted/{wanted}/reserve"):
        return {"items": [{"listing_id": world["listing"].id, "quantity": 1}]}
    if path.endswith("/reservations"):
        return {"quantity": 1}
    if path.endswith("/messages"):
        return {"body": "Olen portilla"}
    if path.endswith("/corrections"):
        return {"reason": "Weighed at the gate", "mass_kg": 2.5}
    return None


@pytest.mark.parametrize("role, method, path, expected", CASES)
def test_authorization(app, world, role, method, path, expected):
    url = path.format(**world["ids"])
    client = app.test_client()
    if url.startswith("/api/"):
        headers = (
            {} if role == "anonymous" else {"Authorization": f"Bearer {world['tokens'][role]}"}
        )
        if path.endswith("/photos"):  # multipart, but without the photo: 422 for the owner
            response = client.open(
                url,
                method=method,
                headers=headers,
                data={"alt": "A lot"},
                content_type="multipart/form-data",
            )
        else:
            response = client.open(
                url, method=method, headers=headers, json=_api_body(method, path, world)
            )
        assert response.status_code == expected
        if expected in API_CODES:
            assert response.get_json()["error"]["code"] == API_CODES[expected]
        return
    if role != "anonymous":
        email = world["users"][role].email
        assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 302
    response = client.open(url, method=method, data={} if method == "POST" else None)
    if expected == 302:  # a form posted without its fields: back with a message
        assert response.status_code == 302 and "/login" not in response.headers["Location"]
    elif expected == LOGIN:
        assert response.status_code == 302
        assert urlsplit(response.headers["Location"]).path == "/login"
    elif expected == DETAIL:
        assert response.status_code == 302
        assert response.headers["Location"] == f"/listings/{world['listing'].id}"
    else:
        assert response.status_code == expected


def test_table_covers_every_role_for_every_route(app):
    assert all(len(expected) == len(ROLES) for expected in TABLE.values())
    assert len(CASES) == len(TABLE) * len(ROLES)
    in_table = {(method, re.sub(r"\{\w+\}", "<>", path)) for method, path in TABLE}
    in_table |= {(method, "/static/<>") for method, path in TABLE if path.startswith("/static/")}
    routes = {
        (method, re.sub(r"<[^>]+>", "<>", rule.rule))
        for rule in app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert routes - in_table == set(), "routes without a row in the table"


def test_refused_api_requests_change_nothing(app, world):
    client = app.test_client()
    listing_id = world["listing"].id
    for role in ("resident", "other_builder", "city"):
        headers = {"Authorization": f"Bearer {world['tokens'][role]}"}
        client.patch(f"/api/v1/listings/{listing_id}", headers=headers, json={"title": "Hijacked"})
        client.delete(f"/api/v1/listings/{listing_id}", headers=headers)
    db.session.rollback()
    stored = db.session.get(Listing, listing_id)
    assert stored.title == "Punatiili MRT75" and stored.status in ("available", "reserved")
