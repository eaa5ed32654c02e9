"""City staff pages: who may see them, the dashboard's and the report's figures against the hand
computation (tests/city_scenario.py), factor versions, moderation (hide/unhide, verify) and
targets."""

import io
from decimal import Decimal as D
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa

from marketplace import outbox
from marketplace.extensions import db
from marketplace.models import FactorSet, Listing, Notification, Organization, Reservation
from marketplace.services import reservations as svc

from .. import city_scenario as S
from ..helpers import bearer_header


class Cells(HTMLParser):
    """data-value attributes of the rows (data-key) of one table, and data-figure stats."""

    def __init__(self, table_id=None):
        super().__init__()
        self.table_id, self.inside, self.key = table_id, table_id is None, None
        self.rows, self.figures = {}, {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and self.table_id is not None:
            self.inside = attrs.get("id") == self.table_id
        if "data-figure" in attrs:
            self.figures[attrs["data-figure"]] = attrs
        if not self.inside:
            return
        if tag == "tr" and "data-key" in attrs:
            self.key = attrs["data-key"]
            self.rows[self.key] = []
        elif tag in ("td", "th") and self.key is not None and "data-value" in attrs:
            self.rows[self.key].append(attrs["data-value"])

    def handle_endtag(self, tag):
        if tag == "tr":
            self.key = None
        if tag == "table" and self.table_id is not None:
            self.inside = False


def table(html: str, table_id: str) -> dict:
    parser = Cells(table_id)
    parser.feed(html)
    return parser.rows


def stats(html: str) -> dict:
    parser = Cells()
    parser.feed(html)
    return parser.figures


def figures_of(html: str, table_id: str) -> dict:
    """{key: (kg, kg CO2e, handovers)} from a figures table (kg, t, CO2e, handovers cells)."""
    return {key: (D(v[0]), D(v[2]), int(v[3])) for key, v in table(html, table_id).items()}


@pytest.fixture
def people(app, make):
    builder = make.builder()
    return {
        "anonymous": None,
        "resident": make.resident(),
        "builder": builder,
        "city": make.city(),
        "listing": make.listing(builder),
    }


GET_PAGES = [
    "/staff/",
    "/staff/report",
    "/staff/waste-report",
    "/staff/factors",
    "/staff/factors/compare",
    "/staff/organisations",
    "/staff/listings",
    "/staff/targets",
    "/staff/outbox",
    "/staff/listings/{listing}/hide",
]
POSTS = [
    "/staff/factors",
    "/staff/factors/ice-3.0/activate",
    "/staff/organisations/{org}/verify",
    "/staff/listings/{listing}/hide",
    "/staff/listings/{listing}/unhide",
    "/staff/targets",
    "/staff/outbox/999/retry",
]
CITY_ONLY_API = [
    "/api/v1/impact/handovers.csv",
    "/api/v1/impact/handovers.json",
    "/api/v1/impact/waste-report",
    "/api/v1/impact/waste-report.csv",
    "/api/v1/impact?group_by=site",
    "/api/v1/impact?group_by=organization",
]
ROLES = ["anonymous", "resident", "builder", "city"]


def _url(template, people):
    return template.format(listing=people["listing"].id, org=people["builder"].organization_id)


@pytest.mark.parametrize("who", ROLES)
@pytest.mark.parametrize("path", GET_PAGES)
def test_staff_pages_are_for_city_staff_only(client, auth, people, who, path):
    if people[who] is not None:
        auth.login(people[who])
    response = client.get(_url(path, people))
    expected = {"anonymous": 302, "resident": 403, "builder": 403, "city": 200}[who]
    assert response.status_code == expected, (who, path)
    if who == "anonymous":
        assert "/login" in response.headers["Location"]


@pytest.mark.parametrize("who", ROLES)
@pytest.mark.parametrize("path", POSTS)
def test_staff_actions_are_for_city_staff_only(client, auth, people, who, path):
    if people[who] is not None:
        auth.login(people[who])
    response = client.post(_url(path, people), data={})
    if who == "city":
        assert response.status_code in (200, 302, 422), path
        assert "/login" not in response.headers.get("Location", "")
    else:
        assert response.status_code == {"anonymous": 302, "resident": 403, "builder": 403}[who], (
            who,
            path,
        )


@pytest.mark.parametrize("who", ROLES)
@pytest.mark.parametrize("path", CITY_ONLY_API)
def test_city_exports_in_the_api_are_for_city_staff_only(client, people, who, path):
    headers = bearer_header(people[who]) if people[who] is not None else {}
    response = client.get(path, headers=headers)
    assert (
        response.status_code
        == {"anonymous": 401, "resident": 403, "builder": 403, "city": 200}[who]
    ), (who, path)


# -- The figures on the pages -------------------------------------------------------------------


@pytest.fixture
def ledger(app):
    return S.build()


def test_dashboard_figures_match_the_hand_computation(client, auth, ledger):
    auth.login(ledger.city)
    html = client.get("/staff/?from=2026-01-01&to=2026-11-30").get_data(as_text=True)
    figures = stats(html)
    assert D(figures["diverted_kg"]["data-value"]) == S.TOTAL_KG
    assert D(figures["co2e_avoided_kg"]["data-value"]) == S.TOTAL_CO2E
    assert int(figures["handovers"]["data-value"]) == S.HANDOVERS
    assert "1.311\u00a0t" in html  # 1310.650 kg, to three decimals of a tonne
    assert figures_of(html, "by-category-table") == S.BY_CATEGORY
    assert figures_of(html, "by-ewc-table") == S.BY_EWC
    assert figures_of(html, "by-month-table") == S.BY_MONTH
    assert figures_of(html, "by-site-table") == ledger.by_site()
    assert figures_of(html, "by-organization-table") == ledger.by_organization()
    sources = {k: D(v[0]) for k, v in table(html, "mass-sources-table").items()}
    assert sources == S.MASS_SOURCES
    # Listed 200 × 3 + 500 + 80 + 2 × 450 = 2080 kg; taken in time
    # 100 × 3 − 300 + 300 + 50 × 3 + 120.5 + 80 + 1.5 × 450 = 1325.5 kg
    # (quantities × kg per unit, not the weighed masses).
    assert D(figures["match_rate"]["data-value"]) == D("1325.5") / D("2080")
    assert D(figures["no_show_rate"]["data-value"]) == 0
    assert int(figures["expired_unclaimed"]["data-value"]) == 0
    # Still on offer: steel 500 − 120.5 = 379.5 kg; timber 0.5 × 450 = 225 kg;
    # bricks 50 × 3 = 150 kg.
    stock = {k: D(v[1]) for k, v in table(html, "stock-table").items()}
    assert stock == {"steel-section": D("379.5"), "timber": D("225"), "brick": D("150")}
    assert 'src="/static/vendor/chartjs/chart.umd.js"' in html and "<script>" not in html
    october = stats(client.get("/staff/?from=2026-10-01&to=2026-10-31").get_data(as_text=True))
    assert D(october["diverted_kg"]["data-value"]) == S.BY_MONTH["2026-10"][0]


def test_dashboard_tracks_the_yearly_target(client, auth, ledger):
    auth.login(ledger.city)
    response = client.post(
        "/staff/targets", data={"year": "2026", "tonnes": "5", "note": "Kera 2026"}
    )
    assert response.status_code == 302
    html = client.get("/staff/").get_data(as_text=True)
    assert D(stats(html)["target"]["data-value"]) == D("1.31065") / D("5")  # 1310.650 kg of 5 t
    targets = table(client.get("/staff/targets").get_data(as_text=True), "targets")
    assert [D(v) for v in targets["2026"][:2]] == [D("5"), D("1.31065")]
    bad = client.post("/staff/targets", data={"year": "1900", "tonnes": "-3"})
    assert bad.status_code == 422


def test_printable_report(client, auth, ledger):
    auth.login(ledger.city)
    html = client.get("/staff/report?from=2026-10-01&to=2026-11-30").get_data(as_text=True)
    assert D(stats(html)["diverted_kg"]["data-value"]) == S.TOTAL_KG
    assert figures_of(html, "by-category-table") == S.BY_CATEGORY
    waste = {k: D(v[1]) for k, v in table(html, "waste-table").items()}
    assert waste == {code: kg for code, (kg, _co2e, _n) in S.BY_EWC.items()}
    assert "@media print" in client.get("/static/css/site.css").get_data(as_text=True)


def test_waste_report_page_with_filters(client, auth, ledger):
    auth.login(ledger.city)
    html = client.get(f"/staff/waste-report?site_id={ledger.sites['A2'].id}").get_data(as_text=True)
    assert {k: D(v[1]) for k, v in table(html, "waste-table").items()} == {"17 02 01": D("675.000")}
    assert "waste-report.csv" in html
    assert (
        client.get("/staff/waste-report?from=2026-12-01&to=2026-01-01").status_code == 200
    )  # reset to default


def test_factor_versions_through_the_pages(client, auth, ledger):
    auth.login(ledger.city)
    factors = table(client.get("/staff/factors").get_data(as_text=True), "factor-table")
    assert D(factors["brick"][0]) == D("0.213") and factors["soil"] == []
    good = (
        "category_slug,kg_co2e_per_kg,source,reference,confidence,note\nbrick,0.2,S10,,estimate,\n"
    )
    response = client.post(
        "/staff/factors",
        data={
            "version_id": "city-2027",
            "name": "City 2027",
            "file": (io.BytesIO(good.encode()), "f.csv"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    db.session.rollback()
    assert db.session.get(FactorSet, "city-2027") is not None
    bad = (
        "category_slug,kg_co2e_per_kg,source,reference,confidence,note\nbrick,lots,S10,,estimate,\n"
    )
    response = client.post(
        "/staff/factors",
        data={
            "version_id": "city-2028",
            "name": "City 2028",
            "file": (io.BytesIO(bad.encode()), "f.csv"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 422 and "Line 2:" in response.get_data(as_text=True)
    db.session.rollback()
    assert db.session.get(FactorSet, "city-2028") is None
    assert client.post("/staff/factors/city-2027/activate").status_code == 302
    db.session.rollback()
    assert (
        db.session.get(FactorSet, "city-2027").active
        and not db.session.get(FactorSet, "ice-3.0").active
    )
    compare = table(
        client.get("/staff/factors/compare?version=city-2027").get_data(as_text=True),
        "compare-table",
    )
    # brick under city-2027: 437.4 × 0.2 row by row = 60 − 60 + 57.48 + 30 = 87.480; recorded 93.166
    assert [D(v) for v in compare["brick"]] == [
        D("437.400"),
        D("93.166"),
        D("0.2"),
        D("87.480"),
        D("-5.686"),
    ]
    assert compare["timber"][2] == ""  # no factor in city-2027


def test_verify_an_organisation(client, auth, ledger):
    auth.login(ledger.city)
    org_id = ledger.orgs["A"]
    html = client.get("/staff/organisations").get_data(as_text=True)
    assert db.session.get(Organization, org_id).business_id in html
    client.post(f"/staff/organisations/{org_id}/unverify")
    db.session.rollback()
    assert db.session.get(Organization, org_id).verified_at is None
    assert (
        client.post(f"/staff/organisations/{org_id}/verify", data={"confirm": "y"}).status_code
        == 302
    )
    db.session.rollback()
    assert db.session.get(Organization, org_id).verified_at is not None


# -- Hiding and showing a listing -----------------------------------------------------------------


def test_hide_and_unhide_a_listing(client, auth, make):
    seller, city, taker, stranger = make.builder(), make.city(), make.resident(), make.resident()
    colleague = make.builder(org=db.session.get(Organization, seller.organization_id))
    listing = make.listing(seller, title="Tiiliä lavalla")
    reservation = svc.reservation_create(user_id=taker.id, listing_id=listing.id, quantity="5")
    outbox.run_once()
    assert listing.id in [h["id"] for h in client.get("/api/v1/listings").json["hits"]]

    auth.login(city)
    assert (
        client.post(f"/staff/listings/{listing.id}/hide", data={"reason": "x"}).status_code == 422
    )
    response = client.post(
        f"/staff/listings/{listing.id}/hide", data={"reason": "Contains painted panels (lead)"}
    )
    assert response.status_code == 302
    outbox.run_once()
    db.session.rollback()
    assert db.session.get(Reservation, reservation.id).status.value == "cancelled"
    notices = {
        n.user_id: n
        for n in db.session.scalars(
            sa.select(Notification).where(Notification.kind == "listing.hidden")
        )
    }
    assert set(notices) == {seller.id, colleague.id}
    assert notices[seller.id].data["reason"] == "Contains painted panels (lead)"
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).where(
                Notification.user_id == taker.id, Notification.kind == "reservation.cancelled"
            )
        )
        == 1
    )
    auth.logout()
    auth.login(seller)
    assert "Contains painted panels (lead)" in client.get("/notifications/").get_data(as_text=True)
    assert (
        client.get(f"/listings/{listing.id}").status_code == 200
    )  # its organisation still sees it
    auth.logout()
    assert listing.id not in [h["id"] for h in client.get("/api/v1/listings").json["hits"]]
    assert client.get(f"/listings/{listing.id}").status_code == 404  # the public does not
    assert client.get(f"/api/v1/listings/{listing.id}").status_code == 404
    auth.login(stranger)
    assert client.get(f"/listings/{listing.id}").status_code == 404
    auth.logout()
    auth.login(city)
    assert client.get(f"/listings/{listing.id}").status_code == 200  # city staff do
    assert "Contains painted panels" in client.get("/staff/listings?hidden=1").get_data(
        as_text=True
    )

    assert client.post(f"/staff/listings/{listing.id}/unhide").status_code == 302
    outbox.run_once()
    db.session.rollback()
    assert db.session.get(Listing, listing.id).hidden_reason == ""
    auth.logout()
    assert client.get(f"/listings/{listing.id}").status_code == 200
    assert listing.id in [h["id"] for h in client.get("/api/v1/listings").json["hits"]]
