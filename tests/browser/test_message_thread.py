"""The conversation on a demo reservation's page, in headless Chromium at 390×844 in Finnish:
the taker writes (HTML shown as text, line breaks kept, a long word wrapped instead of making
the page scroll sideways), the seller reads and answers, city staff read without a form; axe
finds nothing on the page with a conversation."""

import pytest

from .test_accessibility import violations
from .test_phone_reservation import SELLER, TAKER, demo_reservation, phone  # noqa: F401

pytestmark = pytest.mark.browser

CITY = "laura.kallio@demo.kera.example"
TYPED = "<script>window.pwned = 1</script>\nMyöhästyn 10 min.\n\nSoitan portilta " + "x" * 120


def _write(page, text):
    page.fill("#messages textarea", text)
    page.click("#messages button[type=submit]")
    page.wait_for_load_state()


def test_a_conversation_on_the_phone(browser, demo_reservation):  # noqa: F811
    base, reservation_id, _code, _title = demo_reservation
    url = f"{base}/reservations/{reservation_id}"
    taker = phone(browser, TAKER, base)
    taker.goto(url)
    _write(taker, TYPED)
    assert taker.url.endswith(f"/reservations/{reservation_id}#messages")
    body = taker.locator("#messages .message-body").last
    assert body.inner_text() == TYPED  # as typed, its line breaks shown
    assert body.evaluate("e => getComputedStyle(e).whiteSpace") == "pre-line"
    assert body.locator("script, br").count() == 0
    assert taker.evaluate("window.pwned") is None
    assert not taker.evaluate("document.documentElement.scrollWidth > window.innerWidth + 1")
    assert violations(taker) == []

    seller = phone(browser, SELLER, base)
    seller.goto(url)
    assert seller.locator("#messages .message-body").last.inner_text() == TYPED
    _write(seller, "Ei haittaa, odotamme.")
    assert seller.locator("#messages .message-body").last.inner_text() == "Ei haittaa, odotamme."
    assert violations(seller) == []

    city = phone(browser, CITY, base)
    city.goto(url)
    assert city.locator("#messages .message").count() >= 2
    assert city.locator("#messages form").count() == 0  # city staff read only
    assert violations(city) == []
