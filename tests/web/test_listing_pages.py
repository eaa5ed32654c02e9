"""Listing pages: the form (with photos), inline errors, edit, withdraw, the listing page, the home
page's filters and paging, and photo files under /media."""

import io
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from PIL import Image

from marketplace import clock
from marketplace.extensions import db
from marketplace.models import Listing, ListingPhoto
from marketplace.services import accounts, photos
from tests import factories
from tests.factories import PASSWORD
from tests.helpers import deliver, english_client, fresh, jpeg


@pytest.fixture
def client(app):
    return english_client(app)


@pytest.fixture
def builder(app):
    user = factories.builder(email="builder@example.com", org_name="Kera Purku Oy")
    return accounts.user_update_profile(user_id=user.id, display_name="Bob", locale="en")


@pytest.fixture
def site(builder):
    return factories.site(
        builder,
        name="Kera Halli 3",
        address="Kauppamiehentie 1, 02150 Espoo",
        lat=60.21611,
        lng=24.75394,
        pickup_instructions="Ring the site office at gate B",
        opening_hours={"mon": ["07:00", "15:30"], "sat": ["09:00", "12:00"]},
    )


@pytest.fixture
def builder_client(app, builder):
    client = english_client(app)
    assert (
        client.post("/login", data={"email": builder.email, "password": PASSWORD}).status_code
        == 302
    )
    return client


@pytest.fixture
def listing(builder, site):
    return factories.listing(
        builder, site_=site, title="Punatiili MRT75", quantity="40", condition="good"
    )


def form_data(site, **overrides):
    today = clock.today()
    data = {
        "title": "Kuusilauta 22x100",
        "description": "Kuivaa lautaa",
        "category": "timber",
        "quantity": "2,5",
        "unit": "m3",
        "kg_per_unit": "450",
        "condition": "like_new",
        "dimensions": "22 × 100 × 4200 mm",
        "site_id": str(site.id),
        "available_from": today.isoformat(),
        "available_until": (today + timedelta(days=20)).isoformat(),
        "price": "12,50",
        "hazard_free": "y",
    }
    data.update(overrides)
    return data


def card_titles(html: str) -> list[str]:
    return [t.strip() for t in re.findall(r'<h3 class="card-title">(.*?)</h3>', html, re.S)]


# --- create ------------------------------------------------------------------------------------


def test_builder_lists_material_with_a_photo_and_sees_it(builder_client, site):
    data = form_data(site, photos=[(io.BytesIO(jpeg((1200, 900))), "IMG_0001.jpg")])
    response = builder_client.post("/listings/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 302
    listing = fresh().scalars(sa.select(Listing)).one()
    assert response.headers["Location"] == f"/listings/{listing.id}"
    assert (listing.quantity, listing.price_cents, listing.mass_source) == (2.5, 1250, "declared")
    page = builder_client.get(response.headers["Location"])
    assert page.status_code == 200
    assert "Kuusilauta 22x100" in page.text and "Your listing is published." in page.text
    photo = listing.photos[0]
    assert f'src="/media/{photo.file_key}"' in page.text
    assert "IMG_0001" not in photo.file_key and "IMG_0001" not in page.text


def test_form_error_is_shown_next_to_the_field_with_status_422(builder_client, site):
    response = builder_client.post("/listings/new", data=form_data(site, quantity="abc"))
    assert response.status_code == 422
    assert re.search(
        r'<input[^>]*aria-describedby="[^"]*\bquantity-error\b[^"]*"[^>]*>', response.text
    )
    assert re.search(r'<input[^>]*aria-invalid="true"[^>]*name="quantity"', response.text)
    assert re.search(
        r'<p class="error" id="quantity-error">Enter a number, e.g. 12.5.</p>', response.text
    )
    assert 'value="Kuusilauta 22x100"' in response.text  # what was typed is kept
    assert fresh().scalar(sa.select(sa.func.count()).select_from(Listing)) == 0


def test_missing_hazard_declaration_is_shown_on_the_checkbox(builder_client, site):
    data = form_data(site)
    del data["hazard_free"]
    response = builder_client.post("/listings/new", data=data)
    assert response.status_code == 422
    assert re.search(r'<input[^>]*aria-describedby="hazard_free-error"[^>]*>', response.text)
    assert 'id="hazard_free-error"' in response.text
    assert fresh().scalar(sa.select(sa.func.count()).select_from(Listing)) == 0


def test_new_listing_page_sends_a_builder_without_sites_to_add_one(app):
    lonely = factories.builder(email="lonely@example.com")
    client = english_client(app)
    client.post("/login", data={"email": lonely.email, "password": PASSWORD})
    response = client.get("/listings/new")
    assert response.status_code == 302 and response.headers["Location"] == "/sites/new"


# --- edit --------------------------------------------------------------------------------------


def test_edit_form_is_filled_in_and_saves_changes(builder_client, site, listing):
    form = builder_client.get(f"/listings/{listing.id}/edit")
    assert form.status_code == 200
    assert 'value="Punatiili MRT75"' in form.text and 'value="40"' in form.text
    response = builder_client.post(
        f"/listings/{listing.id}/edit",
        data=form_data(
            site,
            title="Punatiili MRT75, 1 200 kpl",
            category="brick",
            quantity="1200",
            unit="pcs",
            kg_per_unit="",
            condition="fair",
            price="",
        ),
    )
    assert response.status_code == 302 and response.headers["Location"] == f"/listings/{listing.id}"
    page = builder_client.get(f"/listings/{listing.id}")
    assert "Punatiili MRT75, 1 200 kpl" in page.text and "The listing was saved." in page.text
    stored = fresh().get(Listing, listing.id)
    assert (stored.quantity, stored.condition, stored.price_cents) == (1200, "fair", 0)


def test_edit_with_a_bad_value_shows_the_error_and_keeps_the_listing(builder_client, site, listing):
    response = builder_client.post(
        f"/listings/{listing.id}/edit",
        data=form_data(
            site, title="Changed", category="brick", unit="pcs", quantity="-3", kg_per_unit=""
        ),
    )
    assert response.status_code == 422 and 'id="quantity-error"' in response.text
    assert fresh().get(Listing, listing.id).title == "Punatiili MRT75"


# --- withdraw ----------------------------------------------------------------------------------


def test_withdraw_asks_first_then_takes_the_listing_down(client, builder_client, listing):
    deliver()
    assert "Punatiili MRT75" in card_titles(client.get("/").text)
    confirm = builder_client.get(f"/listings/{listing.id}/withdraw")
    assert confirm.status_code == 200
    assert "Withdraw “Punatiili MRT75”?" in confirm.text
    assert fresh().get(Listing, listing.id).status == "available"  # the GET changed nothing
    response = builder_client.post(
        f"/listings/{listing.id}/withdraw", data={"reason": "Sold elsewhere"}
    )
    assert response.status_code == 302 and response.headers["Location"] == f"/listings/{listing.id}"
    assert fresh().get(Listing, listing.id).status == "withdrawn"
    assert "Withdrawn" in builder_client.get(f"/listings/{listing.id}").text
    deliver()
    assert "Punatiili MRT75" not in card_titles(client.get("/").text)


# --- the listing page --------------------------------------------------------------------------


def test_listing_page_shows_what_a_taker_needs(client, listing):
    page = client.get(f"/listings/{listing.id}")
    assert page.status_code == 200
    text = page.text
    assert "<strong>40 pcs</strong> left" in text
    assert "about 120 kg in total" in text and "typical value from the catalogue" in text
    assert "<dt>Condition</dt><dd>Good</dd>" in text
    assert "Kera Halli 3" in text and "Kauppamiehentie 1, 02150 Espoo" in text
    assert "Ring the site office at gate B" in text
    assert '<th scope="row">Mon</th><td>07:00–15:30</td>' in text
    assert '<th scope="row">Sat</th><td>09:00–12:00</td>' in text
    assert '<th scope="row">Sun</th><td>closed</td>' in text
    assert "60.21611; 24.75394" in text  # a comma is the decimal mark in fi and sv
    assert "Kera Purku Oy" in text


def test_listing_page_of_an_unknown_listing_is_404(client):
    assert client.get("/listings/99999").status_code == 404


def test_listing_page_shows_a_declared_mass_as_declared(client, builder, site):
    listing = factories.listing(
        builder,
        site_=site,
        title="Teräspalkki HEA 200",
        category="steel-section",
        quantity="6",
        unit="pcs",
        kg_per_unit="254.5",
    )
    text = client.get(f"/listings/{listing.id}").text
    assert "about 1,527 kg in total" in text and "declared by the seller" in text


# --- home page ---------------------------------------------------------------------------------


@pytest.fixture
def two_listings(builder, site):
    other_site = factories.site(builder, name="Kera Varasto")
    brick = factories.listing(builder, site_=site, title="Punatiili MRT75", condition="good")
    timber = factories.listing(
        builder,
        site_=other_site,
        title="Kuusilauta 22x100",
        category="timber",
        unit="m3",
        quantity="2",
        kg_per_unit="450",
        condition="fair",
        price_cents=500,
    )
    deliver()
    return brick, timber, other_site


@pytest.mark.parametrize(
    "query, expected",
    [
        ("", {"Punatiili MRT75", "Kuusilauta 22x100"}),
        ("?category=brick", {"Punatiili MRT75"}),
        ("?category=brick&category=timber", {"Punatiili MRT75", "Kuusilauta 22x100"}),
        ("?condition=fair", {"Kuusilauta 22x100"}),
        ("?free=true", {"Punatiili MRT75"}),
        ("?category=door", set()),
    ],
)
def test_home_page_lists_and_filters_listings(client, two_listings, query, expected):
    response = client.get("/" + query)
    assert response.status_code == 200
    assert set(card_titles(response.text)) == expected


def test_home_page_filters_by_site(client, two_listings):
    _brick, _timber, other_site = two_listings
    assert card_titles(client.get(f"/?site_id={other_site.id}").text) == ["Kuusilauta 22x100"]


def test_home_page_with_a_bad_filter_says_so_with_400(client, listing):
    response = client.get("/?condition=shiny")
    assert response.status_code == 400
    assert 'role="alert"' in response.text


def test_home_page_hides_listings_past_their_window_but_shows_upcoming_ones(client, builder, site):
    factories.listing(
        builder, site_=site, title="Later lot", available_from=clock.today() + timedelta(days=3)
    )
    factories.listing(
        builder,
        site_=site,
        title="Old lot",
        available_from=clock.today(),
        available_until=clock.today() + timedelta(days=1),
    )
    deliver()
    assert sorted(card_titles(client.get("/").text)) == ["Later lot", "Old lot"]
    clock.advance(days=2)
    deliver()
    assert card_titles(client.get("/").text) == ["Later lot"]


def test_home_page_pages_through_30_listings(client, builder, site):
    for n in range(30):
        factories.listing(builder, site_=site, title=f"Lot {n:02d}")
    deliver()
    first = client.get("/?per_page=10")
    assert "Page 1 of 3" in first.text
    assert len(card_titles(first.text)) == 10
    assert re.search(r'<a rel="next" href="/\?per_page=10&amp;page=2">', first.text)
    assert 'rel="prev"' not in first.text
    last = client.get("/?per_page=10&page=3")
    assert "Page 3 of 3" in last.text and 'rel="next"' not in last.text
    assert card_titles(last.text) == [f"Lot {n:02d}" for n in range(9, -1, -1)]


# --- photos under /media -----------------------------------------------------------------------


def test_photo_is_served_as_a_jpeg_that_cannot_run(client, builder, listing):
    photo = photos.photo_add(user_id=builder.id, listing_id=listing.id, data=jpeg((1200, 900)))
    for key in (photo.file_key, photo.thumb_key):
        response = client.get(f"/media/{key}")
        assert response.status_code == 200
        assert response.mimetype == "image/jpeg"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "sandbox" in response.headers["Content-Security-Policy"]
        assert Image.open(io.BytesIO(response.data)).format == "JPEG"


@pytest.mark.parametrize(
    "key", ["0" * 32 + ".jpg", "../test.sqlite3", "..%2Ftest.sqlite3", "nothing"]
)
def test_unknown_media_key_is_404(client, listing, key):
    assert client.get(f"/media/{key}").status_code == 404


def test_photo_of_a_listing_hidden_by_the_city_is_404_for_the_public(client, builder, listing):
    photo = photos.photo_add(user_id=builder.id, listing_id=listing.id, data=jpeg((1200, 900)))
    db.session.get(Listing, listing.id).hidden_reason = "Under review"
    db.session.commit()
    assert client.get(f"/media/{photo.file_key}").status_code == 404
    assert fresh().scalar(sa.select(sa.func.count()).select_from(ListingPhoto)) == 1
