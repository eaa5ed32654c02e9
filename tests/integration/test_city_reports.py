"""City reports against figures worked out by hand (tests/city_scenario.py), to the gram: every
grouping, the exports, the waste-class summary, the open data, the rates and factor versions."""

import csv
import io
from datetime import date
from decimal import Decimal as D

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from marketplace import clock
from marketplace.errors import ValidationFailed
from marketplace.extensions import db
from marketplace.models import FactorIsImmutable, FactorSet, Handover, Listing, StaffAction
from marketplace.queries import exports, factors, impact, reports
from marketplace.services import factors as factor_services
from marketplace.services import impact as impact_services
from marketplace.services import listings as listing_services
from marketplace.services import moderation
from marketplace.services import reservations as svc

from .. import city_scenario as S
from ..helpers import bearer_header


@pytest.fixture
def ledger(app):
    return S.build()


def figures(rows) -> dict:
    return {f.key: (f.diverted_kg, f.co2e_avoided_kg, f.handovers) for f in rows}


def test_totals_and_every_grouping_match_the_hand_computation(ledger):
    total = impact.totals()
    assert (total.diverted_kg, total.co2e_avoided_kg, total.handovers) == (
        S.TOTAL_KG,
        S.TOTAL_CO2E,
        S.HANDOVERS,
    )
    assert figures(impact.grouped("category", "en")) == S.BY_CATEGORY
    assert figures(impact.grouped("ewc_code", "en")) == S.BY_EWC
    assert figures(impact.grouped("month", "en")) == S.BY_MONTH
    assert figures(impact.grouped("site", "en")) == ledger.by_site()
    assert figures(impact.grouped("organization", "en")) == ledger.by_organization()


def test_a_period_and_an_organisation_narrow_the_figures(ledger):
    october = impact.totals(date(2026, 10, 1), date(2026, 10, 31))
    assert (october.diverted_kg, october.co2e_avoided_kg, october.handovers) == S.BY_MONTH[
        "2026-10"
    ]
    org_a = impact.totals(organization_id=ledger.orgs["A"])
    assert (org_a.diverted_kg, org_a.co2e_avoided_kg, org_a.handovers) == S.BY_ORGANIZATION["A"]


def test_the_correction_keeps_the_original_and_its_factor(ledger):
    original, correction = ledger.handovers[0], ledger.handovers[5]
    rows = {h.id: h for h in db.session.scalars(sa.select(Handover))}
    reversal = next(h for h in rows.values() if h.kind.value == "reversal")
    assert reversal.corrects_id == correction.corrects_id == original.id
    assert rows[original.id].mass_kg == D("300.000") and rows[original.id].co2e_avoided_kg == D(
        "63.900"
    )
    assert (rows[reversal.id].kind.value, rows[reversal.id].mass_kg) == ("reversal", D("-300.000"))
    assert (rows[correction.id].mass_kg, rows[correction.id].mass_source) == (
        D("287.400"),
        "measured",
    )
    assert rows[correction.id].co2e_avoided_kg == D("61.216")  # 287.4 × 0.213 = 61.2162
    assert {rows[i].factor_set_id for i in rows} == {"ice-3.0"}


def test_mass_sources_and_their_shares(ledger):
    shares = {s.key: (s.diverted_kg, s.share) for s in reports.mass_sources()}
    assert {k: kg for k, (kg, _share) in shares.items()} == S.MASS_SOURCES
    assert shares["measured"][1] == D("405.650") / D("1310.650")
    assert sum(share for _kg, share in shares.values()) == pytest.approx(1)


def test_waste_summary_by_ewc_code_with_filters(ledger):
    summary = {c.ewc_code: (c.mass_kg, c.handovers) for c in exports.waste_summary("en")}
    assert summary == {code: (kg, n) for code, (kg, _co2e, n) in S.BY_EWC.items()}
    bricks = exports.waste_summary("en")[0]
    assert (bricks.ewc_code, bricks.title, bricks.chapter, bricks.mass_t) == (
        "17 01 02",
        "Bricks",
        "17 01",
        D("0.4374"),
    )
    only_a = {
        c.ewc_code: c.mass_kg for c in exports.waste_summary("en", organization_id=ledger.orgs["A"])
    }
    assert only_a == {"17 01 02": D("437.400"), "17 02 01": D("675.000")}
    only_b1 = {
        c.ewc_code: c.mass_kg for c in exports.waste_summary("en", site_id=ledger.sites["B1"].id)
    }
    assert only_b1 == {"17 02 03": D("80.000"), "17 04 05": D("118.250")}
    november = {
        c.ewc_code: c.mass_kg
        for c in exports.waste_summary("en", date(2026, 11, 1), date(2026, 11, 30))
    }
    assert november["17 01 02"] == D(
        "137.400"
    )  # 150 − 300 + 287.4: the correction is booked in November


def test_open_data_rows(ledger):
    rows = {(r.month, r.category): r.as_dict() for r in exports.open_data()}
    assert set(rows) == set(S.OPEN_DATA)
    for key, (n, kg, measured, declared, estimated, co2e) in S.OPEN_DATA.items():
        row = rows[key]
        assert (
            row["handovers"],
            row["diverted_kg"],
            row["diverted_kg_measured"],
            row["diverted_kg_declared"],
            row["diverted_kg_estimated"],
            row["co2e_avoided_kg"],
        ) == (n, kg, measured, declared, estimated, co2e)
    assert sum(r["diverted_kg"] for r in rows.values()) == S.TOTAL_KG


def test_api_exports_agree_to_the_gram(client, ledger):
    headers = bearer_header(ledger.city)
    body = client.get("/api/v1/impact?group_by=organization", headers=headers).json
    assert (D(str(body["diverted_kg"])), D(str(body["co2e_avoided_kg"])), body["handovers"]) == (
        S.TOTAL_KG,
        S.TOTAL_CO2E,
        S.HANDOVERS,
    )
    assert {
        g["key"]: (D(str(g["diverted_kg"])), D(str(g["co2e_avoided_kg"])), g["handovers"])
        for g in body["groups"]
    } == ledger.by_organization()
    for group_by, expected in (
        ("category", S.BY_CATEGORY),
        ("ewc_code", S.BY_EWC),
        ("month", S.BY_MONTH),
        ("site", ledger.by_site()),
    ):
        groups = client.get(f"/api/v1/impact?group_by={group_by}", headers=headers).json["groups"]
        assert {
            g["key"]: (D(str(g["diverted_kg"])), D(str(g["co2e_avoided_kg"])), g["handovers"])
            for g in groups
        } == expected, group_by

    rows = list(
        csv.DictReader(
            io.StringIO(client.get("/api/v1/impact/handovers.csv", headers=headers).text)
        )
    )
    assert len(rows) == 7 and sum(D(r["mass_kg"]) for r in rows) == S.TOTAL_KG
    assert sum(D(r["co2e_avoided_kg"]) for r in rows) == S.TOTAL_CO2E
    ledger_json = client.get("/api/v1/impact/handovers.json", headers=headers).json
    assert ledger_json["count"] == 7 and set(ledger_json["handovers"][0]) == set(rows[0])
    assert sum(D(str(h["mass_kg"])) for h in ledger_json["handovers"]) == S.TOTAL_KG
    assert sum(D(str(h["co2e_avoided_kg"])) for h in ledger_json["handovers"]) == S.TOTAL_CO2E
    october = client.get(
        "/api/v1/impact/handovers.json?from=2026-10-01&to=2026-10-31", headers=headers
    ).json
    assert [h["mass_kg"] for h in october["handovers"]] == [300, 118.25]

    waste = client.get("/api/v1/impact/waste-report", headers=headers).json
    assert D(str(waste["total_kg"])) == S.TOTAL_KG and D(str(waste["total_t"])) == D("1.31065")
    assert {c["ewc_code"]: D(str(c["mass_kg"])) for c in waste["classes"]} == {
        k: v[0] for k, v in S.BY_EWC.items()
    }
    waste_csv = list(
        csv.DictReader(
            io.StringIO(
                client.get(
                    f"/api/v1/impact/waste-report.csv?organization_id={ledger.orgs['A']}",
                    headers=headers,
                ).text
            )
        )
    )
    assert [
        (r["ewc_code"], r["mass_kg"], r["mass_t"], r["organization_id"]) for r in waste_csv
    ] == [
        ("17 01 02", "437.400", "0.437400", str(ledger.orgs["A"])),
        ("17 02 01", "675.000", "0.675000", str(ledger.orgs["A"])),
    ]


def test_open_data_endpoint_agrees_to_the_gram(client, ledger):
    body = client.get("/api/v1/open-data/impact").json
    assert body["licence"] == "CC BY 4.0"
    assert (D(str(body["totals"]["diverted_kg"])), D(str(body["totals"]["co2e_avoided_kg"]))) == (
        S.TOTAL_KG,
        S.TOTAL_CO2E,
    )
    rows = {(r["month"], r["category"]): r for r in body["rows"]}
    for key, (n, kg, measured, declared, estimated, co2e) in S.OPEN_DATA.items():
        row = rows[key]
        assert (
            row["handovers"],
            D(str(row["diverted_kg"])),
            D(str(row["diverted_kg_measured"])),
            D(str(row["diverted_kg_declared"])),
            D(str(row["diverted_kg_estimated"])),
            D(str(row["co2e_avoided_kg"])),
        ) == (n, kg, measured, declared, estimated, co2e)
    csv_rows = list(csv.DictReader(io.StringIO(client.get("/api/v1/open-data/impact.csv").text)))
    assert [(r["month"], r["category"], r["diverted_kg"]) for r in csv_rows] == [
        (k[0], k[1], str(v[1])) for k, v in sorted(S.OPEN_DATA.items())
    ]


# -- Match rate, lots expired unclaimed, no-show rate: a small September -------------------------


def test_match_rate_expired_unclaimed_and_no_show_rate(app, make):
    seller, city = make.builder(), make.city()
    takers = [make.resident() for _ in range(4)]
    site = make.site(seller)
    clock.set(S.at("2026-08-20"))
    # Created in August: its September handover counts in September's mass, not in September's
    # match rate.
    august = make.listing(
        seller,
        site_=site,
        category="plastic",
        quantity="50",
        unit="kg",
        available_until=date(2026, 9, 10),
    )
    clock.set(S.at("2026-09-01"))
    bricks = make.listing(
        seller,
        site_=site,
        quantity="100",
        unit="pcs",  # 100 × 3 kg = 300 kg listed
        available_until=date(2026, 9, 20),
    )
    make.listing(
        seller,
        site_=site,
        category="timber",
        quantity="2",
        unit="m3",  # 2 × 450 = 900 kg
        kg_per_unit="450",
        available_until=date(2026, 9, 15),
    )
    steel = make.listing(
        seller,
        site_=site,
        category="steel-section",
        quantity="100",
        unit="kg",  # 100 kg
        available_until=date(2026, 9, 30),
    )
    hidden = make.listing(
        seller, site_=site, quantity="10", unit="pcs", available_until=date(2026, 9, 12)
    )  # 30 kg
    clock.set(S.at("2026-09-02"))
    S.collect(seller, takers[0], august, "50")  # collected #1 (Sept)
    moderation.listing_hide(
        user_id=city.id, listing_id=hidden.id, reason="Photos show asbestos sheets"
    )
    clock.set(S.at("2026-09-05"))
    listing_services.listing_withdraw(user_id=seller.id, listing_id=steel.id)
    no_show = svc.reservation_create(user_id=takers[1].id, listing_id=bricks.id, quantity="10")
    cancelled = svc.reservation_create(user_id=takers[2].id, listing_id=bricks.id, quantity="5")
    svc.reservation_cancel(
        user_id=takers[2].id, reservation_id=cancelled.id
    )  # neither collected nor no-show
    clock.set(S.at("2026-09-09"))
    svc.reservation_no_show(user_id=seller.id, reservation_id=no_show.id)  # no-show #1 (Sept)
    clock.set(S.at("2026-09-10"))
    S.collect(seller, takers[1], bricks, "40")  # collected #2, in time: 120 kg
    clock.set(S.at("2026-09-18"))
    late = svc.reservation_create(user_id=takers[3].id, listing_id=bricks.id, quantity="20")
    clock.set(S.at("2026-09-22"))
    svc.reservation_collect(
        user_id=seller.id, reservation_id=late.id
    )  # collected #3, after the 20th
    clock.set(S.at("2026-10-02"))
    other = make.listing(seller, site_=site, quantity="5", unit="pcs")
    october = svc.reservation_create(user_id=takers[0].id, listing_id=other.id, quantity="1")
    svc.reservation_no_show(user_id=seller.id, reservation_id=october.id)  # outside the period
    clock.set(S.at("2026-11-30"))
    september = (date(2026, 9, 1), date(2026, 9, 30))

    match = reports.match_rate(*september)
    # Listed in September: bricks 300 + timber 900 + steel 100 + hidden 30 = 1330 kg.
    # Handed over by the listing's last day: 40 bricks × 3 kg = 120 kg (the 20 bricks came after
    # the 20th).
    assert (match.listings, match.listed_kg, match.matched_kg) == (4, D("1330"), D("120"))
    assert match.rate == D("120") / D("1330")

    unclaimed = reports.expired_unclaimed(*september)
    # Ended in September with nothing handed over: timber (900 kg). Not: bricks and the August
    # plastic (collected), steel (withdrawn), the hidden bricks (hidden by the city).
    assert (unclaimed.lots, unclaimed.mass_kg) == (1, D("900"))

    shows = reports.no_show_rate(*september)
    # Closed in September: collected 3 (plastic, 40 bricks, 20 bricks), no-show 1 → 1 / (3 + 1).
    assert (shows.collected, shows.no_show, shows.rate) == (3, 1, D("0.25"))
    assert reports.no_show_rate(date(2026, 10, 1), date(2026, 10, 31)).rate == D(1)


def test_target_progress(ledger):
    moderation.target_set(user_id=ledger.city.id, year=2026, tonnes="10")
    progress = reports.target_progress(2026)
    assert (progress.target_t, progress.diverted_t) == (D("10"), D("1.31065"))  # 1310.650 kg
    assert progress.share == D("0.131065")
    assert progress.pace == D(334) / D(365)  # 30 November is day 334
    moderation.target_set(
        user_id=ledger.city.id, year=2026, tonnes="12.5"
    )  # replaces, and is logged
    assert reports.target_progress(2026).target_t == D("12.5")
    assert (
        db.session.scalar(sa.select(sa.func.count()).where(StaffAction.kind == "target.set")) == 2
    )
    with pytest.raises(ValidationFailed) as bad:
        moderation.target_set(user_id=ledger.city.id, year=1999, tonnes="-1")
    assert set(bad.value.fields) == {"year", "tonnes"}


# -- Factor versions ---------------------------------------------------------------------------

NEXT_VERSION = """category_slug,kg_co2e_per_kg,source,reference,confidence,note
brick,0.2,S10,Clay brick (lower bound),estimate,
steel-section,0.73,S10,"Steel rebar, recycled, Europe EAF",verified,proxy for reused sections
plastic,2.0,S10,PVC (proxy),estimate,
"""


def load_next(city, csv_text=NEXT_VERSION, version_id="test-2027"):
    return factor_services.factor_set_load(
        user_id=city.id, version_id=version_id, name="Test version 2027", data=csv_text.encode()
    )


def test_recompute_under_another_version_side_by_side(ledger):
    load_next(ledger.city)
    rows = {r.category: r for r in factors.recompute("test-2027", "en")}
    # brick: (300 − 300 + 287.4 + 150) × 0.2 = 60 − 60 + 57.48 + 30 = 87.480 (recorded 93.166)
    # steel: 118.25 × 0.73 = 86.3225 → 86.322 (half-even; recorded 183.288)
    # plastic: 80 × 2.0 = 160.000 (recorded 0);
    # timber: no factor in test-2027 → 0 (recorded 177.525)
    assert {
        k: (r.recorded_co2e_kg, r.recomputed_co2e_kg, r.difference_kg) for k, r in rows.items()
    } == {
        "brick": (D("93.166"), D("87.480"), D("-5.686")),
        "steel-section": (D("183.288"), D("86.322"), D("-96.966")),
        "plastic": (D("0.000"), D("160.000"), D("160.000")),
        "timber": (D("177.525"), D("0.000"), D("-177.525")),
    }
    assert sum(r.recomputed_co2e_kg for r in rows.values()) == D("333.802")  # 87.48 + 86.322 + 160
    same = {r.category: r for r in factors.recompute("ice-3.0", "en")}
    assert all(r.difference_kg == 0 for r in same.values())  # recorded = recomputed
    assert impact.totals().co2e_avoided_kg == S.TOTAL_CO2E  # nothing rewritten


def test_a_new_active_version_is_used_by_new_handovers_only(ledger):
    load_next(ledger.city)
    assert db.session.get(FactorSet, "test-2027").active is False  # loaded inactive
    factor_services.factor_set_activate(user_id=ledger.city.id, factor_set_id="test-2027")
    assert db.session.scalars(sa.select(FactorSet.id).where(FactorSet.active)).all() == [
        "test-2027"
    ]
    bricks = ledger.handovers[0].listing_id
    _reservation, new = S.collect(
        ledger.builder_a, ledger.residents[0], db.session.get(Listing, bricks), "10"
    )
    assert (new.factor_set_id, new.mass_kg, new.co2e_avoided_kg) == (
        "test-2027",
        D("30.000"),
        D("6.000"),
    )
    old = db.session.get(Handover, ledger.handovers[0].id)
    assert (old.factor_set_id, old.factor_kg_co2e_per_kg, old.co2e_avoided_kg) == (
        "ice-3.0",
        D("0.213"),
        D("63.900"),
    )
    assert impact.totals().co2e_avoided_kg == S.TOTAL_CO2E + D("6.000")
    used = {s["id"]: s["rows"] for s in exports.factor_sets_used()}
    assert used == {"ice-3.0": 7, "test-2027": 1}
    # A correction of an old row keeps the old row's version.
    correction = impact_services.handover_correct(
        user_id=ledger.city.id,
        handover_id=ledger.handovers[4].id,
        mass_kg="160",
        weighed=True,
        reason="Reweighed",
    )
    assert (correction.factor_set_id, correction.co2e_avoided_kg) == (
        "ice-3.0",
        D("34.080"),
    )  # 160 × 0.213


def test_a_bad_csv_lists_errors_by_line_and_loads_nothing(ledger):
    bad = (
        "category_slug;kg_co2e_per_kg;source;reference;confidence;note\n"
        "brick;0,2;S10;;estimate;\n"  # line 2: fine (semicolon file, decimal comma)
        "unobtainium;1;S10;;estimate;\n"  # line 3: unknown category
        "brick;0.3;S10;;estimate;\n"  # line 4: duplicate
        "timber;-1;S10;;verified;\n"  # line 5: negative factor
        "glass;1.4444444;;;sure;\n"  # line 6: 7 decimals, no source, bad confidence
        "steel-section;1.55;S10\n"
    )  # line 7: too few values
    before = db.session.scalar(sa.select(sa.func.count()).select_from(FactorSet))
    with pytest.raises(factor_services.FactorTableInvalid) as error, force_locale("en"):
        load_next(ledger.city, bad)
    lines = error.value.details["lines"]
    assert sorted({n for n, _message in lines}) == [3, 4, 5, 6, 7]
    assert any("unobtainium" in m for n, m in lines if n == 3)
    assert any("line 2" in m for n, m in lines if n == 4)
    assert len([m for n, m in lines if n == 6]) == 3
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(FactorSet)) == before
    with pytest.raises(factor_services.FactorTableInvalid) as header:
        load_next(ledger.city, "slug,factor\nbrick,1\n")
    assert header.value.details["lines"][0][0] == 1
    with pytest.raises(ValidationFailed) as exists:
        load_next(ledger.city, NEXT_VERSION, version_id="ice-3.0")  # versions are immutable
    assert "version_id" in exists.value.fields


def test_loaded_factors_can_never_be_changed(ledger):
    factor = load_next(ledger.city).factors[0]
    factor.kg_co2e_per_kg = D("9")
    with pytest.raises(FactorIsImmutable):
        db.session.commit()
    db.session.rollback()


def test_only_city_staff_load_or_activate(ledger):
    with pytest.raises(Exception) as refused:
        load_next(ledger.builder_a)
    assert getattr(refused.value, "code", "") == "forbidden"
    with pytest.raises(Exception) as refused:
        factor_services.factor_set_activate(user_id=ledger.residents[0].id, factor_set_id="ice-3.0")
    assert getattr(refused.value, "code", "") == "forbidden"


def test_days_before_the_first_handover_are_empty(ledger):
    early = date(2026, 9, 30)
    assert impact.totals(end=early).handovers == 0
    assert exports.open_data(end=early) == [] and exports.waste_summary("en", end=early) == []
    assert reports.mass_sources(end=early)[0].share is None
