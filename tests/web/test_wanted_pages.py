"""Wanted-post pages: browse, post (decimal comma), edit, close; the Wanted tab; no names."""

from datetime import timedelta

import sqlalchemy as sa

from marketplace import clock
from marketplace.models import WantedPost, WantedStatus
from marketplace.services import wanted as wanted_services
from tests import factories
from tests.helpers import english_client, fresh, sign_in


def _form(**overrides):
    data = {
        "title": "Lattialautaa saunaan",
        "description": "",
        "category": "timber",
        "quantity": "12,5",
        "unit": "m2",
        "needed_from": "",
        "needed_by": str(clock.today() + timedelta(days=30)),
        "lat": "",
        "lng": "",
        "radius_km": "",
        "max_price": "4,50",
    }
    data.update(overrides)
    return data


def _post(owner, **overrides):
    values = {
        "title": "Ovet 9x21",
        "category": "door",
        "quantity": "20",
        "unit": "pcs",
        "needed_by": clock.today() + timedelta(days=40),
    }
    values.update(overrides)
    return wanted_services.wanted_create(user_id=owner.id, **values)


def test_post_with_a_decimal_comma_then_edit_and_close(app):
    client = english_client(app)
    resident = factories.resident()
    sign_in(client, resident)
    assert client.get("/wanted/new").status_code == 200
    response = client.post("/wanted/new", data=_form())
    assert response.status_code == 302, response.text
    wanted = fresh().scalar(sa.select(WantedPost))
    assert str(wanted.quantity) == "12.500" and wanted.max_price_cents == 450
    assert wanted.lat is None and wanted.radius_km == 5
    page = client.get(response.headers["Location"])
    assert "Lattialautaa saunaan" in page.text and "A resident" in page.text
    assert "Close the post" in page.text

    edit = client.get(f"/wanted/{wanted.id}/edit")
    assert edit.status_code == 200 and "12.5" in edit.text and "4.5" in edit.text
    saved = client.post(f"/wanted/{wanted.id}/edit", data=_form(quantity="8"))
    assert saved.status_code == 302
    assert fresh().get(WantedPost, wanted.id).quantity == 8

    client.post(f"/wanted/{wanted.id}/close", data={})  # the test app checks no CSRF
    assert fresh().get(WantedPost, wanted.id).status == WantedStatus.CLOSED


def test_window_errors_are_shown_on_the_form(app):
    client = english_client(app)
    sign_in(client, factories.resident())
    past = str(clock.today() - timedelta(days=1))
    response = client.post("/wanted/new", data=_form(needed_by=past))
    assert response.status_code == 422 and "cannot be in the past" in response.text
    response = client.post("/wanted/new", data=_form(quantity="12.5.0"))
    assert response.status_code == 422


def test_browse_the_wanted_tab_in_finnish(app):
    builder = factories.builder(org_name="Keran Rakennus Oy")
    _post(builder, title="Väliovet 9x21")
    _post(
        factories.resident(display_name="Aino Virtanen"),
        title="Tiiliä grilliin",
        category="brick",
        quantity="150.5",
    )
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "fi"
    home = client.get("/")
    assert 'href="/wanted/"' in home.text
    page = client.get("/wanted/")
    assert page.status_code == 200
    assert "Väliovet 9x21" in page.text and "Keran Rakennus Oy" in page.text
    assert "150,5" in page.text and "Aino" not in page.text
    only_bricks = client.get("/wanted/", query_string={"category": "brick"})
    assert "Tiiliä grilliin" in only_bricks.text and "Väliovet" not in only_bricks.text
    assert client.get("/wanted/", query_string={"lat": "x"}).status_code == 400


def test_someone_elses_post_cannot_be_edited(app):
    wanted = _post(factories.resident())
    client = english_client(app)
    sign_in(client, factories.resident())
    assert client.get(f"/wanted/{wanted.id}/edit").status_code == 404
    assert client.post(f"/wanted/{wanted.id}/close").status_code == 404
    page = client.get(f"/wanted/{wanted.id}")
    assert page.status_code == 200 and "Close the post" not in page.text


def test_the_poster_sees_the_matches_and_the_builder_sees_who_needs_the_lot(app):
    poster = factories.resident()
    wanted = _post(poster, title="Tiiliä muuriin", category="brick", quantity="100")
    seller = factories.builder(org_name="Purku Oy")
    listing = factories.listing(seller, title="Punatiili MRT75")
    client = english_client(app)
    sign_in(client, poster)
    page = client.get(f"/wanted/{wanted.id}")
    assert "Listings that could serve this" in page.text
    assert "Punatiili MRT75" in page.text and "Purku Oy" in page.text
    stranger = english_client(app)
    assert "Punatiili MRT75" not in stranger.get(f"/wanted/{wanted.id}").text

    seller_client = english_client(app)
    sign_in(seller_client, seller)
    lot = seller_client.get(f"/listings/{listing.id}")
    assert "1 person needs this" in lot.text and "Tiiliä muuriin" in lot.text
    assert "needs this" not in stranger.get(f"/listings/{listing.id}").text
