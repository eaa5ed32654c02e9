"""Search end to end: a listing made through the services reaches the embedded index through the
outbox worker, and /api/v1/listings finds it by text, radius and distance."""

import pytest

from marketplace import outbox
from marketplace.services import listings
from tests.search_corpus import KERA, KM_PER_DEGREE, haversine


def _get(client, query: str) -> dict:
    response = client.get(f"/api/v1/listings?{query}")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


@pytest.fixture
def two_roof_tile_listings(app, make):
    owner = make.builder()
    here = make.site(owner, name="Kera", lat=KERA[0], lng=KERA[1])
    away = make.site(owner, name="Leppävaara", lat=KERA[0] + 3 / KM_PER_DEGREE, lng=KERA[1])
    near = make.listing(owner, site_=here, title="Savikattotiili punainen", category="roof-tile")
    far = make.listing(owner, site_=away, title="Kattotiili musta", category="roof-tile")
    return owner, near, far


def test_a_listing_is_searchable_once_the_worker_has_run(client, two_roof_tile_listings):
    _, near, far = two_roof_tile_listings
    outbox.run_once()
    body = _get(client, "q=tiili")
    found = {hit["id"]: hit for hit in body["hits"]}
    assert {near.id, far.id} <= set(found) and body["total"] == 2
    assert "<mark>Savikattotiili</mark>" in found[near.id]["highlight"]["title"]
    assert body["facets"]["category"] == {"roof-tile": 2}
    assert all(hit["distance_km"] is None for hit in body["hits"])


def test_radius_distance_sort_and_distances_through_the_api(client, two_roof_tile_listings):
    _, near, far = two_roof_tile_listings
    outbox.run_once()
    point = f"lat={KERA[0]}&lng={KERA[1]}"
    body = _get(client, f"q=tiili&{point}&radius_km=1")
    assert [hit["id"] for hit in body["hits"]] == [near.id] and body["total"] == 1
    body = _get(client, f"q=kattotiili&{point}&sort=distance")
    assert [hit["id"] for hit in body["hits"]] == [near.id, far.id]
    expected = haversine(KERA[0], KERA[1], KERA[0] + 3 / KM_PER_DEGREE, KERA[1])
    assert body["hits"][0]["distance_km"] == pytest.approx(0, abs=0.01)
    assert body["hits"][1]["distance_km"] == pytest.approx(expected, abs=0.01)


def test_a_withdrawn_listing_leaves_the_index(client, two_roof_tile_listings):
    owner, near, far = two_roof_tile_listings
    outbox.run_once()
    listings.listing_withdraw(user_id=owner.id, listing_id=near.id)
    outbox.run_once()
    assert [hit["id"] for hit in _get(client, "q=tiili")["hits"]] == [far.id]
