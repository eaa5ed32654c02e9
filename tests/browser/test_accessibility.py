"""Accessibility and phone layout of the main pages, in Finnish, in headless Chromium.

axe-core (bundled by axe-playwright-python) checks the WCAG 2.0/2.1 A and AA rules it can decide
automatically: contrast, labels, alt text, names of links and buttons, landmarks, ARIA. Every page
is checked at a phone's width (390 px) and on a desktop (1280 px); at the phone's width a page must
not scroll sideways. Map tiles are blocked (no internet in tests); the list must not depend on them.
"""

import pytest
import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.models import Listing, Site, User

from .conftest import sign_in

pytestmark = pytest.mark.browser

WCAG_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
PAGES = {
    None: [
        "/",
        "/?q=tiilli",
        "/?q=tiili&view=map",
        "/listings/{listing}",
        "/login",
        "/signup",
        "/impact/",
        "/accessibility",
    ],
    "aino.virtanen@demo.kera.example": [
        "/?q=tiili",  # with "Save this search"
        "/reservations",
        "/notifications/",
        "/searches/",
        "/account",
    ],
    "mikko.laine@demo.kera.example": [
        "/listings/new",
        "/listings/mine",
        "/pickups",
        "/sites/new",
        "/sites/",
        "/sites/{site}/edit",
    ],
    "laura.kallio@demo.kera.example": ["/staff/", "/staff/report"],
}


def violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    found = Axe().run(page, options=WCAG_AA).response["violations"]
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in found
    ]


@pytest.mark.parametrize("width", [390, 1280])
def test_main_pages_pass_wcag_aa_rules_and_fit_a_phone(live_server, browser, width):
    app, base = live_server
    with app.app_context():
        listing_id = db.session.scalar(
            sa.select(sa.func.min(Listing.id)).where(Listing.status == "available")
        )
        site_id = db.session.scalar(  # a site of Mikko's organisation, for its edit page
            sa.select(sa.func.min(Site.id))
            .join(User, User.organization_id == Site.organization_id)
            .where(User.email == "mikko.laine@demo.kera.example")
        )
        db.session.remove()
    problems = {}
    for who, paths in PAGES.items():
        context = browser.new_context(locale="fi-FI", viewport={"width": width, "height": 900})
        context.route("https://tile.openstreetmap.org/**", lambda route: route.abort())
        page = context.new_page()
        if who:
            sign_in(page, base, who)
        for path in paths:
            url = base + path.format(listing=listing_id, site=site_id)
            assert page.goto(url).status == 200, url
            assert page.locator("html").get_attribute("lang") == "fi", url
            found = violations(page)
            if width < 600 and page.evaluate(
                "document.documentElement.scrollWidth > window.innerWidth + 1"
            ):
                found.append(
                    "scrolls sideways:"
                    f" {page.evaluate('document.documentElement.scrollWidth')} px wide"
                )
            if found:
                problems[path] = found
        context.close()
    assert not problems, "\n".join(
        f"{path}: {p}" for path, found in problems.items() for p in found
    )
