"""Builders the city has verified (issue 9 item 3): a web sign-up's organisation is unverified and
its listings wait in pending_review — seen only by the organisation and city staff, found by no
search, reserved by nobody — until city staff verify it in their queue; then they are both."""

import re

import pytest
import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.models import Listing, ListingEvent, Notification, Organization, OutboxMessage
from tests import factories
from tests.helpers import assert_error, bearer_header, deliver, english_client, fresh, sign_in


@pytest.fixture
def people(app):
    """A web sign-up (unverified) with a site and a listing, and everyone else who may look."""
    newcomer = factories.unverified_builder(
        email="new@example.com", org_name="Kera Purku Oy", business_id_="1572860-0"
    )
    site = factories.site(newcomer, name="Purkukohde Kerava")
    listing = factories.listing(newcomer, site_=site, title="Purettu kattotiili")
    return {
        "newcomer": newcomer,
        "listing": listing,
        "resident": factories.resident(),
        "other_builder": factories.builder(),
        "city": factories.city(),
    }


def _searched(client, text="kattotiili"):
    """Listing ids the API search returns, and those the home page's results link to."""
    hits = client.get("/api/v1/listings", query_string={"q": text}).get_json()["hits"]
    page = client.get("/", query_string={"q": text}).get_data(as_text=True)
    return [h["id"] for h in hits], sorted(
        {int(i) for i in re.findall(r'href="/listings/(\d+)"', page)}
    )


def test_an_unverified_organisations_listing_is_neither_found_nor_reserved_until_verified(
    app, people
):
    listing, city, resident = people["listing"], people["city"], people["resident"]
    organization = people["newcomer"].organization
    assert organization.verified_at is None and listing.status == "pending_review"
    deliver()
    client = english_client(app)
    assert _searched(client) == ([], [])
    assert client.get("/api/v1/listings").get_json()["total"] == 0  # public counts leave it out

    # Seen by its organisation and city staff only; 404 for everyone else, pages and API alike.
    url = f"/api/v1/listings/{listing.id}"
    assert_error(client.get(url), 404, "not_found")
    for who in ("resident", "other_builder"):
        assert_error(client.get(url, headers=bearer_header(people[who])), 404, "not_found")
    for who in ("newcomer", "city"):
        body = client.get(url, headers=bearer_header(people[who])).get_json()
        assert body["status"] == "pending_review"
    assert client.get(f"/listings/{listing.id}").status_code == 404
    own = english_client(app)
    sign_in(own, people["newcomer"])
    assert "until the city has verified the organisation" in own.get(f"/listings/{listing.id}").text

    # Nobody can reserve it: unseen (404) for a resident, 409 for city staff who see it.
    reserve = f"/api/v1/listings/{listing.id}/reservations"
    assert_error(client.post(reserve, json={"quantity": 1}, headers=bearer_header(resident)), 404)
    assert_error(
        client.post(reserve, json={"quantity": 1}, headers=bearer_header(city)),
        409,
        "listing_not_available",
    )
    taker = english_client(app)
    sign_in(taker, resident)
    assert taker.post(f"/listings/{listing.id}/reserve", data={"quantity": "1"}).status_code == 404

    # City staff find it in their queue, confirm, and verify.
    staff = english_client(app)
    sign_in(staff, city)
    queue = _queue_row(staff.get("/staff/organisations").text, organization.id)
    for expected in ("Kera Purku Oy", "1572860-0", "check digit correct", "new@example.com"):
        assert expected in queue, expected
    assert re.search(r'data-label="Listings waiting">\s*1\s*<', queue)
    page = f"/staff/organisations/{organization.id}/verify"
    assert staff.get(page).status_code == 200
    refused = staff.post(page, data={})  # the box not ticked
    assert refused.status_code == 422 and "Tick the box to confirm." in refused.text
    assert fresh().get(Organization, organization.id).verified_at is None
    assert staff.post(page, data={"confirm": "y"}).status_code == 302

    session = fresh()
    assert session.get(Organization, organization.id).verified_at is not None
    assert session.get(Listing, listing.id).status == "available"
    assert organization.id not in _queue_ids(staff.get("/staff/organisations").text)
    deliver()
    assert _searched(client) == ([listing.id], [listing.id])
    created = client.post(reserve, json={"quantity": 1}, headers=bearer_header(resident))
    assert created.status_code == 201, created.get_json()
    told = fresh().scalars(
        sa.select(Notification).where(
            Notification.user_id == people["newcomer"].id,
            Notification.kind == "organization.verified",
        )
    )
    assert [n.data["organization"] for n in told] == ["Kera Purku Oy"]
    kinds = fresh().scalars(
        sa.select(ListingEvent.kind).where(ListingEvent.listing_id == listing.id)
    )
    assert "listing.published" in list(kinds)


def test_a_reservation_by_form_is_refused_until_verified_then_taken(app, people):
    listing = people["listing"]
    taker = english_client(app)
    sign_in(taker, people["resident"])
    assert taker.get(f"/listings/{listing.id}").status_code == 404
    assert taker.post(f"/listings/{listing.id}/reserve", data={"quantity": "1"}).status_code == 404
    staff = english_client(app)
    sign_in(staff, people["city"])
    staff.post(f"/staff/organisations/{listing.organization_id}/verify", data={"confirm": "y"})
    page = taker.get(f"/listings/{listing.id}").text  # now it has a reserve form
    slot = re.search(r'<option value="([^"]+\+00:00)"', page).group(1)
    response = taker.post(
        f"/listings/{listing.id}/reserve", data={"quantity": "1", "pickup_at": slot}
    )
    assert response.status_code == 302 and "/reservations/" in response.headers["Location"]


def test_verifying_sends_every_published_listing_through_the_outbox(app, people):
    second = factories.listing(people["newcomer"], title="Toinen erä")
    before = _changed(people["listing"].id, second.id)
    staff = english_client(app)
    sign_in(staff, people["city"])
    staff.post(
        f"/staff/organisations/{people['newcomer'].organization_id}/verify", data={"confirm": "y"}
    )
    assert _changed(people["listing"].id, second.id) == {k: n + 1 for k, n in before.items()}


def test_withdrawing_the_mark_makes_new_listings_wait_again(app, people):
    builder = factories.builder()
    staff = english_client(app)
    sign_in(staff, people["city"])
    html = staff.get("/staff/organisations").text
    assert builder.organization.business_id in html.split('id="organisations"')[1]
    assert staff.post(f"/staff/organisations/{builder.organization_id}/unverify").status_code == 302
    assert fresh().get(Organization, builder.organization_id).verified_at is None
    assert factories.listing(builder).status == "pending_review"
    assert builder.organization_id in _queue_ids(staff.get("/staff/organisations").text)


def test_a_wrong_check_digit_is_shown_in_the_queue(app):
    city = factories.city()
    # Sign-up refuses a wrong check digit, so only an old row can hold one: write it directly.
    db.session.add(Organization(name="Vanha Oy", business_id="1572860-1"))
    db.session.commit()
    staff = english_client(app)
    sign_in(staff, city)
    row = _queue_row(staff.get("/staff/organisations").text, _org_id("1572860-1"))
    assert "check digit wrong" in row


def test_the_cli_creates_verified_organisations_and_their_listings_are_published(app):
    builder = factories.builder()
    assert builder.organization.verified_at is not None
    assert factories.listing(builder).status == "available"


def _changed(*listing_ids) -> dict[int, int]:
    """How many listing.changed messages for the embedded index each listing has (the topic has
    other subscribers too: one change is one message per subscriber)."""
    rows = list(
        fresh().scalars(
            sa.select(OutboxMessage).where(
                OutboxMessage.topic == "listing.changed",
                OutboxMessage.handler.endswith("index_embedded"),
            )
        )
    )
    return {i: sum(1 for r in rows if r.payload["listing_id"] == i) for i in listing_ids}


def _org_id(business_id: str) -> int:
    return fresh().scalar(sa.select(Organization.id).where(Organization.business_id == business_id))


def _queue(html: str) -> str:
    return html.split('id="verification-queue"')[1].split("</table>")[0]


def _queue_ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<tr data-key="(\d+)"', _queue(html))]


def _queue_row(html: str, organization_id: int) -> str:
    return _queue(html).split(f'<tr data-key="{organization_id}">')[1].split("</tr>")[0]
