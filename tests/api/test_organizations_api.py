"""GET /api/v1/organizations/{id} and POST …/verify (contract: api-v1-additions.md, Organisations).

Who may read an organisation: a verified one is public (its badge is shown on every listing);
an unverified one only its own builders and city staff (404 for anyone else)."""

import pytest
import sqlalchemy as sa

from marketplace.models import Listing, Organization, OutboxMessage
from tests import factories
from tests.conftest import running_app
from tests.factories import PASSWORD
from tests.helpers import (
    assert_error,
    bearer_header,
    csrf_token,
    english_client,
    fresh,
    listing_body,
)


@pytest.fixture
def newcomer(app):
    """A web sign-up: its organisation is unverified."""
    return factories.unverified_builder(
        email="new@example.com", org_name="Uusi Rakennus Oy", business_id_="1572860-0"
    )


def test_a_verified_organisation_is_public(client, builder):
    body = client.get(f"/api/v1/organizations/{builder.organization_id}").get_json()
    assert body == {
        "id": builder.organization_id,
        "name": "Kera Purku Oy",
        "business_id": builder.organization.business_id,
        "verified": True,
    }


@pytest.mark.parametrize(
    "who, status",
    [("anonymous", 404), ("resident", 404), ("other_builder", 404), ("member", 200), ("city", 200)],
)
def test_an_unverified_organisation_is_seen_by_its_builders_and_the_city_only(
    client, newcomer, who, status
):
    users = {
        "resident": factories.resident,
        "other_builder": factories.builder,
        "city": factories.city,
    }
    headers = (
        {} if who == "anonymous" else bearer_header(newcomer if who == "member" else users[who]())
    )
    response = client.get(f"/api/v1/organizations/{newcomer.organization_id}", headers=headers)
    if status == 404:
        assert_error(response, 404, "not_found")
    else:
        assert response.get_json() == {
            "id": newcomer.organization_id,
            "name": "Uusi Rakennus Oy",
            "business_id": "1572860-0",
            "verified": False,
        }


def test_an_unknown_organisation_is_not_found(client):
    assert_error(client.get("/api/v1/organizations/999"), 404, "not_found")
    city = bearer_header(factories.city())
    assert_error(client.post("/api/v1/organizations/999/verify", headers=city), 404, "not_found")


def test_an_unverified_builders_listing_is_created_pending_review(client, newcomer):
    site = factories.site(newcomer)
    response = client.post(
        "/api/v1/listings", json=listing_body(site), headers=bearer_header(newcomer)
    )
    assert response.status_code == 201 and response.get_json()["status"] == "pending_review"


def test_city_staff_verify_and_the_pending_listings_are_published_through_the_outbox(
    client, newcomer
):
    listing = factories.listing(newcomer)
    city = bearer_header(factories.city())
    url = f"/api/v1/organizations/{newcomer.organization_id}/verify"
    response = client.post(url, headers=city)
    assert response.status_code == 200
    assert response.get_json() == {
        "id": newcomer.organization_id,
        "name": "Uusi Rakennus Oy",
        "business_id": "1572860-0",
        "verified": True,
    }
    session = fresh()
    assert session.get(Listing, listing.id).status == "available"
    published = [
        m.payload
        for m in session.scalars(
            sa.select(OutboxMessage).where(OutboxMessage.topic == "listing.changed")
        )
    ]
    assert {"listing_id": listing.id, "kind": "listing.published"} in published
    told = session.scalars(
        sa.select(OutboxMessage.payload).where(OutboxMessage.topic == "organization.verified")
    )
    assert list(told) == [{"organization_id": newcomer.organization_id}]
    assert client.post(url, headers=city).status_code == 200  # again: nothing changes
    assert (
        len(
            list(
                fresh().scalars(
                    sa.select(OutboxMessage.id).where(
                        OutboxMessage.topic == "organization.verified"
                    )
                )
            )
        )
        == 1
    )
    anyone = client.get(f"/api/v1/organizations/{newcomer.organization_id}")
    assert anyone.status_code == 200 and anyone.get_json()["verified"] is True


@pytest.mark.parametrize(
    "who, status, code",
    [
        ("anonymous", 401, "unauthenticated"),
        ("resident", 403, "forbidden"),
        ("member", 403, "forbidden"),
        ("other_builder", 403, "forbidden"),
    ],
)
def test_only_city_staff_verify(client, newcomer, who, status, code):
    listing = factories.listing(newcomer)
    users = {"resident": factories.resident, "other_builder": factories.builder}
    headers = (
        {} if who == "anonymous" else bearer_header(newcomer if who == "member" else users[who]())
    )
    response = client.post(
        f"/api/v1/organizations/{newcomer.organization_id}/verify", headers=headers
    )
    assert_error(response, status, code)
    assert fresh().get(Listing, listing.id).status == "pending_review"


def test_verifying_from_a_browser_session_needs_the_csrf_token(tmp_path):
    with running_app(tmp_path, WTF_CSRF_ENABLED=True):
        newcomer = factories.unverified_builder(email="new@example.com")
        city = factories.city(email="city@example.com")
        org_id = newcomer.organization_id
        client = english_client(_app())
        client.post(
            "/login",
            data={"email": city.email, "password": PASSWORD, "csrf_token": csrf_token(client)},
        )
        token = csrf_token(client, "/staff/organisations")
        page = client.post(f"/staff/organisations/{org_id}/verify", data={"confirm": "y"})
        assert page.status_code in (400, 422)  # the form without its token
        assert_error(client.post(f"/api/v1/organizations/{org_id}/verify"), 403, "csrf_failed")
        assert fresh().get(Organization, org_id).verified_at is None
        response = client.post(
            f"/api/v1/organizations/{org_id}/verify", headers={"X-CSRFToken": token}
        )
        assert response.status_code == 200 and response.get_json()["verified"] is True


def _app():
    from flask import current_app

    return current_app._get_current_object()
