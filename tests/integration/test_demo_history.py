"""The demo's six months of history (marketplace/demo_history.py): on a fresh load the impact page
and the city dashboard show tonnage and CO2e, the months chart has data in at least five of the
last six months, every kind of story is there (weighed and estimated handovers, one correction,
no-shows, expiries, cancellations, messages, saved searches, wanted posts, a survey import), what
is on offer today is exactly the current demo listings, and a second load creates nothing."""

import re
import tomllib
from datetime import date

import sqlalchemy as sa

from marketplace import clock, demo
from marketplace.extensions import db
from marketplace.models import (
    OPEN,
    Handover,
    Listing,
    Notification,
    Reservation,
    SavedSearch,
    SurveyImport,
    WantedPost,
)
from marketplace.models.messages import ReservationMessage
from marketplace.queries import impact
from tests.conftest import NOON
from tests.helpers import english_client, fresh, sign_in

MODELS = (
    Listing,
    Reservation,
    Handover,
    SavedSearch,
    WantedPost,
    SurveyImport,
    Notification,
    ReservationMessage,
)


def count(model) -> int:
    return fresh().scalar(sa.select(sa.func.count()).select_from(model))


def grouped(column) -> dict:
    return dict(fresh().execute(sa.select(column, sa.func.count()).group_by(column)).all())


def last_six_months(today: date) -> list[str]:
    months, year, month = [], today.year, today.month
    for _ in range(6):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months


def stat(html: str, figure: str) -> str:
    found = re.search(rf'data-figure="{figure}" data-value="([^"]*)"', html)
    return found.group(1)


def test_history_fills_the_impact_page_and_the_city_dashboard_once(app):
    demo.load(with_photos=False)
    assert clock.now() == NOON  # the history moved the clock and gave it back
    totals = impact.totals()
    assert totals.diverted_kg > 1000 and totals.co2e_avoided_kg > 0 and totals.handovers >= 20

    months = {f.key for f in impact.grouped("month", "en") if f.diverted_kg > 0}
    assert len(months & set(last_six_months(clock.today()))) >= 5, months

    client = english_client(app)
    page = client.get("/impact/").text
    assert float(stat(page, "diverted_kg")) > 0 and float(stat(page, "co2e_avoided_kg")) > 0
    assert sign_in(client, "laura.kallio@demo.kera.example", demo.DEMO_PASSWORD).status_code == 302
    dashboard = client.get("/staff/").text
    assert float(stat(dashboard, "diverted_kg")) > 0
    assert float(stat(dashboard, "co2e_avoided_kg")) > 0

    # Every kind of story, through the services: the ledger, statuses and sources say so.
    assert grouped(Handover.kind) == {
        "handover": totals.handovers,
        "reversal": 1,
        "correction": 1,
    }
    assert {"measured", "estimated"} <= set(grouped(Handover.mass_source))
    statuses = grouped(Reservation.status)
    assert statuses["collected"] == totals.handovers
    assert min(statuses["no_show"], statuses["expired"], statuses["cancelled"]) >= 1
    assert not set(statuses) & {s.value for s in OPEN}  # nothing held from the past
    assert count(SavedSearch) >= 4 and count(SurveyImport) == 1
    assert {"open", "expired", "closed"} <= set(grouped(WantedPost.status))
    sides = {
        (m.reservation.user_id == m.author_id)
        for m in fresh().scalars(sa.select(ReservationMessage))
    }
    assert sides == {True, False}  # both the taker and the seller wrote

    # Today's offer is the demo's current listings: every earlier lot's window has closed.
    current = len(tomllib.loads(demo.DEMO_FILE.read_text())["listing"])
    today = clock.today()
    offered = fresh().scalars(sa.select(Listing).where(Listing.available_until >= today)).all()
    assert len(offered) == current and {lot.status for lot in offered} == {"available"}
    earlier = fresh().scalars(sa.select(Listing).where(Listing.available_until < today)).all()
    assert earlier and {lot.status for lot in earlier} <= {"collected", "expired"}

    counts = [count(m) for m in MODELS]
    again = demo.load(with_photos=False)
    assert again["created"] == 0
    assert [count(m) for m in MODELS] == counts
    db.session.remove()
