"""API: a wanted post's matches and bundles, reserving a bundle, a listing's wanted posts; and the
post's page showing the bundles with their map and reserving one."""

from decimal import Decimal

from marketplace.extensions import db
from marketplace.models import Listing, WantedPost
from tests.helpers import assert_error, bearer_header, csrf_token, sign_in
from tests.unit.test_matching import post


def three_sites(make):
    """Lots of 60, 50 and 30 pieces of brick at three organisations' sites near Kera."""
    found = []
    for n, lat in ((60, 60.2200), (50, 60.2250), (30, 60.2300)):
        seller = make.builder()
        found.append(make.listing(seller, site_=make.site(seller, lat=lat), quantity=str(n)))
    return found


def test_the_owner_sees_matches_and_bundles_in_the_contract_s_shape(app, client, make):
    poster = make.resident()
    a, b, c = three_sites(make)
    wanted = post(poster, quantity=Decimal(100))
    response = client.get(f"/api/v1/wanted/{wanted.id}/matches", headers=bearer_header(poster))
    assert response.status_code == 200
    body = response.get_json()
    assert [m["listing_id"] for m in body["matches"]] == [a.id, b.id, c.id]
    first = body["matches"][0]
    assert set(first) == {
        "listing_id",
        "title",
        "organization",
        "quantity_available",
        "unit",
        "quantity_in_wanted_unit",
        "available_from",
        "available_until",
        "distance_km",
        "covers",
        "score",
    }
    assert first["covers"] is False and first["quantity_in_wanted_unit"] == 60
    bundle = body["bundles"][0]
    assert bundle["items"] == [
        {"listing_id": a.id, "quantity": 60},
        {"listing_id": b.id, "quantity": 40},
    ]
    assert bundle["total_quantity"] == 100 and bundle["covers"] is True
    assert len(bundle["organizations"]) == 2 and len(bundle["sites"]) == 2


def test_matches_are_the_owner_s_and_the_city_s_only(app, client, make):
    poster = make.resident()
    wanted = post(poster)
    url = f"/api/v1/wanted/{wanted.id}/matches"
    assert client.get(url, headers=bearer_header(make.city())).status_code == 200
    assert_error(client.get(url, headers=bearer_header(make.resident())), 404, "not_found")
    assert_error(client.get(url), 401, "unauthenticated")


def test_reserving_a_bundle_makes_a_reservation_per_item_and_covers_the_post(app, client, make):
    poster = make.resident()
    a, b, _c = three_sites(make)
    wanted = post(poster, quantity=Decimal(100))
    body = {"items": [{"listing_id": a.id, "quantity": 60}, {"listing_id": b.id, "quantity": "40"}]}
    response = client.post(
        f"/api/v1/wanted/{wanted.id}/reserve", json=body, headers=bearer_header(poster)
    )
    assert response.status_code == 201, response.get_json()
    out = response.get_json()
    assert [(r["listing_id"], r["quantity"]) for r in out["reservations"]] == [
        (a.id, 60),
        (b.id, 40),
    ]
    assert out["wanted"]["quantity_covered"] == 100 and out["wanted"]["status"] == "fulfilled"


def test_a_failing_item_is_a_409_naming_it_and_nothing_is_reserved(app, client, make):
    poster = make.resident()
    a, b, _c = three_sites(make)
    wanted = post(poster, quantity=Decimal(100))
    body = {"items": [{"listing_id": a.id, "quantity": 60}, {"listing_id": b.id, "quantity": 51}]}
    response = client.post(
        f"/api/v1/wanted/{wanted.id}/reserve", json=body, headers=bearer_header(poster)
    )
    assert_error(response, 409, "insufficient_quantity", fields=("items[1]",))
    db.session.rollback()
    assert db.session.get(Listing, a.id).quantity_reserved == 0
    assert db.session.get(WantedPost, wanted.id).quantity_covered == 0
    twice = {"items": [{"listing_id": a.id, "quantity": 1}, {"listing_id": a.id, "quantity": 1}]}
    response = client.post(
        f"/api/v1/wanted/{wanted.id}/reserve", json=twice, headers=bearer_header(poster)
    )
    assert_error(response, 422, "validation_failed", fields=("items[1]",))
    other = client.post(
        f"/api/v1/wanted/{wanted.id}/reserve", json=body, headers=bearer_header(make.resident())
    )
    assert_error(other, 404, "not_found")


def test_a_listing_s_organisation_sees_the_posts_it_could_serve(app, client, make):
    seller = make.builder()
    lot = make.listing(seller)
    wanted = post(make.resident())
    response = client.get(f"/api/v1/listings/{lot.id}/wanted", headers=bearer_header(seller))
    assert response.status_code == 200
    assert [w["id"] for w in response.get_json()] == [wanted.id]
    stranger = client.get(
        f"/api/v1/listings/{lot.id}/wanted", headers=bearer_header(make.builder())
    )
    assert_error(stranger, 404, "not_found")


def test_the_post_s_page_shows_bundles_on_a_map_and_reserves_one(app, client, make):
    poster = make.resident()
    a, b, _c = three_sites(make)
    wanted = post(poster, quantity=Decimal(100))
    sign_in(client, poster)
    page = client.get(f"/wanted/{wanted.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'id="bundle-map"' in html and "bundle-map-data" in html
    assert f'name="listing_id" value="{a.id}"' in html
    token = csrf_token(client, f"/wanted/{wanted.id}")
    response = client.post(
        f"/wanted/{wanted.id}/reserve",
        data={"csrf_token": token, "listing_id": [a.id, b.id], "quantity": ["60", "40"]},
    )
    assert response.status_code == 302
    db.session.rollback()
    assert db.session.get(WantedPost, wanted.id).status == "fulfilled"
