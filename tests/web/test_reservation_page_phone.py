"""The reservation page in the order a taker at the site gate needs it (issue 13, point 1): the
pickup code and its QR code, then time and place with map and directions links built from the
site's coordinates, then the details."""

import pytest

from marketplace.services import reservations as svc

from ..conftest import NOON
from ..helpers import english_client, sign_in

TODAY_1300 = NOON.replace(hour=11)  # Monday 13:00 in Helsinki


@pytest.fixture
def reservation(app, make):
    seller = make.builder()
    site = make.site(seller, name="Kutojantie 3", lat=60.2161, lng=24.7539)
    listing = make.listing(seller, site_=site, title="Punatiili MRT75", quantity="100")
    taker = make.resident()
    booked = svc.reservation_create(
        user_id=taker.id, listing_id=listing.id, quantity="30", pickup_at=TODAY_1300
    )
    return seller, taker, booked


def page_of(app, user, reservation_id):
    client = english_client(app)
    sign_in(client, user)
    return client.get(f"/reservations/{reservation_id}")


@pytest.mark.parametrize("who", ["taker", "seller"])
def test_code_first_then_time_and_place_then_details(app, reservation, who):
    seller, taker, booked = reservation
    text = page_of(app, taker if who == "taker" else seller, booked.id).text
    marks = [
        f"<strong>{booked.code}</strong>",
        "<svg",  # the QR code
        'id="place-heading"',
        "Pickup window",
        "30 Nov 2026, 13:00–15:00",  # the pickup time to its expiry (PICKUP_GRACE_MINUTES)
        "Kutojantie 3, 02630 Espoo",
        'id="details-heading"',
        "Quantity",
    ]
    positions = [text.index(mark) for mark in marks]
    assert positions == sorted(positions)


def test_the_place_links_open_a_map_directions_and_the_phone_map_app(app, reservation):
    seller, taker, booked = reservation
    text = page_of(app, taker, booked.id).text
    assert (
        'href="https://www.openstreetmap.org/?mlat=60.216100&amp;mlon=24.753900'
        '#map=17/60.216100/24.753900"' in text
    )
    assert 'href="https://www.openstreetmap.org/directions?route=%3B60.216100%2C24.753900"' in text
    assert 'href="geo:60.216100,24.753900?q=60.216100,24.753900(Kutojantie%203)"' in text
    assert ">Open in maps<" in text and ">Directions<" in text


def test_a_hold_without_a_time_shows_when_to_collect_and_the_opening_hours(app, make):
    seller = make.builder()
    listing = make.listing(seller)
    taker = make.resident()
    hold = svc.reservation_create(user_id=taker.id, listing_id=listing.id, quantity="2")
    text = page_of(app, taker, hold.id).text
    assert "not agreed; collect by 3 Dec 2026, 12:00" in text  # a hold lasts 72 hours
    assert "<caption>Opening hours</caption>" in text


def test_a_closed_reservation_shows_no_code(app, reservation):
    seller, taker, booked = reservation
    svc.reservation_cancel(user_id=taker.id, reservation_id=booked.id, reason="Plans changed")
    text = page_of(app, taker, booked.id).text
    assert booked.code not in text.split("</title>", 1)[1] and "<svg" not in text
    assert 'class="reservation-layout without-code"' in text
    assert "Plans changed" in text and 'id="place-heading"' in text
