"""API: reservations and impact, as the contract specifies (codes, statuses, bodies)."""

import csv
import io
from datetime import timedelta

import pytest

from marketplace import clock

from ..conftest import NOON
from ..helpers import bearer_header


@pytest.fixture
def world(app, make):
    seller = make.builder()
    listing = make.listing(seller, quantity="20", unit="m2", category="roof-tile")
    return {
        "seller": seller,
        "taker": make.resident(),
        "listing": listing,
        "other": make.builder(),
        "resident2": make.resident(),
        "city": make.city(),
    }


def reserve(client, world, quantity=5, **extra):
    return client.post(
        f"/api/v1/listings/{world['listing'].id}/reservations",
        json={"quantity": quantity, **extra},
        headers=bearer_header(world["taker"]),
    )


def test_reserve_part_of_a_lot(client, world):
    pickup = (NOON.replace(hour=7) + timedelta(days=1)).isoformat()
    response = reserve(client, world, quantity="7.5", pickup_at=pickup, message="Peräkärryllä")
    assert response.status_code == 201
    body = response.json
    assert {
        "id",
        "listing_id",
        "quantity",
        "status",
        "pickup_at",
        "created_at",
        "expires_at",
    } <= body.keys()
    assert (body["quantity"], body["status"]) == (7.5, "confirmed")
    assert body["pickup_at"].startswith("2026-12-01T07:00:00")
    listing = client.get(f"/api/v1/listings/{world['listing'].id}").json
    assert listing["quantity_available"] == 12.5


def test_too_much_is_409_insufficient_quantity_saying_what_is_left(client, world):
    reserve(client, world, quantity=18)
    response = reserve(client, world, quantity=3)
    assert response.status_code == 409
    error = response.json["error"]
    assert (
        error["code"] == "insufficient_quantity"
        and "2" in error["message"]
        and error["available"] == 2
    )


def test_a_withdrawn_listing_is_409_listing_not_available(client, world):
    client.delete(f"/api/v1/listings/{world['listing'].id}", headers=bearer_header(world["seller"]))
    response = reserve(client, world)
    assert (response.status_code, response.json["error"]["code"]) == (409, "listing_not_available")


def test_builders_cannot_reserve_their_own_listing(client, world):
    response = client.post(
        f"/api/v1/listings/{world['listing'].id}/reservations",
        json={"quantity": 1},
        headers=bearer_header(world["seller"]),
    )
    assert (response.status_code, response.json["error"]["code"]) == (403, "forbidden")


def test_pickup_outside_the_window_is_422(client, world):
    far = (NOON + timedelta(days=60)).isoformat()
    response = reserve(client, world, pickup_at=far)
    assert response.status_code == 422 and "pickup_at" in response.json["error"]["fields"]


@pytest.mark.parametrize(
    "body, status",
    [
        ({"quantity": -1}, 422),
        ({"quantity": "abc"}, 422),
        ({"quantity": 1, "status": "collected"}, 422),
        ({"quantity": 1, "pickup_at": "tomorrow"}, 422),
        ({"quantity": 1, "pickup_at": "2026-12-01T09:00:00"}, 400),
    ],
)
def test_bad_reservation_bodies_are_4xx(client, world, body, status):
    response = client.post(
        f"/api/v1/listings/{world['listing'].id}/reservations",
        json=body,
        headers=bearer_header(world["taker"]),
    )
    assert response.status_code == status and "error" in response.json


def test_anonymous_reserving_is_401(client, world):
    response = client.post(
        f"/api/v1/listings/{world['listing'].id}/reservations", json={"quantity": 1}
    )
    assert (response.status_code, response.json["error"]["code"]) == (401, "unauthenticated")


def test_listing_mine_and_as_seller(client, world):
    reserve(client, world)
    mine = client.get("/api/v1/reservations", headers=bearer_header(world["taker"])).json
    assert len(mine) == 1 and mine[0]["code"]
    seller_view = client.get(
        "/api/v1/reservations?as=seller", headers=bearer_header(world["seller"])
    ).json
    assert [r["id"] for r in seller_view] == [mine[0]["id"]]
    assert client.get("/api/v1/reservations", headers=bearer_header(world["resident2"])).json == []


def test_a_reservation_is_visible_to_reserver_seller_and_city_only(client, world):
    reservation_id = reserve(client, world).json["id"]
    for who, status in (
        ("taker", 200),
        ("seller", 200),
        ("city", 200),
        ("resident2", 404),
        ("other", 404),
    ):
        response = client.get(
            f"/api/v1/reservations/{reservation_id}", headers=bearer_header(world[who])
        )
        assert response.status_code == status, who
    city_view = client.get(
        f"/api/v1/reservations/{reservation_id}", headers=bearer_header(world["city"])
    ).json
    assert city_view["code"] is None  # staff do not need the pickup code


def test_cancel_by_reserver_returns_the_quantity(client, world):
    reservation_id = reserve(client, world, quantity=5).json["id"]
    response = client.post(
        f"/api/v1/reservations/{reservation_id}/cancel", headers=bearer_header(world["taker"])
    )
    assert (response.status_code, response.json["status"]) == (200, "cancelled")
    assert client.get(f"/api/v1/listings/{world['listing'].id}").json["quantity_available"] == 20


def test_another_resident_cancelling_is_404(client, world):
    reservation_id = reserve(client, world).json["id"]
    response = client.post(
        f"/api/v1/reservations/{reservation_id}/cancel", headers=bearer_header(world["resident2"])
    )
    assert response.status_code == 404


def test_collect_returns_the_handover_record(client, world):
    reservation_id = reserve(client, world, quantity=5).json["id"]
    response = client.post(
        f"/api/v1/reservations/{reservation_id}/collect",
        json={"quantity": 4, "weighed_kg": 150},
        headers=bearer_header(world["seller"]),
    )
    assert response.status_code == 200
    body = response.json
    assert body["status"] == "collected"
    handover = body["handover"]
    assert {
        "id",
        "quantity",
        "mass_kg",
        "mass_source",
        "ewc_code",
        "co2e_avoided_kg",
    } <= handover.keys()
    assert (handover["quantity"], handover["mass_kg"], handover["mass_source"]) == (
        4,
        150,
        "measured",
    )
    assert handover["ewc_code"] == "17 01 03"
    again = client.get(
        f"/api/v1/reservations/{reservation_id}", headers=bearer_header(world["taker"])
    ).json
    assert again["handover"]["id"] == handover["id"]
    assert client.get(f"/api/v1/listings/{world['listing'].id}").json["quantity_available"] == 16


def test_another_builder_collecting_is_404(client, world):
    reservation_id = reserve(client, world).json["id"]
    response = client.post(
        f"/api/v1/reservations/{reservation_id}/collect", headers=bearer_header(world["other"])
    )
    assert response.status_code == 404


@pytest.mark.parametrize("first", ["cancel", "collect"])
@pytest.mark.parametrize("then", ["cancel", "collect"])
def test_disallowed_transitions_are_409_invalid_transition(client, world, first, then):
    reservation_id = reserve(client, world).json["id"]
    who = {"cancel": "taker", "collect": "seller"}
    client.post(
        f"/api/v1/reservations/{reservation_id}/{first}", headers=bearer_header(world[who[first]])
    )
    response = client.post(
        f"/api/v1/reservations/{reservation_id}/{then}", headers=bearer_header(world[who[then]])
    )
    assert (response.status_code, response.json["error"]["code"]) == (409, "invalid_transition")


def test_impact_totals_are_public_and_site_grouping_needs_the_city(client, world):
    reservation_id = reserve(client, world, quantity=10).json["id"]
    client.post(
        f"/api/v1/reservations/{reservation_id}/collect", headers=bearer_header(world["seller"])
    )
    body = client.get("/api/v1/impact").json
    assert (body["diverted_kg"], body["handovers"]) == (400, 1)  # 10 m2 × 40 kg/m2 (catalogue)
    assert body["co2e_avoided_kg"] == pytest.approx(400 * 0.092)
    assert {"from", "to", "groups"} <= body.keys()
    by_category = client.get("/api/v1/impact?group_by=category").json["groups"]
    assert [(g["key"], g["diverted_kg"]) for g in by_category] == [("roof-tile", 400)]
    assert (
        client.get(
            "/api/v1/impact?group_by=site", headers=bearer_header(world["taker"])
        ).status_code
        == 403
    )
    assert (
        client.get("/api/v1/impact?group_by=site", headers=bearer_header(world["city"])).status_code
        == 200
    )
    assert client.get("/api/v1/impact?group_by=colour").status_code == 400
    assert client.get("/api/v1/impact?from=yesterday").status_code == 400
    later = (clock.today() + timedelta(days=1)).isoformat()
    assert client.get(f"/api/v1/impact?from={later}").json["diverted_kg"] == 0


def test_the_ledger_csv_is_for_city_staff(client, world):
    reservation_id = reserve(client, world, quantity=2).json["id"]
    client.post(
        f"/api/v1/reservations/{reservation_id}/collect", headers=bearer_header(world["seller"])
    )
    assert (
        client.get(
            "/api/v1/impact/handovers.csv", headers=bearer_header(world["seller"])
        ).status_code
        == 403
    )
    assert client.get("/api/v1/impact/handovers.csv").status_code == 401
    response = client.get("/api/v1/impact/handovers.csv", headers=bearer_header(world["city"]))
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == 1 and rows[0]["ewc_code"] == "17 01 03" and rows[0]["mass_kg"] == "80.000"
