"""Issue 9, the 42,000 kg case end to end: 10 roof tiles declared at 4,200 kg each are refused
without a confirmation; confirmed, the listing and its handover are flagged and wait in the
city's review list; the builder corrects the handover with a reason, and every report is back to
the right figure to the gram, with the history shown on the handover page and the event log."""

import csv
import io
from decimal import Decimal as D

import pytest

from marketplace.extensions import db
from marketplace.models import Handover
from marketplace.services import reservations as reservation_services
from tests import factories
from tests.helpers import assert_error, bearer_header, english_client, sign_in

TILES = {
    "title": "Kattotiili, punainen",
    "category": "roof-tile",
    "quantity": 10,
    "unit": "pcs",
    "kg_per_unit": 4200,
    "condition": "good",
}


def kg(value) -> D:
    """A JSON number as the exact grams it stands for."""
    return D(str(value)).quantize(D("0.001"))


@pytest.fixture
def people(app):
    builder = factories.builder(email="builder@example.com", org_name="Kera Purku Oy")
    return {
        "builder": builder,
        "site": factories.site(builder),
        "resident": factories.resident(),
        "city": factories.city(email="staff@espoo.example"),
        "other": factories.builder(),
        "stranger": factories.resident(),
    }


def _reports(client, city) -> dict:
    """Net mass in every report the exchange publishes or gives the city, in kg."""
    staff = bearer_header(city)
    open_csv = list(csv.DictReader(io.StringIO(client.get("/api/v1/open-data/impact.csv").text)))
    ledger_csv = list(
        csv.DictReader(io.StringIO(client.get("/api/v1/impact/handovers.csv", headers=staff).text))
    )
    return {
        "impact": kg(client.get("/api/v1/impact").get_json()["diverted_kg"]),
        "impact_by_month": sum(
            kg(g["diverted_kg"])
            for g in client.get("/api/v1/impact?group_by=month").get_json()["groups"]
        ),
        "open_data": kg(client.get("/api/v1/open-data/impact").get_json()["totals"]["diverted_kg"]),
        "open_data_csv": sum(kg(r["diverted_kg"]) for r in open_csv),
        "waste_report": kg(
            client.get("/api/v1/impact/waste-report", headers=staff).get_json()["total_kg"]
        ),
        "handovers_json": sum(
            kg(r["mass_kg"])
            for r in client.get("/api/v1/impact/handovers.json", headers=staff).get_json()[
                "handovers"
            ]
        ),
        "handovers_csv": sum(kg(r["mass_kg"]) for r in ledger_csv),
    }


def test_the_42000_kg_roof_tiles_are_refused_flagged_reviewed_and_corrected(app, people):
    client = english_client(app)
    builder = bearer_header(people["builder"], "en")
    body = {**TILES, "site_id": people["site"].id}

    # Refused without a confirmation, and the message names the range.
    refused = assert_error(
        client.post("/api/v1/listings", json=body, headers=builder),
        422,
        "implausible_mass",
        fields=["kg_per_unit"],
    )
    assert (
        "2–6 kg" in refused["fields"]["kg_per_unit"] and "4,200" in refused["fields"]["kg_per_unit"]
    )
    ranges = {
        c["slug"]: c["kg_per_unit_range"] for c in client.get("/api/v1/categories").get_json()
    }
    assert ranges["roof-tile"]["pcs"] == [2, 6] and ranges["roof-tile"]["t"] == [1000, 1000]

    # Confirmed: created and flagged.
    created = client.post(
        "/api/v1/listings", json={**body, "confirm_unusual_mass": True}, headers=builder
    )
    assert created.status_code == 201, created.text
    listing = created.get_json()
    assert listing["mass_flagged"] is True and listing["total_kg"] == 42000

    # Reserved and handed over without weighing: the flagged figure goes into the ledger, flagged.
    reservation = reservation_services.reservation_create(
        user_id=people["resident"].id, listing_id=listing["id"], quantity=10
    )
    collected = client.post(
        f"/api/v1/reservations/{reservation.id}/collect", json={}, headers=builder
    )
    handover = collected.get_json()["handover"]
    assert (handover["mass_kg"], handover["mass_flagged"]) == (42000, True)
    assert set(_reports(client, people["city"]).values()) == {D("42000.000")}

    # Visible in the city's review list, the listing and the handover.
    staff_page = english_client(app)
    sign_in(staff_page, people["city"])
    page = staff_page.get("/staff/masses").text
    assert f'data-key="{listing["id"]}"' in page and f'href="/handovers/{handover["id"]}"' in page

    # Only the listing's organisation (or the city) corrects, and only with a reason.
    url = f"/api/v1/handovers/{handover['id']}/corrections"
    correction = {"mass_kg": "42.5", "reason": "10 tiles weigh 4.25 kg each, not 4,200 kg"}
    assert_error(
        client.post(url, json={"mass_kg": "42.5"}, headers=builder), 422, fields=["reason"]
    )
    assert_error(
        client.post(url, json=correction, headers=bearer_header(people["other"])), 404, "not_found"
    )
    assert_error(client.post(url, json=correction, headers=bearer_header(people["stranger"])), 404)
    assert_error(
        client.post(url, json=correction, headers=bearer_header(people["resident"])),
        403,
        "forbidden",
    )
    assert db.session.query(Handover).count() == 1

    answer = client.post(url, json=correction, headers=builder)
    assert answer.status_code == 201, answer.text
    result = answer.get_json()
    assert result["handover"]["id"] == handover["id"] and result["handover"]["mass_kg"] == 42.5
    assert result["correction"]["reason"] == correction["reason"]
    assert result["correction"]["corrected_by"] == "organization"

    # The ledger keeps the original, a reversing row and the replacement.
    db.session.rollback()
    rows = db.session.query(Handover).order_by(Handover.id).all()
    assert [(r.kind.value, r.mass_kg) for r in rows] == [
        ("handover", D("42000.000")),
        ("reversal", D("-42000.000")),
        ("correction", D("42.500")),
    ]

    # Every report is back to the right figure, to the gram.
    assert set(_reports(client, people["city"]).values()) == {D("42.500")}
    receiver_view = client.get(
        f"/api/v1/handovers/{handover['id']}", headers=bearer_header(people["resident"])
    )
    detail = receiver_view.get_json()
    assert (detail["mass_kg"], detail["original_mass_kg"], len(detail["corrections"])) == (
        42.5,
        42000,
        1,
    )
    factor = D(str(rows[0].factor_kg_co2e_per_kg or 0))
    assert kg(detail["co2e_avoided_kg"]) == (D("42.5") * factor).quantize(D("0.001"))
    assert kg(client.get("/api/v1/impact").get_json()["co2e_avoided_kg"]) == kg(
        detail["co2e_avoided_kg"]
    )

    # The history is shown: the handover page and the listing's event log.
    seller_page = english_client(app)
    sign_in(seller_page, people["builder"])
    page = seller_page.get(f"/handovers/{handover['id']}").text
    assert "42,000\u00a0kg" in page and "42.5\u00a0kg" in page and correction["reason"] in page
    log = seller_page.get(f"/listings/{listing['id']}/events").text
    assert "Handover corrected" in log and correction["reason"] in log
    link = (
        seller_page.get(f"/reservations/{reservation.id}")
        .text.split('href="/handovers/')[1]
        .split('"')[0]
    )
    assert (
        seller_page.get(f"/handovers/{link}").headers["Location"] == f"/handovers/{handover['id']}"
    )

    # The city marks both reviewed; the list is empty, the figures unchanged.
    for kind, subject in (("listing", listing["id"]), ("handover", handover["id"])):
        token = (
            staff_page.get("/staff/masses").text.split('name="csrf_token" value="')[1].split('"')[0]
        )
        assert (
            staff_page.post(
                f"/staff/masses/{kind}/{subject}/reviewed", data={"csrf_token": token}
            ).status_code
            == 302
        )
    assert staff_page.get("/staff/masses").text.count("Nothing to review.") == 2
    assert set(_reports(client, people["city"]).values()) == {D("42.500")}


def test_a_correction_can_change_quantity_and_material_and_be_corrected_again(app, people):
    client = english_client(app)
    builder = bearer_header(people["builder"], "en")
    listing = factories.listing(people["builder"], site_=people["site"], quantity="10", unit="pcs")
    reservation = reservation_services.reservation_create(
        user_id=people["resident"].id, listing_id=listing.id, quantity=10
    )
    handover = client.post(
        f"/api/v1/reservations/{reservation.id}/collect", json={}, headers=builder
    ).get_json()["handover"]
    assert handover["mass_kg"] == 30  # 10 bricks × 3.0 kg (catalogue)
    url = f"/api/v1/handovers/{handover['id']}/corrections"
    first = client.post(
        url, json={"quantity": 8, "reason": "Two bricks stayed"}, headers=builder
    ).get_json()
    assert (first["handover"]["quantity"], first["handover"]["mass_kg"]) == (8, 24)
    city = bearer_header(people["city"], "en")
    second = client.post(
        url, json={"category": "natural-stone", "reason": "It was granite"}, headers=city
    )
    assert second.status_code == 201, second.text
    detail = second.get_json()["handover"]
    assert (detail["category"], detail["mass_kg"], len(detail["corrections"])) == (
        "natural-stone",
        24,
        2,
    )
    assert second.get_json()["correction"]["corrected_by"] == "city"
    assert kg(client.get("/api/v1/impact").get_json()["diverted_kg"]) == D("24.000")
    same = client.post(url, json={"quantity": 8, "reason": "nothing new"}, headers=builder)
    assert_error(same, 422, "validation_failed", fields=["mass_kg"])
    hazardous = client.post(url, json={"category": "asbestos", "reason": "oops"}, headers=builder)
    assert_error(hazardous, 422, "hazardous_material", fields=["category"])
    absurd = client.post(url, json={"mass_kg": 6_000_000, "reason": "typo"}, headers=builder)
    assert_error(absurd, 422, "implausible_mass", fields=["mass_kg"])


def test_the_correction_page_corrects_with_a_reason_and_the_receiver_only_reads(app, people):
    listing = factories.listing(people["builder"], site_=people["site"], quantity="10", unit="pcs")
    reservation = reservation_services.reservation_create(
        user_id=people["resident"].id, listing_id=listing.id, quantity=10
    )
    _r, handover = reservation_services.reservation_collect(
        user_id=people["builder"].id, reservation_id=reservation.id
    )
    seller = english_client(app)
    sign_in(seller, people["builder"])
    page = seller.get(f"/handovers/{handover.id}").text
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    no_reason = seller.post(
        f"/handovers/{handover.id}", data={"csrf_token": token, "mass_kg": "31,5"}
    )
    assert no_reason.status_code == 422
    done = seller.post(
        f"/handovers/{handover.id}",
        data={
            "csrf_token": token,
            "mass_kg": "31,5",
            "category": "brick",
            "reason": "Weighed later",
        },
    )
    assert done.status_code == 303
    db.session.rollback()
    assert db.session.query(Handover).order_by(Handover.id.desc()).first().mass_kg == D("31.500")
    receiver = english_client(app)
    sign_in(receiver, people["resident"])
    shown = receiver.get(f"/handovers/{handover.id}")
    assert (
        shown.status_code == 200
        and "Weighed later" in shown.text
        and "Record the correction" not in shown.text
    )
    assert receiver.post(f"/handovers/{handover.id}", data={"reason": "mine"}).status_code in (
        400,
        403,
    )
    stranger = english_client(app)
    sign_in(stranger, people["other"])
    assert stranger.get(f"/handovers/{handover.id}").status_code == 404
