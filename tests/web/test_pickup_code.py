"""The pickup list at the site gate (issue 13, point 1): a code typed into the field at the top
reaches the hand-over step of the reservation it opens, a wrong one is a field error; today's
pickups come first, then upcoming ones, then the rest."""

import re
from datetime import timedelta

import pytest

from marketplace.models import Reservation
from marketplace.services import reservations as svc

from ..conftest import NOON, running_app
from ..helpers import csrf_token, english_client, fresh, sign_in

TODAY_1300 = NOON.replace(hour=11)  # Monday 13:00 in Helsinki
TOMORROW_0900 = NOON.replace(hour=7) + timedelta(days=1)  # Tuesday 09:00 in Helsinki


@pytest.fixture
def gate(app, make):
    """A builder's site with one reservation for today 13:00 and one without a time."""
    seller = make.builder()
    site = make.site(seller)
    bricks = make.listing(seller, site_=site, title="Punatiili MRT75", quantity="100")
    doors = make.listing(seller, site_=site, title="Puuovi 9x21", quantity="4")
    taker = make.resident()
    today = svc.reservation_create(
        user_id=taker.id, listing_id=bricks.id, quantity="30", pickup_at=TODAY_1300
    )
    hold = svc.reservation_create(user_id=taker.id, listing_id=doors.id, quantity="1")
    return seller, site, today, hold


def builder_client(app, user):
    client = english_client(app)
    sign_in(client, user)
    return client


def test_the_code_field_comes_before_the_list_and_allows_the_camera(app, gate):
    seller, site, today, hold = gate
    page = builder_client(app, seller).get("/pickups")
    assert page.status_code == 200
    text = page.text
    assert 'id="pickup-code"' in text and 'name="code"' in text
    assert text.index('id="pickup-code"') < text.index("Punatiili MRT75")
    assert 'action="/pickups?site_id=' in text and 'method="post"' in text
    assert "data-scan-start hidden" in text  # shown by scan.js only where a detector exists
    assert "camera=(self)" in page.headers["Permissions-Policy"]
    assert today.code not in text and hold.code not in text  # the taker shows the code


@pytest.mark.parametrize("typed", ["{code}", " {lower} "])
def test_a_valid_code_reaches_the_handover_step(app, gate, typed):
    seller, site, today, hold = gate
    client = builder_client(app, seller)
    step = client.post(
        f"/pickups?site_id={site.id}",
        data={"code": typed.format(code=today.code, lower=today.code.lower())},
    )
    assert step.status_code == 200
    assert "Hand over" in step.text and "Punatiili MRT75" in step.text
    assert f'action="/reservations/{today.id}/collect"' in step.text
    assert re.search(rf'id="code-{today.id}"[^>]*value="{today.code}"', step.text)
    assert "Puuovi 9x21" not in step.text  # only the reservation the code opens
    # ...and the handover is confirmed there, through the existing collect step
    back = f"/pickups?site_id={site.id}"
    done = client.post(f"/reservations/{today.id}/collect", data={"code": today.code, "back": back})
    assert done.status_code == 302 and done.headers["Location"] == back
    assert fresh().get(Reservation, today.id).status == "collected"


@pytest.mark.parametrize(
    ("typed", "error"),
    [
        ("ZZZZZZ", "No open reservation at your sites has this pickup code."),
        ("", "This field is required."),
        ("ABCDEFGHIJ", "Field cannot be longer than 8 characters."),
    ],
)
def test_a_wrong_code_is_a_field_error_on_the_list(app, gate, typed, error):
    seller, site, today, hold = gate
    response = builder_client(app, seller).post("/pickups", data={"code": typed})
    assert response.status_code == 422
    assert f'<p class="error" id="pickup-code-error">{error}</p>' in response.text
    assert re.search(r'<input[^>]*aria-invalid="true"[^>]*id="pickup-code"', response.text)
    assert "Punatiili MRT75" in response.text  # the list is still there
    assert fresh().get(Reservation, today.id).status == "confirmed"


def test_codes_of_other_organisations_and_closed_reservations_are_not_found(app, gate, make):
    seller, site, today, hold = gate
    outsider = make.builder()
    make.site(outsider)
    refused = builder_client(app, outsider).post("/pickups", data={"code": today.code})
    assert refused.status_code == 422 and "Punatiili" not in refused.text
    svc.reservation_cancel(user_id=seller.id, reservation_id=hold.id)
    gone = builder_client(app, seller).post("/pickups", data={"code": hold.code})
    assert gone.status_code == 422 and "Hand over" not in gone.text


@pytest.mark.parametrize("role", ["anonymous", "resident", "city"])
def test_only_builders_use_the_code_field(app, make, role):
    client = english_client(app)
    if role != "anonymous":
        sign_in(client, getattr(make, role)())
    response = client.post("/pickups", data={"code": "ABCDEF"})
    if role == "anonymous":
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    else:
        assert response.status_code == 403


def test_the_code_field_needs_the_csrf_token(tmp_path, make):
    with running_app(tmp_path, WTF_CSRF_ENABLED=True) as app:
        seller = make.builder()
        make.site(seller)
        client = english_client(app)
        sign_in(client, seller, csrf=True)
        assert client.post("/pickups", data={"code": "ABCDEF"}).status_code == 400
        token = csrf_token(client, "/pickups")
        with_token = client.post("/pickups", data={"code": "ABCDEF", "csrf_token": token})
        assert "No open reservation at your sites has this pickup code." in with_token.text


def test_today_comes_first_then_upcoming_then_the_rest(app, gate, make):
    seller, site, today, hold = gate
    tiles = make.listing(seller, site_=site, title="Kattotiili", quantity="50")
    taker = make.resident()
    later = svc.reservation_create(
        user_id=taker.id, listing_id=tiles.id, quantity="5", pickup_at=TOMORROW_0900
    )
    text = builder_client(app, seller).get("/pickups").text
    order = [
        text.index(s)
        for s in (
            '<h2 id="pickups-today">Today',
            "13:00 – Punatiili MRT75",
            '<h2 id="pickups-upcoming">Upcoming',
            "Kattotiili",
            '<h2 id="pickups-other">Earlier, or no time agreed',
            "No time agreed – Puuovi 9x21",
        )
    ]
    assert order == sorted(order)
    assert f"/reservations/{later.id}" in text
