"""Phone first at the site gate (issue 13, point 1), in headless Chromium at 390×844 in Finnish:
the pickup code is inside the first screen of a demo reservation's page; on the pickup list the
code field is, a typed code reaches the hand-over step and a wrong one is a field error; the
"Scan" button appears only where the browser has a barcode detector, and a code it reads is
submitted; axe finds nothing on these pages."""

import pytest
import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.models import Listing, Site, User
from marketplace.services import pickups
from marketplace.services import reservations as svc

from .conftest import sign_in
from .test_accessibility import violations

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
TAKER = "aino.virtanen@demo.kera.example"
SELLER = "mikko.laine@demo.kera.example"


@pytest.fixture
def demo_reservation(live_server):
    """Aino reserves a lot at the first site of Mikko's organisation for its first free time."""
    app, base = live_server
    with app.app_context():
        seller = db.session.scalar(sa.select(User).where(User.email == SELLER))
        taker = db.session.scalar(sa.select(User).where(User.email == TAKER))
        site_id = db.session.scalar(
            sa.select(sa.func.min(Site.id)).where(Site.organization_id == seller.organization_id)
        )
        listing = db.session.scalar(
            sa.select(Listing)
            .where(Listing.site_id == site_id, Listing.status == "available")
            .where(Listing.price_cents == 0)
            .order_by(Listing.id)
        )
        slot = pickups.free_slots(listing)[0].start
        reservation = svc.reservation_create(
            user_id=taker.id, listing_id=listing.id, quantity="1", pickup_at=slot
        )
        found = reservation.id, reservation.code, listing.title
        db.session.remove()
    return base, *found


def phone(browser, who, base, init_script=None):
    context = browser.new_context(locale="fi-FI", viewport=PHONE)
    context.route("https://tile.openstreetmap.org/**", lambda route: route.abort())
    if init_script:
        context.add_init_script(init_script)
    page = context.new_page()
    sign_in(page, base, who)
    return page


def in_first_screen(page, selector) -> dict:
    box = page.locator(selector).first.bounding_box()
    assert box is not None, f"{selector} is not shown"
    assert box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"], (selector, box)
    return box


@pytest.mark.parametrize("who", [TAKER, SELLER])
def test_the_pickup_code_is_in_the_first_screen(browser, demo_reservation, who):
    base, reservation_id, code, _title = demo_reservation
    page = phone(browser, who, base)
    page.goto(f"{base}/reservations/{reservation_id}")
    assert page.locator(".pickup-code strong").inner_text().strip() == code
    in_first_screen(page, ".pickup-code strong")
    in_first_screen(page, ".qr svg")
    assert page.locator(".map-links a").count() == 3
    assert violations(page) == []
    assert not page.evaluate("document.documentElement.scrollWidth > window.innerWidth + 1")


def test_a_code_typed_on_the_pickup_list_reaches_the_handover(browser, demo_reservation):
    base, reservation_id, code, title = demo_reservation
    page = phone(browser, SELLER, base)
    page.goto(f"{base}/pickups")
    in_first_screen(page, "#pickup-code")
    in_first_screen(page, ".code-actions button[type=submit]")
    assert page.locator("li.pickup", has_text=title).count() == 1
    assert violations(page) == []

    page.fill("#pickup-code", "ZZZZZZ")
    page.press("#pickup-code", "Enter")
    page.wait_for_load_state()
    assert page.locator("#pickup-code").get_attribute("aria-invalid") == "true"
    in_first_screen(page, "#pickup-code-error")
    assert violations(page) == []

    page.fill("#pickup-code", code.lower())
    page.click(".code-actions button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("h2", has_text=title).count() == 1
    assert page.locator(f"#code-{reservation_id}").input_value() == code
    assert violations(page) == []
    page.click("form.collect-form button[type=submit]")
    page.wait_for_load_state()
    assert page.url.startswith(f"{base}/pickups")
    assert page.locator(".flash-success").count() == 1
    assert page.locator("li.pickup", has_text=title).count() == 0  # handed over


NO_DETECTOR = "delete window.BarcodeDetector;"
# A detector that reads the code from any frame, and a camera that films a blank canvas.
FAKE_CAMERA = """
window.BarcodeDetector = class {
  static getSupportedFormats() { return Promise.resolve(["qr_code", "ean_13"]); }
  constructor(options) { this.formats = options.formats; }
  detect(source) { return Promise.resolve([{ rawValue: window.__code, format: "qr_code" }]); }
};
navigator.mediaDevices.getUserMedia = function () {
  var canvas = document.createElement("canvas");
  canvas.width = 64; canvas.height = 64;
  canvas.getContext("2d").fillRect(0, 0, 64, 64);
  return Promise.resolve(canvas.captureStream(5));
};
"""


def test_the_scan_button_is_only_there_with_a_detector(browser, demo_reservation):
    base, reservation_id, code, title = demo_reservation
    plain = phone(browser, SELLER, base, NO_DETECTOR)
    plain.goto(f"{base}/pickups")
    assert plain.locator("[data-scan-start]").is_hidden()
    assert plain.locator("#pickup-code").is_visible()  # typing always works

    scanning = phone(browser, SELLER, base, FAKE_CAMERA + f"window.__code = {code!r};")
    scanning.goto(f"{base}/pickups")
    scan = scanning.locator("[data-scan-start]")
    scan.wait_for(state="visible")
    in_first_screen(scanning, "[data-scan-start]")
    assert violations(scanning) == []
    with scanning.expect_navigation():
        scan.click()
    assert scanning.locator(f"#code-{reservation_id}").input_value() == code
    assert scanning.locator("h2", has_text=title).count() == 1
