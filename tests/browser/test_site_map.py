"""The site form on a phone (390×844, Finnish) in headless Chromium: a location picked on the map
(a tap, then the marker dragged), one found by "Hae osoite" in the demo gazetteer, and one typed
with a decimal comma are each saved and read back from the database. Map tiles are blocked (no
internet in tests): the marker and the fields do not depend on them."""

import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from marketplace.extensions import db
from marketplace.models import Site
from marketplace.places import loader

from .conftest import sign_in
from .test_accessibility import violations

pytestmark = pytest.mark.browser

BUILDER = "mikko.laine@demo.kera.example"
DEMO_PLACES = Path(__file__).resolve().parents[2] / "marketplace" / "data" / "demo_places.csv"


@pytest.fixture
def phone(live_server, browser):
    """A signed-in builder's phone on the new-site form."""
    app, base = live_server
    context = browser.new_context(
        locale="fi-FI", viewport={"width": 390, "height": 844}, device_scale_factor=1
    )
    context.route("https://tile.openstreetmap.org/**", lambda route: route.abort())
    page = context.new_page()
    sign_in(page, base, BUILDER)
    page.goto(f"{base}/sites/new")
    page.wait_for_selector("#site-picker.leaflet-container")
    yield app, page
    context.close()


def stored(app, name) -> tuple[float, float]:
    with app.app_context():
        site = db.session.scalars(sa.select(Site).where(Site.name == name)).one()
        db.session.remove()
        return site.lat, site.lng


def degrees(text: str) -> float:
    return float(text.replace(",", "."))


def save(page, name):
    page.fill("#name", name)
    page.click("form.site-form button.primary[type=submit]")
    page.wait_for_load_state()
    assert page.url.endswith("/sites/"), page.url


def test_a_location_tapped_then_dragged_on_the_map_is_saved(phone):
    app, page = phone
    page.fill("#address", "Kutojantie 6, 02630 Espoo")
    picker = page.locator("#site-picker")
    picker.scroll_into_view_if_needed()
    box = picker.bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.4)
    tapped = degrees(page.input_value("#lat")), degrees(page.input_value("#lng"))
    assert "," in page.input_value("#lat")  # written in the Finnish notation
    assert 60.1 < tapped[0] < 60.3 and 24.6 < tapped[1] < 24.9  # near Kera, where the map opens
    marker = page.locator("#site-picker .leaflet-marker-icon")
    assert marker.count() == 1
    start = marker.bounding_box()
    x, y = start["x"] + start["width"] / 2, start["y"] + start["height"] - 4
    page.mouse.move(x, y)
    page.mouse.down()
    for step in range(1, 11):  # Leaflet's drag follows real pointer moves
        page.mouse.move(x + 6 * step, y + 4 * step)
    page.mouse.up()
    dragged = degrees(page.input_value("#lat")), degrees(page.input_value("#lng"))
    assert dragged[1] > tapped[1] and dragged[0] < tapped[0]  # moved east and south
    save(page, "Kartalta valittu työmaa")
    assert stored(app, "Kartalta valittu työmaa") == (
        pytest.approx(dragged[0], abs=1e-5),
        pytest.approx(dragged[1], abs=1e-5),
    )


def test_a_location_typed_with_a_decimal_comma_is_saved_and_moves_the_marker(phone):
    app, page = phone
    page.fill("#address", "Kutojantie 6, 02630 Espoo")
    page.fill("#lat", "60,2170")
    page.fill("#lng", "24,7539")
    page.press("#lng", "Tab")  # a change event: the marker follows the fields
    assert page.locator("#site-picker .leaflet-marker-icon").count() == 1
    save(page, "Pilkulla kirjoitettu työmaa")
    assert stored(app, "Pilkulla kirjoitettu työmaa") == (
        pytest.approx(60.217),
        pytest.approx(24.7539),
    )


def test_an_address_found_with_hae_osoite_places_the_site(phone):
    app, page = phone
    with app.app_context():
        loader.load(DEMO_PLACES.read_text(encoding="utf-8").splitlines(True), source="demo")
        db.session.remove()
    page.fill("#address", "Kutojantie 6, 02630 Espoo")
    page.click("#place-search-button")
    choice = page.locator("#place-results button", has_text="Kutojantie 6")
    choice.wait_for()
    assert violations(page) == []  # axe-core with the choices shown
    choice.click()
    assert (page.input_value("#lat"), page.input_value("#lng")) == ("60,21330", "24,75980")
    assert "Kutojantie 6" in page.inner_text("#place-status")
    assert page.locator("#site-picker .leaflet-marker-icon").count() == 1
    save(page, "Osoitteella löydetty työmaa")
    assert stored(app, "Osoitteella löydetty työmaa") == (60.2133, 24.7598)


def test_an_address_not_in_the_gazetteer_says_so_and_leaves_the_fields(phone):
    _app, page = phone
    page.fill("#address", "Kutojantie 7")
    page.click("#place-search-button")
    # The answer, not the "searching…" line. Playwright's expect polls from outside the page:
    # wait_for_function's polling evaluates a string, which the page's CSP (no unsafe-eval)
    # refuses whenever the first look comes too early (a loaded machine).
    expect(page.locator("#place-status")).to_have_text(re.compile(r"^(?!.*…).*Kutojantie 7"))
    assert page.locator("#place-results button").count() == 0
    assert page.input_value("#lat") == ""
