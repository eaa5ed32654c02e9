"""Still installed (issue 11 item 2): a listing whose available_from lies in the future says so,
is found by date, takes reservations only for pickups from that date, and its reservers are told
when the builder moves the date later."""

from datetime import date, datetime, timedelta

import sqlalchemy as sa

from marketplace import clock
from marketplace.clock import HELSINKI
from marketplace.models import Notification
from tests.helpers import assert_error, bearer_header, deliver, english_client, fresh, sign_in

FROM = date(2026, 12, 7)  # a Monday, a week after the tests' today (Monday 30 November)


def _installed(make, **overrides):
    seller = make.builder()
    listing = make.listing(
        seller,
        title="Sisäovi tammi",
        available_from=FROM,
        available_until=FROM + timedelta(days=20),
        **overrides,
    )
    return seller, listing


def _pickup(day: date, hour: int = 10) -> str:
    return datetime(day.year, day.month, day.day, hour, tzinfo=HELSINKI).isoformat()


def _reserve(client, user, listing_id, **body):
    return client.post(
        f"/api/v1/listings/{listing_id}/reservations",
        json={"quantity": "1", **body},
        headers=bearer_header(user, "en"),
    )


def test_a_pickup_before_the_date_is_refused_with_a_field_error(client, make):
    _seller, listing = _installed(make)
    response = _reserve(client, make.resident(), listing.id, pickup_at=_pickup(date(2026, 12, 3)))
    error = assert_error(response, 422, fields=["pickup_at"])
    assert "Still installed" in error["fields"]["pickup_at"]
    assert "7 Dec 2026" in error["fields"]["pickup_at"]


def test_a_pickup_from_the_date_is_accepted(client, make):
    _seller, listing = _installed(make)
    response = _reserve(
        client, make.resident(), listing.id, pickup_at=_pickup(FROM + timedelta(days=1))
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.get_json()["pickup_at"].startswith("2026-12-08T08:00")


def test_a_hold_without_a_pickup_time_is_refused_while_installed(client, make):
    _seller, listing = _installed(make)
    error = assert_error(_reserve(client, make.resident(), listing.id), 422, fields=["pickup_at"])
    assert "Still installed" in error["fields"]["pickup_at"]
    ordinary = make.listing(make.builder())
    assert _reserve(client, make.resident(), ordinary.id).status_code == 201


def test_the_api_says_still_installed_until_the_date(client, make):
    _seller, listing = _installed(make)
    body = client.get(f"/api/v1/listings/{listing.id}").get_json()
    assert body["still_installed"] is True and body["available_from"] == "2026-12-07"
    clock.set(datetime(2026, 12, 7, 8, 0, tzinfo=HELSINKI))
    assert client.get(f"/api/v1/listings/{listing.id}").get_json()["still_installed"] is False


def test_found_by_date_on_the_search_api_and_page(app, make):
    client = english_client(app)
    _seller, listing = _installed(make)
    deliver()
    found = client.get("/api/v1/listings?available_on=2026-12-01").get_json()
    assert listing.id not in {hit["id"] for hit in found["hits"]}
    found = client.get("/api/v1/listings?available_on=2026-12-09").get_json()
    hit = next(hit for hit in found["hits"] if hit["id"] == listing.id)
    assert hit["still_installed"] is True
    page = client.get("/?available_on=2026-12-09").get_data(as_text=True)
    assert f"/listings/{listing.id}" in page
    assert "Still installed — available from 7 Dec 2026" in page
    assert f"/listings/{listing.id}" not in client.get("/?available_on=2026-12-01").get_data(
        as_text=True
    )


def test_the_listing_page_says_still_installed(app, make):
    client = english_client(app)
    _seller, listing = _installed(make)
    page = client.get(f"/listings/{listing.id}").get_data(as_text=True)
    assert "Still installed — available from 7 Dec 2026" in page


def test_moving_the_date_later_tells_the_reservers_whose_pickup_falls_before(app, client, make):
    seller, listing = _installed(make)
    early, late = make.resident(), make.resident()
    assert _reserve(client, early, listing.id, pickup_at=_pickup(FROM)).status_code == 201
    assert (
        _reserve(client, late, listing.id, pickup_at=_pickup(date(2026, 12, 16))).status_code == 201
    )
    response = client.patch(
        f"/api/v1/listings/{listing.id}",
        json={"available_from": "2026-12-14"},
        headers=bearer_header(seller),
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    deliver()
    told = (
        fresh()
        .scalars(sa.select(Notification).where(Notification.kind == "listing.available_from_moved"))
        .all()
    )
    assert [(n.user_id, n.data["available_from"]) for n in told] == [(early.id, "2026-12-14")]
    reader = english_client(app)
    sign_in(reader, early)
    page = reader.get("/notifications/").get_data(as_text=True)
    assert "is still installed until 14 Dec 2026: choose a new pickup time" in page


def test_moving_the_date_on_the_edit_form_is_possible(client, auth, make):
    seller, listing = _installed(make)
    auth.login(seller)
    page = client.get(f"/listings/{listing.id}/edit")
    assert page.status_code == 200
    assert 'name="public_from"' in page.get_data(as_text=True)
