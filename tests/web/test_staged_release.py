"""Staged release (issue 11 item 3): role × time (before/after public_from) × surface.

Before `public_from` only builders of verified organisations and city staff see, find and
reserve a listing; residents, anonymous callers and builders of unverified organisations get
404 and do not find it. After it, everyone does. A saved search fires for a resident when the
listing opens to everyone (a delayed outbox message), for a professional at once.
"""

from datetime import timedelta

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

from marketplace import clock
from marketplace.extensions import db
from marketplace.models import Listing, Notification
from marketplace.models.listings import sees_early
from marketplace.services import saved_searches
from tests.conftest import NOON
from tests.helpers import bearer_header, deliver, english_client, fresh, sign_in

ROLES = ("anonymous", "resident", "verified_builder", "unverified_builder", "city")
TIMES = ("before", "after")
SURFACES = ("search_api", "search_page", "listing_page", "listing_api", "reserve", "alert")
PROFESSIONALS = {"verified_builder", "city"}
STAGE = timedelta(hours=48)
WORD = "Kattoikkuna"


def _viewer(make, role):
    if role == "anonymous":
        return None
    if role == "unverified_builder":
        user = make.unverified_builder()
        user.email_confirmed_at = clock.now()  # confirmed: only the stage may stop them
        db.session.commit()
        return user
    return {"resident": make.resident, "verified_builder": make.builder, "city": make.city}[role]()


@pytest.fixture
def staged(app, make):
    """A verified builder's listing that opens to everyone in 48 hours, indexed."""

    def build(role):
        viewer = _viewer(make, role)
        if viewer is not None:
            saved_searches.saved_search_create(
                user_id=viewer.id, name="ikkunat", params=MultiDict({"q": [WORD.lower()]})
            )
        seller = make.builder()
        listing = make.listing(seller, title=f"{WORD} 60x90", public_from=NOON + STAGE)
        deliver()
        deliver()  # listing.changed indexes it, then listing.indexed alerts
        return viewer, listing

    return build


def _visible(role, when):
    return role in PROFESSIONALS or when == "after"


def _alerted(viewer, listing_id) -> bool:
    rows = fresh().scalars(
        sa.select(Notification).where(
            Notification.user_id == viewer.id, Notification.kind == "search.matched"
        )
    )
    return any(n.data["listing_id"] == listing_id for n in rows)


def _check(client, surface, viewer, listing_id):
    """What the surface shows this viewer: True when the listing is seen (or reserved)."""
    headers = bearer_header(viewer) if viewer is not None else {}
    if surface == "search_api":
        body = client.get(f"/api/v1/listings?q={WORD}", headers=headers).get_json()
        return any(hit["id"] == listing_id for hit in body["hits"])
    if surface == "listing_api":
        status = client.get(f"/api/v1/listings/{listing_id}", headers=headers).status_code
        assert status in (200, 404)
        return status == 200
    if surface == "reserve":
        response = client.post(
            f"/api/v1/listings/{listing_id}/reservations", json={"quantity": "1"}, headers=headers
        )
        if viewer is None:
            assert response.status_code == 401  # anonymous callers never reserve
            return None
        assert response.status_code in (201, 404), response.get_data(as_text=True)
        return response.status_code == 201
    if surface == "alert":
        return _alerted(viewer, listing_id)
    if viewer is not None:
        sign_in(client, viewer)
    if surface == "search_page":
        page = client.get(f"/?q={WORD}")
        assert page.status_code == 200
        return f"/listings/{listing_id}" in page.get_data(as_text=True)
    status = client.get(f"/listings/{listing_id}").status_code
    assert status in (200, 404)
    return status == 200


CASES = [
    pytest.param(role, when, surface, id=f"{role}-{when}-{surface}")
    for role in ROLES
    for when in TIMES
    for surface in SURFACES
    if not (role == "anonymous" and surface == "alert")  # anonymous visitors save no searches
]


@pytest.mark.parametrize(("role", "when", "surface"), CASES)
def test_staged_release_table(client, staged, role, when, surface):
    viewer, listing = staged(role)
    if when == "after":
        clock.set(NOON + STAGE + timedelta(minutes=1))
        deliver()  # the delayed "listing.indexed": saved searches of everyone fire now
    seen = _check(client, surface, viewer, listing.id)
    if seen is not None:
        assert seen is _visible(role, when)


def test_listing_page_tells_professionals_when_it_opens(app, make):
    client = english_client(app)
    seller = make.builder()
    listing = make.listing(seller, public_from=NOON + STAGE)
    sign_in(client, make.builder())
    page = client.get(f"/listings/{listing.id}").get_data(as_text=True)
    assert "Released to professionals first" in page
    assert "2 Dec 2026, 12:00" in page  # Wednesday noon, Helsinki time


def test_listing_json_shows_public_from_and_patch_moves_it(client, make):
    seller = make.builder()
    listing = make.listing(seller)
    headers = bearer_header(seller)
    body = client.get(f"/api/v1/listings/{listing.id}", headers=headers).get_json()
    assert body["public_from"].startswith("2026-11-30T10:00")
    later = (NOON + STAGE).isoformat()
    response = client.patch(
        f"/api/v1/listings/{listing.id}", json={"public_from": later}, headers=headers
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["public_from"].startswith("2026-12-02T10:00")
    resident = make.resident()
    assert (
        client.get(f"/api/v1/listings/{listing.id}", headers=bearer_header(resident)).status_code
        == 404
    )


def test_public_from_after_the_window_is_refused(client, make):
    seller = make.builder()
    listing = make.listing(seller)
    response = client.patch(
        f"/api/v1/listings/{listing.id}",
        json={"public_from": (NOON + timedelta(days=60)).isoformat()},
        headers=bearer_header(seller),
    )
    assert response.status_code == 422
    assert "public_from" in response.get_json()["error"]["fields"]


@pytest.mark.parametrize(
    ("site_hours", "config_hours", "expected"),
    [
        (None, 0, timedelta(0)),
        (None, 24, timedelta(hours=24)),
        (72, 24, timedelta(hours=72)),
        (0, 24, timedelta(0)),
    ],
)
def test_default_public_from_site_then_setting(app, make, site_hours, config_hours, expected):
    app.config["STAGED_RELEASE_HOURS"] = config_hours
    seller = make.builder()
    site = make.site(seller, staged_release_hours=site_hours)
    listing = make.listing(seller, site_=site)
    assert listing.public_from == listing.created_at + expected


def test_sql_and_python_agree_on_visibility(any_db, make):
    """`Listing.visible_to` and `findable_clause` + `released_clause` pick the same listings."""
    seller = make.builder()
    site = make.site(seller)
    for hours in (-5, 0, 1, 47, 48, 49, 200):
        make.listing(seller, site_=site, public_from=NOON + timedelta(hours=hours))
    viewers = [None, make.resident(), make.builder(), make.unverified_builder(), make.city()]
    for at in (NOON, NOON + timedelta(hours=48), NOON + timedelta(days=9)):
        for viewer in viewers:
            rows = fresh().scalars(sa.select(Listing)).all()
            python = {x.id for x in rows if x.is_findable(at.date()) and x.visible_to(viewer, at)}
            sql = set(
                db.session.scalars(
                    sa.select(Listing.id).where(
                        Listing.findable_clause(at.date()), Listing.released_clause(viewer, at)
                    )
                )
            )
            assert python == sql, (viewer, at)
            assert (len(sql) == 7) is (sees_early(viewer) or at > NOON + timedelta(days=8))


def test_the_site_sets_its_default_on_the_api_within_limits(client, make):
    seller = make.builder()
    site = make.site(seller)
    headers = bearer_header(seller)
    response = client.patch(
        f"/api/v1/sites/{site.id}", json={"staged_release_hours": 24}, headers=headers
    )
    assert response.status_code == 200 and response.get_json()["staged_release_hours"] == 24
    listing = make.listing(seller, site_=site)
    assert listing.public_from == NOON + timedelta(hours=24)
    too_long = client.patch(
        f"/api/v1/sites/{site.id}", json={"staged_release_hours": 1000}, headers=headers
    )
    assert too_long.status_code == 422


def test_the_listing_form_sets_public_from_in_helsinki_time(client, make):
    from tests.web.test_listing_pages import form_data

    seller = make.builder()
    site = make.site(seller)
    sign_in(client, seller)
    data = form_data(site, public_from="2026-12-02T12:00", kg_per_unit="")
    response = client.post("/listings/new", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    listing = fresh().scalars(sa.select(Listing)).one()
    assert listing.public_from == NOON + STAGE  # 12:00 in Helsinki is 10:00 UTC
    edit = client.get(f"/listings/{listing.id}/edit").get_data(as_text=True)
    assert 'value="2026-12-02T12:00"' in edit
