"""The header on a phone (390 × 844, Finnish): at most five top-level items per role, the rest
in a menu that opens without JavaScript and from the keyboard, every former link still there,
the current page marked with aria-current, and axe-core clean with the menu open."""

import pytest
from flask import url_for

from .conftest import sign_in
from .test_accessibility import violations

pytestmark = pytest.mark.browser

# Every link the header had before the menu (issue 13), per role, and a page each role opens.
EVERYONE = ["main.index", "wanted.index", "impact.index"]
SIGNED_IN = EVERYONE + [
    "reservations.mine",
    "searches.index",
    "notifications.index",
    "accounts.profile",
]
ROLES = {
    None: (EVERYONE + ["accounts.login", "accounts.signup"], "impact.index"),
    "aino.virtanen@demo.kera.example": (SIGNED_IN, "reservations.mine"),
    "mikko.laine@demo.kera.example": (
        SIGNED_IN
        + ["listings.mine", "reservations.selling", "reservations.pickup_list", "sites.index"],
        "listings.mine",
    ),
    "laura.kallio@demo.kera.example": (
        SIGNED_IN + ["staff.dashboard", "staff.outbox_problems"],
        "staff.dashboard",
    ),
}
VISIBLE_TOP_ITEMS = """() => [...document.querySelectorAll('.main-nav a, .main-nav summary')]
    .filter(el => el.checkVisibility()).length"""


def urls(app, endpoints) -> dict[str, str]:
    with app.test_request_context():
        return {endpoint: url_for(endpoint) for endpoint in endpoints}


@pytest.mark.parametrize("email", list(ROLES), ids=["anonymous", "resident", "builder", "city"])
def test_phone_header_has_five_items_a_keyboard_menu_and_marks_the_page(
    live_server, browser, email
):
    app, base = live_server
    endpoints, current = ROLES[email]
    expected = urls(app, endpoints)
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, extra_http_headers={"Accept-Language": "fi"}
    )
    page = context.new_page()
    if email:
        sign_in(page, base, email)
    page.goto(base + expected[current])
    page.wait_for_load_state()

    assert page.evaluate(VISIBLE_TOP_ITEMS) <= 5
    marked = page.locator('.main-nav a[aria-current="page"]')
    assert marked.count() == 1 and marked.get_attribute("href") == expected[current]
    assert marked.evaluate("el => getComputedStyle(el).fontWeight") == "700"  # seen, not only read

    summary = page.locator(".main-nav summary")
    if email:
        for _ in range(40):  # keyboard only: Tab to the menu, Enter opens it
            page.keyboard.press("Tab")
            if summary.evaluate("el => el === document.activeElement"):
                break
        page.keyboard.press("Enter")
        assert page.locator(".main-nav details").evaluate("el => el.open")
        assert page.get_by_role("button", name="Kirjaudu ulos").is_visible()
    else:
        assert summary.count() == 0  # five links: nothing to fold away
    hrefs = page.locator(".main-nav a").evaluate_all("els => els.map(a => a.getAttribute('href'))")
    assert set(expected.values()) <= set(hrefs)
    shown = page.locator(".main-nav a").evaluate_all("els => els.every(a => a.checkVisibility())")
    assert shown  # with the menu open, every link can be followed
    assert violations(page) == []
    context.close()


def test_a_page_inside_the_menu_marks_the_menu_too(live_server, browser):
    app, base = live_server
    sites = urls(app, ["sites.index"])["sites.index"]
    page = browser.new_page(viewport={"width": 390, "height": 844})
    sign_in(page, base, "mikko.laine@demo.kera.example")
    page.goto(base + sites)
    assert page.locator(".main-nav summary.holds-current").count() == 1
    assert page.locator('.main-nav details a[aria-current="page"]').get_attribute("href") == sites
