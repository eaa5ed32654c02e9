"""The hand-on page (issue 11 item 4) and the city's survey page (item 5), as a builder and city
staff use them."""

from datetime import timedelta

import sqlalchemy as sa

from marketplace import clock
from marketplace.models import Listing, ListingEvent
from marketplace.services import chores
from tests import factories
from tests.helpers import deliver, english_client, fresh, sign_in


def _lot(app):
    builder = factories.builder(email="b@example.com")
    site = factories.site(builder, name="Kera Halli 3")
    lot = factories.listing(
        builder,
        site_=site,
        available_until=clock.today() + timedelta(days=5),
        public_from=clock.now() + timedelta(days=2),
    )
    client = english_client(app)
    sign_in(client, builder)
    return builder, lot, client


def test_the_notification_leads_to_the_three_ways_on(app):
    _builder, lot, client = _lot(app)
    chores.warn_unclaimed()
    deliver()
    notes = client.get("/notifications/").get_data(as_text=True)
    assert "Nobody has reserved “Punatiili MRT75”" in notes
    assert f"/listings/{lot.id}/hand-on" in notes
    page = client.get(f"/listings/{lot.id}/hand-on").get_data(as_text=True)
    for text in (
        "Keep it on offer longer",
        "Open it to everyone now",
        "Materiaalitori",
        f"/api/v1/listings/{lot.id}/hand-off.csv?variant=spreadsheet",
        "17 01 02",
    ):
        assert text in page


def test_extend_open_now_and_hand_on(app):
    _builder, lot, client = _lot(app)
    later = clock.today() + timedelta(days=40)
    answer = client.post(
        f"/listings/{lot.id}/hand-on/extend", data={"available_until": later.isoformat()}
    )
    assert answer.status_code == 302
    assert fresh().get(Listing, lot.id).available_until == later
    assert (
        client.post(
            f"/listings/{lot.id}/hand-on/extend", data={"available_until": "2020-01-01"}
        ).status_code
        == 422
    )
    client.post(f"/listings/{lot.id}/hand-on/open")
    assert fresh().get(Listing, lot.id).is_released(clock.now())
    client.post(f"/listings/{lot.id}/hand-on/materiaalitori")
    stored = fresh().get(Listing, lot.id)
    assert stored.handed_on_at is not None
    kinds = fresh().scalars(sa.select(ListingEvent.kind).where(ListingEvent.listing_id == lot.id))
    assert "listing.handed_on" in set(kinds)
    assert "Handed on to Materiaalitori" in client.get(f"/listings/{lot.id}/hand-on").text


def test_city_staff_see_the_survey_table(app):
    builder = factories.builder(email="b@example.com")
    site = factories.site(builder, name="Kera Halli 3")
    with app.test_request_context():
        from marketplace.services.survey_import import survey_import

        survey_import(
            user_id=builder.id,
            site_id=site.id,
            dry_run=False,
            content_type="text/csv",
            data=b"material;quantity;unit;kg/unit\nbrick;1000;pcs;3\n",
        )
    client = english_client(app)
    sign_in(client, factories.city(email="city@example.com"))
    page = client.get("/staff/surveys").get_data(as_text=True)
    assert "Kera Halli 3" in page and "17 01 02" in page and "3 t" in page.replace("\u00a0", " ")
