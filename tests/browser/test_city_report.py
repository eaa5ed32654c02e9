"""The city's printable report for the demo data, printed to PDF by headless Chromium: the charts
are drawn from the tables without a CSP violation or script error, and print CSS hides the page
furniture."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from marketplace import clock
from marketplace.demo import DEMO_PASSWORD
from marketplace.extensions import db
from marketplace.models import Listing, Role, User
from marketplace.queries.impact import totals
from marketplace.services import reservations as svc

pytestmark = pytest.mark.browser


def hand_over_some_demo_lots(n: int = 6) -> None:
    """Residents collect part of the first demo lots (the real clock is running)."""
    residents = list(
        db.session.scalars(sa.select(User).where(User.role == Role.RESIDENT).order_by(User.id))
    )
    lots = db.session.scalars(
        sa.select(Listing)
        .where(
            Listing.status == "available",
            Listing.kg_per_unit.is_not(None),
            Listing.available_from <= clock.today(),  # still-installed lots need a pickup time
        )
        .order_by(Listing.id)
        .limit(n)
    ).all()
    for number, listing in enumerate(lots):
        seller = next(u for u in listing.organization.members if u.role == Role.BUILDER)
        reservation = svc.reservation_create(
            user_id=residents[number % len(residents)].id,
            listing_id=listing.id,
            quantity=min(listing.quantity, 1),
        )
        svc.reservation_collect(
            user_id=seller.id,
            reservation_id=reservation.id,
            weighed_kg="12.5" if number == 0 else None,
            confirm_unusual_mass=True,  # one weighed lot is enough; its figure need not be typical
        )


def test_the_report_prints_to_pdf_with_its_charts(live_server, browser, tmp_path):
    app, base = live_server
    start, today = clock.today() - timedelta(days=31), clock.today()
    with app.app_context():
        hand_over_some_demo_lots()
        diverted = totals(start, today).diverted_kg  # the demo's history adds earlier months
        db.session.remove()
    assert diverted > 0
    page = browser.new_page(locale="en-GB", extra_http_headers={"Accept-Language": "en"})
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto(f"{base}/login?next=/staff/targets")
    page.fill("#email", "laura.kallio@demo.kera.example")
    page.fill("#password", DEMO_PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url("**/staff/targets")
    page.goto(f"{base}/staff/report?from={start.isoformat()}&to={today.isoformat()}")
    page.wait_for_load_state("networkidle")
    assert page.locator(".chart canvas").count() >= 5  # drawn by static/js/charts.js
    assert page.locator('[data-figure="diverted_kg"]').get_attribute("data-value") == str(diverted)
    page.emulate_media(media="print")
    pdf = page.pdf(format="A4", print_background=True)
    (tmp_path / "report.pdf").write_bytes(pdf)
    assert pdf.startswith(b"%PDF") and len(pdf) > 20_000
    assert not page.locator(".staff-nav").is_visible()  # print CSS hides the navigation
    assert problems == []
