"""Take screenshots of the main pages in headless Chromium (for reviews and the docs).

    .venv/bin/python -m scripts.screenshots [--out DIR] [--locale fi|sv|en] [--width 1280]

Builds a throwaway instance with the Kera demo data (photos included), serves it on loopback and
saves PNGs of the home page, a listing, the create-listing form, the login page, a search with a
typo, the map view, a reservation and the city report. Needs Debian's `chromium`.
"""

import argparse
import shutil
import tempfile
import threading
from pathlib import Path

from werkzeug.serving import make_server

from marketplace import demo, outbox
from marketplace.extensions import db

# Rows a real survey gets wrong, for the import preview: an unknown material, a hazardous one, an
# EWC code that contradicts the material, a quantity in words.
SURVEY_ERRORS = (
    "Asbestisementtilevy;;40;m2;;;2026-12-14;2027-01-31;17 06 05*;Vesikatto;\n"
    "Kiviaines;;12;m3;;;2026-12-14;2027-01-31;;Piha;\n"
    "Punatiili;;200;kpl;;hyvä;2026-12-14;2027-01-31;17 02 01;Kellari;\n"
    "Puuovi;;kaksi;kpl;;hyvä;2026-12-14;2027-01-31;17 02 01;Kellari;\n"
    "Lasitiili;;30;kpl;;hyvä;2026-12-14;2027-01-31;;Porras;\n"
).encode()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default="/tmp/kera-screenshots")
    parser.add_argument("--locale", default="fi")
    parser.add_argument("--width", type=int, default=1280)
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    from tests.conftest import make_app

    app = make_app(Path(tempfile.mkdtemp()), RATELIMIT_ENABLED=False)
    with app.app_context():
        demo.load(with_photos=True)
        handovers = _some_handovers()
        while outbox.run_once():
            pass
        db.session.remove()
    print(f"{handovers} handovers recorded")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"

    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import ARGS

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=ARGS)
        lang = {"fi": "fi-FI", "sv": "sv-FI", "en": "en-GB"}[args.locale]
        context = browser.new_context(locale=lang, viewport={"width": args.width, "height": 900})
        page = context.new_page()

        def shot(name, url, full=True):
            page.goto(base + url)
            page.wait_for_load_state("networkidle")
            page.screenshot(path=str(out / f"{name}.png"), full_page=full)
            print(out / f"{name}.png")

        shot("home", "/")
        shot("login", "/login")
        shot("search-typo", "/?q=kattotiilj")
        shot("search-map", "/?q=tiili&view=map", full=False)
        with app.app_context():
            from marketplace.models import Listing

            listing_id = db.session.query(Listing.id).join(Listing.photos).first()[0]
        shot("listing", f"/listings/{listing_id}")
        with app.app_context():
            from marketplace import clock

            installed = (
                db.session.query(Listing.id).filter(Listing.available_from > clock.today()).first()
            )
        if installed is not None:  # the demo has one still in its building
            shot("still-installed", f"/listings/{installed[0]}")
        page.goto(base + "/login")
        page.fill("#email", "mikko.laine@demo.kera.example")
        page.fill("#password", demo.DEMO_PASSWORD)
        page.click("main form button[type=submit]")
        shot("create-listing", "/listings/new")
        shot("pickups", "/pickups")
        with app.app_context():
            from marketplace.models import Site, User

            builder = db.session.query(User).filter_by(email="mikko.laine@demo.kera.example").one()
            site_id = db.session.query(Site.id).filter_by(organization_id=builder.organization_id)
            site_id = site_id.order_by(Site.id).first()[0]
        survey = out / "survey-with-errors.csv"
        survey.write_bytes(Path("docs/examples/survey-example.csv").read_bytes() + SURVEY_ERRORS)
        page.goto(base + f"/imports/sites/{site_id}")
        page.set_input_files("#survey", str(survey))
        page.click("#preview")
        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(out / "import-preview.png"), full_page=True)
        print(out / "import-preview.png")
        page.goto(base + "/logout")
        staff = browser.new_context(
            locale=lang, viewport={"width": args.width, "height": 900}
        ).new_page()
        staff.goto(base + "/login")
        staff.fill("#email", "laura.kallio@demo.kera.example")
        staff.fill("#password", demo.DEMO_PASSWORD)
        staff.click("main form button[type=submit]")
        for name, url in (("city-dashboard", "/staff/"), ("city-report", "/staff/report")):
            staff.goto(base + url)
            staff.wait_for_load_state("networkidle")
            staff.screenshot(path=str(out / f"{name}.png"), full_page=True)
            print(out / f"{name}.png")
        staff.goto(base + "/staff/report")
        staff.pdf(path=str(out / "city-report.pdf")) if hasattr(staff, "pdf") else None
        browser.close()
    server.shutdown()


def _some_handovers(count: int = 12) -> int:
    """Residents take part of a dozen lots and the builders hand them over (every third weighed),
    so the impact page, the dashboard and the report have figures to show."""
    import sqlalchemy as sa

    from marketplace import clock
    from marketplace.models import Listing, Role, User
    from marketplace.services import reservations

    residents = list(db.session.scalars(sa.select(User.id).where(User.role == Role.RESIDENT)))
    listings = list(
        db.session.scalars(
            sa.select(Listing)
            .where(Listing.status == "available", Listing.price_cents == 0)
            .where(Listing.available_from <= clock.today())  # still installed: needs a pickup time
            .limit(count)
        )
    )
    done = 0
    for n, listing in enumerate(listings):
        seller = next(u.id for u in listing.organization.members)
        quantity = max(1, int(listing.quantity_available // 3))
        reservation = reservations.reservation_create(
            user_id=residents[n % len(residents)], listing_id=listing.id, quantity=quantity
        )
        weighed = float(listing.kg_per_unit * quantity) * 0.93 if n % 3 == 0 else None
        reservations.reservation_collect(
            user_id=seller,
            reservation_id=reservation.id,
            weighed_kg=round(weighed, 1) if weighed else None,
        )
        done += 1
    return done


if __name__ == "__main__":
    main()
