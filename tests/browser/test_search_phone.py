"""The search page on a phone (390 × 844, Finnish) with the Kera demo data indexed: the first
result inside the first screen, the keyboard reaching it in at most five Tab presses, and the map
drawing one marker per site of the whole result (not the page), without map tiles."""

import pytest
import sqlalchemy as sa

from marketplace import clock, outbox
from marketplace.extensions import db
from marketplace.models import Listing

from .conftest import sign_in
from .test_accessibility import violations

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone(live_server, browser):
    """A Finnish phone on the demo data, every listing indexed, nothing loaded from outside."""
    app, base = live_server
    with app.app_context():
        while outbox.run_once():
            pass
        db.session.remove()
    context = browser.new_context(locale="fi-FI", viewport=PHONE)
    context.route(
        "**/*",
        lambda route: route.continue_() if route.request.url.startswith(base) else route.abort(),
    )
    yield app, base, context.new_page()
    context.close()


def test_the_first_result_is_inside_the_first_screen(phone):
    _, base, page = phone
    page.goto(f"{base}/?q=tiili")
    box = page.locator(".card").first.bounding_box()
    assert box is not None and box["y"] >= 0
    assert box["y"] + box["height"] <= PHONE["height"], box
    assert page.locator("#filter-panel").get_attribute("open") is None  # filters folded away
    assert not violations(page)


def test_the_keyboard_reaches_the_first_result_in_five_tab_presses(phone):
    """Tab, and Enter on a skip link (which moves the focus, as a keyboard user does)."""
    _, base, page = phone
    page.goto(f"{base}/?q=tiili")
    first = page.locator(".card-link").first.get_attribute("href")
    presses = 0
    while presses < 5:
        page.keyboard.press("Tab")
        presses += 1
        focused = page.evaluate(
            "({skip: document.activeElement.classList.contains('skip-link'),"
            " href: document.activeElement.getAttribute('href')})"
        )
        if focused["href"] == first:
            break
        if focused["skip"]:
            page.keyboard.press("Enter")
    assert focused["href"] == first, f"{presses} Tab presses reached {focused}, not {first}"


def _sites_in_db(app) -> tuple[set[int], int]:
    """The sites of every listing anyone may find now (the whole result of a search without
    words or filters), and how many listings that is."""
    with app.app_context():
        query = sa.select(Listing.site_id).where(
            Listing.findable_clause(clock.today()), Listing.is_released_clause(clock.now())
        )
        found = set(db.session.scalars(query.distinct()))
        total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
        db.session.remove()
    return found, total


def _markers(page) -> int:
    """Markers in the results map's layer, once maps.js has drawn them (polled: the page's
    Content-Security-Policy refuses Playwright's wait_for_function)."""
    for _ in range(100):
        count = page.evaluate(
            "window.keraMaps && window.keraMaps.resultsLayer"
            " ? window.keraMaps.resultsLayer.getLayers().length : null"
        )
        if count is not None:
            return count
        page.wait_for_timeout(100)
    pytest.fail("the results map drew no marker layer in 10 s")


def test_the_map_has_a_marker_for_every_site_of_the_whole_result(phone):
    app, base, page = phone
    sites, total = _sites_in_db(app)
    page.goto(f"{base}/?view=map&per_page=5")
    assert total > 5 and page.locator(".card").count() == 5  # one page of several
    markers = _markers(page)
    shown = page.evaluate(
        "window.keraMaps.resultsLayer.getLayers().map(function (m) { return m.options.siteId; })"
    )
    assert markers == len(sites) > 1 and set(shown) == sites
    counted = page.evaluate(
        "window.keraMaps.resultsLayer.getLayers()"
        ".reduce(function (n, m) { return n + m.options.count; }, 0)"
    )
    assert counted == total
    # Markers (or their clusters) are drawn although every tile was refused.
    assert page.locator("#results-map .leaflet-marker-icon").count() >= 1
    assert not page.locator("#results-map .leaflet-tile-loaded").count()
    assert not violations(page)


def test_a_narrower_search_narrows_the_map(phone):
    app, base, page = phone
    page.goto(f"{base}/?q=tiili&view=map&per_page=2")
    markers = _markers(page)
    data = page.evaluate(
        "fetch(document.getElementById('results-map').dataset.src)"
        ".then(function (r) { return r.json(); })"
    )
    assert markers == len(data["sites"]) >= 2
    assert sum(s["count"] for s in data["sites"]) == data["total"] > 2


def test_a_signed_in_phone_sees_save_this_search_after_the_results(live_server, browser):
    app, base = live_server
    with app.app_context():
        while outbox.run_once():
            pass
        db.session.remove()
    context = browser.new_context(locale="fi-FI", viewport=PHONE)
    page = context.new_page()
    sign_in(page, base, "aino.virtanen@demo.kera.example")
    page.goto(f"{base}/?q=tiili")
    heading = page.locator("#save-search-heading")
    assert heading.is_visible()
    assert page.locator(".card").first.bounding_box()["y"] < heading.bounding_box()["y"]
    page.fill("#save-name", "Tiilet kotiin")
    page.click(".save-this-search button[type=submit]")
    page.wait_for_load_state()
    assert "Tiilet kotiin" in page.locator("main").inner_text()
    assert not violations(page)
    context.close()
