"""Sites through the API: an organisation's own sites only, creating with coordinate checks, and
full and partial updates."""

import pytest
import sqlalchemy as sa

from marketplace.models import Site
from tests.helpers import assert_error, fresh


def test_sites_lists_only_the_callers_organisation(client, site, bearer, stranger):
    response = client.get("/api/v1/sites", headers=bearer)
    assert response.status_code == 200
    assert [s["name"] for s in response.get_json()] == ["Kera Halli 3"]


def test_sites_list_is_refused_to_residents(client, resident_bearer):
    assert_error(client.get("/api/v1/sites", headers=resident_bearer), 403, "forbidden")


def test_site_create_returns_the_new_site(client, builder, bearer):
    response = client.post(
        "/api/v1/sites",
        headers=bearer,
        json={
            "name": "Kerantie yard",
            "address": "Kerantie 5, 02150 Espoo",
            "lat": 60.2175,
            "lng": 24.7561,
            "pickup_instructions": "Gate C",
            "opening_hours": {"mon": ["07:00", "15:00"]},
        },
    )
    assert response.status_code == 201
    body = response.get_json()
    assert (body["name"], body["lat"], body["lng"], body["opening_hours"]) == (
        "Kerantie yard",
        60.2175,
        24.7561,
        {"mon": ["07:00", "15:00"]},
    )
    assert fresh().get(Site, body["id"]).organization_id == builder.organization_id


@pytest.mark.parametrize(
    "field, value",
    [("lat", 91), ("lat", -90.5), ("lng", "abc"), ("lng", 180.01), ("lat", None), ("name", "")],
)
def test_site_create_with_a_bad_value_is_422_on_that_field(client, bearer, field, value):
    body = {"name": "Yard", "address": "Kerantie 5", "lat": 60.2, "lng": 24.7, field: value}
    assert_error(client.post("/api/v1/sites", headers=bearer, json=body), 422, fields=[field])
    assert fresh().scalar(sa.select(sa.func.count()).select_from(Site)) == 0


def test_site_get_returns_one_own_site(client, site, bearer):
    response = client.get(f"/api/v1/sites/{site.id}", headers=bearer)
    assert response.status_code == 200 and response.get_json()["name"] == "Kera Halli 3"


def test_site_get_of_another_organisation_is_404(client, bearer, stranger):
    assert_error(
        client.get(f"/api/v1/sites/{stranger['site'].id}", headers=bearer), 404, "not_found"
    )


def test_site_patch_replaces_the_details(client, site, bearer):
    response = client.patch(
        f"/api/v1/sites/{site.id}",
        headers=bearer,
        json={
            "name": "Kera Halli 3B",
            "address": "Kutojantie 3, 02630 Espoo",
            "lat": 60.2162,
            "lng": 24.754,
        },
    )
    assert response.status_code == 200 and response.get_json()["name"] == "Kera Halli 3B"
    assert fresh().get(Site, site.id).name == "Kera Halli 3B"


def test_site_patch_changes_only_the_fields_sent(client, site, bearer):
    before = fresh().get(Site, site.id)
    address, lat, hours = before.address, before.lat, before.opening_hours
    response = client.patch(
        f"/api/v1/sites/{site.id}", headers=bearer, json={"name": "Kera Halli 3C"}
    )
    assert response.status_code == 200
    after = fresh().get(Site, site.id)
    assert (after.name, after.address, after.lat, after.opening_hours) == (
        "Kera Halli 3C",
        address,
        lat,
        hours,
    )
    emptied = client.patch(f"/api/v1/sites/{site.id}", headers=bearer, json={"name": None})
    assert_error(emptied, 422, "validation_failed")
    assert "name" in emptied.get_json()["error"]["fields"]


def test_site_patch_of_another_organisation_is_404(client, bearer, stranger):
    response = client.patch(
        f"/api/v1/sites/{stranger['site'].id}",
        headers=bearer,
        json={"name": "Mine", "address": "X", "lat": 60.2, "lng": 24.7},
    )
    assert_error(response, 404, "not_found")
    assert fresh().get(Site, stranger["site"].id).name == "Stranger's yard"
