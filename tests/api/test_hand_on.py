"""Handing on what nobody takes (issue 11 item 4) and the city's survey totals (item 5)."""

import csv
import io
from datetime import timedelta

import sqlalchemy as sa

from marketplace import clock
from marketplace.models import Listing, ListingEvent, Notification
from marketplace.services import chores
from marketplace.services.reservations import reservation_collect, reservation_create
from tests import factories
from tests.conftest import NOON
from tests.helpers import assert_error, bearer_header, deliver, fresh

SURVEY = "material;quantity;unit;kg/unit;ewc\nbrick;1000;pcs;3;17 01 02\ndoor;10;pcs;20;17 02 01\n"


def _ending_soon(builder, site, **overrides):
    until = clock.today() + timedelta(days=5)
    return factories.listing(builder, site_=site, available_until=until, **overrides)


def test_an_unclaimed_lot_is_pointed_out_once(app, builder, site):
    lonely = _ending_soon(builder, site)
    taken = _ending_soon(builder, site, title="Taken bricks")
    later = factories.listing(
        builder,
        site_=site,
        title="Later bricks",
        available_until=clock.today() + timedelta(days=20),
    )
    taker = factories.resident(email="taker@example.com")
    reservation_create(user_id=taker.id, listing_id=taken.id, quantity="1")
    assert chores.warn_unclaimed() == 1
    assert chores.warn_unclaimed() == 0  # once
    deliver()
    notes = fresh().scalars(sa.select(Notification).where(Notification.kind == "listing.unclaimed"))
    assert [n.data["listing_id"] for n in notes] == [lonely.id]
    kinds = fresh().scalars(sa.select(ListingEvent.kind).where(ListingEvent.listing_id == later.id))
    assert "listing.unclaimed" not in set(kinds)


def test_the_hand_off_file_and_the_record(client, builder, site, bearer, stranger):
    lot = _ending_soon(builder, site, kg_per_unit="3")
    record = client.get(f"/api/v1/listings/{lot.id}/hand-off", headers=bearer).get_json()
    assert record["ewc_code"] == "17 01 02" and record["municipality"] == "Espoo"
    assert (record["quantity"], record["unit"], record["total_kg"]) == ("40", "pcs", "120")
    assert record["contact_email"] == "builder@example.com" and record["handed_on_at"] is None
    sheet = client.get(
        f"/api/v1/listings/{lot.id}/hand-off.csv?variant=spreadsheet", headers=bearer
    ).get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(sheet.lstrip("\ufeff")), delimiter=";"))
    assert (
        rows[0]["ewc_code"] == "17 01 02"
        and rows[0]["available_until"] == lot.available_until.isoformat()
    )
    assert_error(client.get(f"/api/v1/listings/{lot.id}/hand-off", headers=stranger["bearer"]), 404)
    handed = client.post(f"/api/v1/listings/{lot.id}/hand-on", headers=bearer).get_json()
    assert handed["handed_on_at"].startswith(NOON.date().isoformat())
    client.post(f"/api/v1/listings/{lot.id}/hand-on", headers=bearer)
    events = fresh().scalars(sa.select(ListingEvent.kind).where(ListingEvent.listing_id == lot.id))
    assert list(events).count("listing.handed_on") == 1
    assert fresh().get(Listing, lot.id).handed_on_at is not None
    assert chores.warn_unclaimed() == 0  # handed on: not pointed out


def test_city_sees_planned_next_to_handed_over(client, builder, site, bearer):
    created = client.post(
        f"/api/v1/imports/survey?site_id={site.id}&dry_run=false",
        data=SURVEY.encode(),
        headers=bearer | {"Content-Type": "text/csv"},
    )
    brick_id = created.get_json()["created"][0]
    taker = factories.resident(email="taker@example.com")
    reservation = reservation_create(user_id=taker.id, listing_id=brick_id, quantity="100")
    reservation_collect(user_id=builder.id, reservation_id=reservation.id)
    city = bearer_header(factories.city(email="city@example.com"))
    totals = client.get("/api/v1/imports/totals", headers=city).get_json()
    by_code = {t["ewc_code"]: t for t in totals}
    assert by_code["17 01 02"]["planned_kg"] == "3000" and by_code["17 01 02"]["site_id"] == site.id
    assert by_code["17 01 02"]["handed_over_kg"] == "300"
    assert by_code["17 01 02"]["handed_over_share"] == "0.1"
    assert by_code["17 02 01"]["planned_kg"] == "200"
    table = client.get("/api/v1/imports/totals.csv", headers=city).get_data(as_text=True)
    assert table.splitlines()[0].startswith("site_id,site,organization,ewc_code")
    assert_error(client.get("/api/v1/imports/totals", headers=bearer), 403)
    assert_error(client.get("/api/v1/imports/totals?site_id=x", headers=city), 400)
    client.delete(f"/api/v1/imports/{created.get_json()['import_id']}", headers=bearer)
    assert client.get("/api/v1/imports/totals", headers=city).get_json() == []
