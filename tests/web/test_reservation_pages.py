"""Pages of the reservation flow: reserve on the listing page, my reservations, the seller's
lists, the pickup list with handover, the reservation page, the event log and the impact page."""

import re
from datetime import timedelta

import pytest

from marketplace import clock
from marketplace.extensions import db
from marketplace.models import Reservation

from ..conftest import NOON, AuthActions


@pytest.fixture
def scene(app, make):
    seller = make.builder()
    listing = make.listing(seller, title="Punatiili MRT75", quantity="100", unit="pcs")
    taker = make.resident()
    return seller, listing, taker


def login(app, user):
    client = app.test_client()
    AuthActions(client).login(user)
    return client


def first_slot(page_text):
    return re.search(r'<option value="([^"]+\+00:00)"', page_text).group(1)


def test_a_resident_reserves_from_the_listing_page(app, scene):
    seller, listing, taker = scene
    client = login(app, taker)
    page = client.get(f"/listings/{listing.id}")
    assert 'id="pickup_at"' in page.text and "Reserve" in page.text
    response = client.post(
        f"/listings/{listing.id}/reserve",
        data={"quantity": "12,5", "pickup_at": first_slot(page.text), "message": "Tulen pakulla"},
    )
    assert response.status_code == 302
    db.session.rollback()
    reservation = db.session.query(Reservation).one()
    assert reservation.quantity == 12.5 and reservation.message == "Tulen pakulla"
    detail = client.get(response.headers["Location"])
    assert reservation.code in detail.text and "<svg" in detail.text  # pickup code and its QR code
    assert "Punatiili MRT75" in client.get("/reservations").text


def test_reserving_too_much_shows_how_much_is_left(app, scene):
    seller, listing, taker = scene
    client = login(app, taker)
    page = client.get(f"/listings/{listing.id}")
    response = client.post(
        f"/listings/{listing.id}/reserve",
        data={"quantity": "101", "pickup_at": first_slot(page.text)},
    )
    assert response.status_code == 422
    assert "Only 100 pcs left." in response.text
    assert 'aria-invalid="true"' in response.text


def test_anonymous_visitors_are_asked_to_sign_in_and_cannot_post(app, scene, client):
    seller, listing, taker = scene
    assert (
        "Sign in to reserve"
        in client.get(f"/listings/{listing.id}", headers={"Accept-Language": "en"}).text
    )
    response = client.post(f"/listings/{listing.id}/reserve", data={"quantity": "1"})
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_owner_sees_no_reserve_form(app, scene):
    seller, listing, taker = scene
    assert 'id="pickup_at"' not in login(app, seller).get(f"/listings/{listing.id}").text


def test_the_builder_sees_the_pickup_list_and_hands_over_with_the_code(app, scene):
    from marketplace.services import reservations as svc

    seller, listing, taker = scene
    pickup = NOON.replace(hour=11)  # today 13:00 Helsinki
    reservation = svc.reservation_create(
        user_id=taker.id, listing_id=listing.id, quantity="30", pickup_at=pickup
    )
    client = login(app, seller)
    page = client.get("/pickups")
    assert "Punatiili MRT75" in page.text and "13:00" in page.text
    assert reservation.code not in page.text  # the taker shows the code
    wrong = client.post(
        f"/reservations/{reservation.id}/collect", data={"code": "AAAAAA", "back": "/pickups"}
    )
    assert wrong.status_code == 302
    assert db.session.get(Reservation, reservation.id).status == "confirmed"
    ok = client.post(
        f"/reservations/{reservation.id}/collect",
        data={
            "code": reservation.code.lower(),
            "quantity": "25",
            "weighed_kg": "80.5",
            "back": "/pickups",
        },
    )
    assert ok.status_code == 302 and ok.headers["Location"] == "/pickups"
    db.session.rollback()
    assert db.session.get(Reservation, reservation.id).status == "collected"
    assert "Handed over: 80.5 kg recorded." in client.get("/pickups").text
    assert "Punatiili MRT75" in client.get("/reservations/selling").text


def test_the_seller_can_cancel_with_a_reason_and_the_taker_sees_it(app, scene):
    from marketplace.services import reservations as svc

    seller, listing, taker = scene
    reservation = svc.reservation_create(user_id=taker.id, listing_id=listing.id, quantity="3")
    client = login(app, seller)
    client.post(
        f"/reservations/{reservation.id}/cancel", data={"reason": "other", "details": "Lava rikki"}
    )
    page = login(app, taker).get(f"/reservations/{reservation.id}")
    assert "Lava rikki" in page.text and "Cancelled" in page.text


def test_no_show_button_appears_after_the_pickup_time(app, scene):
    from marketplace.services import reservations as svc

    seller, listing, taker = scene
    pickup = NOON.replace(hour=11)
    reservation = svc.reservation_create(
        user_id=taker.id, listing_id=listing.id, quantity="3", pickup_at=pickup
    )
    client = login(app, seller)
    assert "no-show" not in client.get(f"/reservations/{reservation.id}").text
    clock.set(pickup + timedelta(minutes=30))
    assert "no-show" in client.get(f"/reservations/{reservation.id}").text
    client.post(f"/reservations/{reservation.id}/no-show")
    db.session.rollback()
    assert db.session.get(Reservation, reservation.id).status == "no_show"


def test_others_cannot_see_a_reservation(app, scene, make):
    from marketplace.services import reservations as svc

    seller, listing, taker = scene
    reservation = svc.reservation_create(user_id=taker.id, listing_id=listing.id, quantity="3")
    for outsider in (make.resident(), make.builder()):
        assert login(app, outsider).get(f"/reservations/{reservation.id}").status_code == 404
    assert login(app, make.city()).get(f"/reservations/{reservation.id}").status_code == 200


def test_the_event_log_is_for_the_owner_and_city_staff(app, scene, make):
    from marketplace.services import reservations as svc

    seller, listing, taker = scene
    svc.reservation_create(user_id=taker.id, listing_id=listing.id, quantity="3")
    page = login(app, seller).get(f"/listings/{listing.id}/events")
    assert "Reserved" in page.text and taker.display_name in page.text
    assert login(app, taker).get(f"/listings/{listing.id}/events").status_code == 404
    assert login(app, make.city()).get(f"/listings/{listing.id}/events").status_code == 200


def test_the_impact_page_shows_the_ledger_totals(app, scene, client):
    from marketplace.services import reservations as svc

    seller, listing, taker = scene
    reservation = svc.reservation_create(user_id=taker.id, listing_id=listing.id, quantity="10")
    svc.reservation_collect(
        user_id=seller.id,
        reservation_id=reservation.id,
        weighed_kg="2500",
        confirm_unusual_mass=True,
    )  # far above the expected mass: confirmed
    page = client.get("/impact/", headers={"Accept-Language": "en"})
    assert "2.5\u00a0t" in page.text and "Bricks" in page.text


def test_staff_see_dead_letters_and_can_queue_them_again(app, make):
    from marketplace.database import write_transaction
    from marketplace.models import OutboxMessage

    with write_transaction() as session:
        session.add(
            OutboxMessage(
                topic="listing.changed",
                handler="nowhere",
                payload={},
                status="dead",
                attempts=8,
                last_error="LookupError: no handler",
            )
        )
    client = login(app, make.city())
    page = client.get("/staff/outbox")
    assert "no handler" in page.text
    message_id = db.session.query(OutboxMessage).one().id
    client.post(f"/staff/outbox/{message_id}/retry")
    db.session.rollback()
    assert db.session.get(OutboxMessage, message_id).status == "pending"
    assert login(app, make.resident()).get("/staff/outbox").status_code == 403
