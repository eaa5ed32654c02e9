"""Open data and the public impact page: aggregates only, no personal data, stable documented
columns, a licence; the impact API keeps its contract (tests/city_scenario.py for the figures)."""

import csv
import io
import json
import re
from decimal import Decimal as D
from pathlib import Path

import pytest

from marketplace.api.impact import OPEN_DATA_COLUMNS

from .. import city_scenario as S

README = Path(__file__).resolve().parents[2] / "README.md"
FORBIDDEN_KEYS = re.compile(
    r"^(id|user.*|.*e-?mail.*|display.*|receiver.*|reservation.*|recorded_by.*|code|pickup.*"
    r"|site.*|organi[sz]ation.*|listing.*)$",
    re.I,
)


@pytest.fixture
def ledger(app):
    return S.build()


def keys_of(value) -> set[str]:
    """Every key anywhere in a JSON document."""
    if isinstance(value, dict):
        return set(value) | set().union(*(keys_of(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(set(), *(keys_of(v) for v in value))
    return set()


def test_open_data_has_a_licence_and_only_documented_columns(client, ledger):
    response = client.get("/api/v1/open-data/impact")
    assert response.status_code == 200  # no login
    body = response.json
    assert (body["licence"], body["licence_url"]) == (
        "CC BY 4.0",
        "https://creativecommons.org/licenses/by/4.0/",
    )
    assert set(body["columns"]) == set(OPEN_DATA_COLUMNS)
    assert all(set(row) == set(OPEN_DATA_COLUMNS) for row in body["rows"])
    assert {
        "from",
        "to",
        "dataset",
        "title",
        "attribution",
        "generated_at",
        "factor_sets",
        "totals",
        "rows",
    } <= set(body)
    header = next(csv.reader(io.StringIO(client.get("/api/v1/open-data/impact.csv").text)))
    assert header == list(OPEN_DATA_COLUMNS)
    assert (
        "creativecommons.org/licenses/by/4.0"
        in client.get("/api/v1/open-data/impact.csv").headers["Link"]
    )


def test_open_data_contains_no_personal_data(client, ledger):
    for path in (
        "/api/v1/open-data/impact",
        "/api/v1/open-data/impact.csv",
        "/api/v1/open-data/impact?from=2026-11-01&to=2026-11-30",
    ):
        text = client.get(path).get_data(as_text=True)
        for secret in S.personal_strings(ledger):
            assert secret not in text, (path, secret)
        assert not re.search(r"reservation|receiver|user_id|e-?mail|@", text, re.I), path
    body = client.get("/api/v1/open-data/impact").json
    row_keys = keys_of(body["rows"])
    assert row_keys == set(OPEN_DATA_COLUMNS)
    rest = {k: v for k, v in body.items() if k != "factor_sets"}
    assert not [k for k in keys_of(rest) if FORBIDDEN_KEYS.match(k)]
    assert all(
        set(s) == {"id", "name", "rows"} for s in body["factor_sets"]
    )  # the version's id, not a person's


def test_open_data_period_filter_and_bad_dates(client, ledger):
    october = client.get("/api/v1/open-data/impact?from=2026-10-01&to=2026-10-31").json
    assert {(r["month"], r["category"]) for r in october["rows"]} == {
        ("2026-10", "brick"),
        ("2026-10", "steel-section"),
    }
    assert D(str(october["totals"]["diverted_kg"])) == S.BY_MONTH["2026-10"][0]
    assert client.get("/api/v1/open-data/impact?from=October").status_code == 400
    assert client.get("/api/v1/open-data/impact?from=2026-11-01&to=2026-10-01").status_code == 400


def test_open_data_columns_are_documented_in_the_readme():
    text = README.read_text(encoding="utf-8")
    assert "## Open data" in text
    section = text.split("## Open data", 1)[1].split("\n## ", 1)[0]
    for column in OPEN_DATA_COLUMNS:
        assert f"`{column}`" in section, column
    assert "CC BY 4.0" in section and "/api/v1/open-data/impact" in section


def test_public_impact_page_explains_the_method_without_personal_data(client, ledger):
    response = client.get("/impact/", headers={"Accept-Language": "en"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for secret in S.personal_strings(ledger):
        assert secret not in html, secret
    assert not re.search(r"/reservations/\d", html)
    assert "Kera A1" not in html and "Kera B1" not in html  # no site figures in public
    # Figures to the gram, in data-value attributes beside the formatted numbers.
    assert f'data-figure="diverted_kg" data-value="{S.TOTAL_KG}"' in html
    assert f'data-figure="co2e_avoided_kg" data-value="{S.TOTAL_CO2E}"' in html
    for month, (kg, _co2e, _n) in S.BY_MONTH.items():
        assert re.search(
            rf'data-key="{month}"><th scope="row"[^>]*>{month}</th>\s*'
            rf'<td class="num" data-value="{kg}"',
            html,
        )
    # The methodology: mass sources with their actual shares, factors with source and version,
    # not an offset.
    for key, kg in S.MASS_SOURCES.items():
        assert f'data-key="{key}"' in html and f'data-value="{kg}"' in html
    assert "Measured (weighed at handover)" in html and "Estimated (the catalogue" in html
    factor_table = html.split('id="factor-table"', 1)[1].split("</table>", 1)[0]
    brick = re.search(r'<tr data-key="brick">.*?</tr>', factor_table, re.S).group(0)
    assert (
        'data-value="0.213000"' in brick and ">S10</a>" in brick and "<code>ice-3.0</code>" in brick
    )
    assert re.search(r'id="source-S10"><strong>S10</strong>: ICE DB V3.0', html)
    assert "No factor: the mass is counted, no CO2e is claimed." in html  # e.g. plastic, soil
    assert "not an offset" in html and "What is not counted" in html and "Transport" in html
    assert "CC BY 4.0" in html


def test_public_impact_page_speaks_finnish_and_swedish(client, ledger):
    for lang in ("fi", "sv"):
        response = client.get("/impact/", headers={"Accept-Language": lang})
        assert response.status_code == 200 and f'lang="{lang}"' in response.get_data(as_text=True)


def test_impact_api_keeps_its_contract(client, ledger):
    body = client.get("/api/v1/impact?group_by=category").json
    assert set(body) == {"from", "to", "diverted_kg", "co2e_avoided_kg", "handovers", "groups"}
    assert all(
        set(g) == {"key", "label", "diverted_kg", "co2e_avoided_kg", "handovers"}
        for g in body["groups"]
    )
    assert (D(str(body["diverted_kg"])), D(str(body["co2e_avoided_kg"])), body["handovers"]) == (
        S.TOTAL_KG,
        S.TOTAL_CO2E,
        S.HANDOVERS,
    )
    assert client.get("/api/v1/impact?group_by=site").status_code == 401  # needs the city role
    assert client.get("/api/v1/impact?group_by=organization").status_code == 401


def test_new_endpoints_are_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    for path in (
        "/api/v1/impact/handovers.json",
        "/api/v1/impact/waste-report",
        "/api/v1/impact/waste-report.csv",
        "/api/v1/open-data/impact",
        "/api/v1/open-data/impact.csv",
    ):
        assert "get" in paths[path], path
    schema = client.get("/api/v1/openapi.json").json["components"]["schemas"]["OpenDataRowOut"]
    assert set(schema["properties"]) == set(OPEN_DATA_COLUMNS)
    assert json.dumps(paths["/api/v1/open-data/impact"]).count("security") == 0  # no login


def test_public_page_names_every_factor_version_in_use(client, ledger):
    from marketplace.extensions import db
    from marketplace.models import Listing
    from marketplace.services import factors

    csv_text = (
        "category_slug,kg_co2e_per_kg,source,reference,confidence,note\n"
        "brick,0.2,S10,Clay brick,estimate,\n"
    )
    factors.factor_set_load(
        user_id=ledger.city.id,
        version_id="city-2027",
        name="City factors 2027",
        data=csv_text.encode(),
    )
    factors.factor_set_activate(user_id=ledger.city.id, factor_set_id="city-2027")
    S.collect(
        ledger.builder_a,
        ledger.residents[0],
        db.session.get(Listing, ledger.handovers[0].listing_id),
        "1",
    )
    html = client.get("/impact/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "City factors 2027" in html and "ice-3.0" in html  # both versions behind the totals
    assert "7 records" in html and "1 record" in html
    factor_table = html.split('id="factor-table"', 1)[1].split("</table>", 1)[0]
    assert 'data-value="0.200000"' in factor_table and "<code>city-2027</code>" in factor_table
    assert "No factor: the mass is counted" in factor_table  # timber has none in city-2027
