"""The local gazetteer (no GEOCODER_URL): `flask places load FILE` and address search over it.

Loading reports bad lines by line number and loads the rest, twice is the same as once, and the
demo file holds only the demo sites' own addresses and coordinates. Search matches a street-name
prefix in either language, case and diacritics aside, an optional number and postcode, and
never offers a point the file does not hold."""

import tomllib
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import current_app

from marketplace import places
from marketplace.extensions import db
from marketplace.models import GazetteerEntry
from marketplace.places import loader

DATA = Path(__file__).resolve().parents[2] / "marketplace" / "data"
HEADER = "street,number,postcode,lat,lng,street_sv\n"


def load(text: str, source="test.csv"):
    return loader.load(text.splitlines(keepends=True), source=source)


def rows():
    db.session.rollback()
    return db.session.scalars(sa.select(GazetteerEntry).order_by(GazetteerEntry.id)).all()


def find(text):
    with current_app.test_request_context():
        return [(p.label, p.lat, p.lng) for p in places.find_address(text)]


@pytest.fixture
def kera(app):
    load(
        HEADER + "Kutojantie,6,02630,60.2133,24.7598,Vävarvägen\n"
        "Kutojantie,8 a,02630,60.2136,24.7601,Vävarvägen\n"
        "Kutojankuja,1,02630,60.2140,24.7610,\n"
        "Kuusitie,3,00270,60.1950,24.9010,Granvägen\n"
        "Åbontie,2,02630,60.2150,24.7500,Åbovägen\n",
        source="kera-test",
    )


def test_bad_lines_are_reported_with_their_line_numbers_and_the_rest_is_loaded(app):
    report = load(
        "# a comment line before the header\n"
        + HEADER
        + "Kutojantie,6,02630,60.2133,24.7598,\n"  # line 3: good
        + ",7,02630,60.2133,24.7598,\n"  # 4: no street
        + "Kutojantie,9,2630,60.2133,24.7598,\n"  # 5: postcode of four digits
        + "Kutojantie,10,02630,24.7598,60.2133,\n"  # 6: swapped
        + "Kutojantie,11,02630,6675123,375000,\n"  # 7: ETRS-TM35FIN metres
        + "Kutojantie,12,02630,sixty,24.7,\n"  # 8: not a number
        + "Kutojantie,13,02630\n"  # 9: too few columns
        + "\n"  # 10: blank, ignored
        + 'Kutojantie,"14",02630,"60,2140","24,7600",\n'  # 11: decimal commas, quoted: good
    )
    refused = dict(report.refused)
    assert sorted(refused) == [4, 5, 6, 7, 8, 9]
    assert "street is empty" in refused[4]
    assert "not five digits" in refused[5]
    assert "not in Finland" in refused[6] and "swapped" in refused[6]
    assert "ETRS-TM35FIN" in refused[7]
    assert "not a number" in refused[8]
    assert "columns" in refused[9]
    assert [(r.street, r.number, r.lat, r.lng) for r in rows()] == [
        ("Kutojantie", "6", 60.2133, 24.7598),
        ("Kutojantie", "14", 60.214, 24.76),
    ]
    assert report.loaded == 2


def test_loading_twice_leaves_the_same_rows(app):
    text = HEADER + "Kutojantie,6,02630,60.2133,24.7598,\nViilivati,5,02630,60.2137,24.7509,\n"
    first = load(text)
    before = [(r.street, r.number, r.postcode, r.lat, r.lng, r.source) for r in rows()]
    second = load(text)
    after = [(r.street, r.number, r.postcode, r.lat, r.lng, r.source) for r in rows()]
    assert before == after and len(after) == 2
    assert (first.loaded, first.replaced) == (2, 0) and (second.loaded, second.replaced) == (2, 2)


def test_a_reload_takes_the_files_changes_and_drops_what_it_no_longer_has(app):
    load(HEADER + "Kutojantie,6,02630,60.2133,24.7598,\nViilivati,5,02630,60.2137,24.7509,\n")
    load(HEADER + "Kutojantie,6,02630,60.2134,24.7599,\n")
    assert [(r.street, r.lat) for r in rows()] == [("Kutojantie", 60.2134)]


def test_an_address_is_held_once_the_first_line_wins(app):
    # Two buildings at one address (a house and its sauna), and the same address from another
    # source: one row, the first line's point.
    report = load(HEADER + "Kutojantie,6,02630,60.2133,24.7598,\nKUTOJANTIE,6,02630,60.3,24.8,\n")
    other = load(HEADER + "Kutojantie,6,02630,60.5,24.9,\n", source="other.csv")
    assert report.skipped == 1 and other.skipped == 1
    assert [(r.lat, r.source) for r in rows()] == [(60.2133, "test.csv")]


def test_a_semicolon_file_with_other_columns_in_another_order_loads(app):
    report = load(
        "id;lat;lng;street;postcode;number;municipality\n"
        "1;60,2133;24,7598;Kutojantie;02630;6;Espoo\n"
    )
    assert report.refused == [] and report.loaded == 1
    assert rows()[0].street_sv is None


def test_a_file_without_the_columns_is_refused_as_a_whole(app):
    with pytest.raises(loader.FileRefused, match="line 2: the header lacks lat, lng"):
        load("# comment\nstreet,number,postcode\nKutojantie,6,02630\n")
    with pytest.raises(loader.FileRefused):
        load("# only comments\n\n")
    assert rows() == []


def test_the_command_loads_a_file_and_reports_bad_lines(app, runner, tmp_path):
    good = tmp_path / "addresses.csv"
    good.write_text(HEADER + "Kutojantie,6,02630,60.2133,24.7598,\n", encoding="utf-8")
    result = runner.invoke(args=["places", "load", str(good), "--source", "DVV 2026-11"])
    assert result.exit_code == 0, result.output
    assert "DVV 2026-11: 1 addresses loaded (0 replaced), 0 already held, 0 lines refused" in (
        result.output
    )
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "Kutojantie,7,02630,6675123,375000,\n", encoding="utf-8")
    result = runner.invoke(args=["places", "load", str(bad)])
    assert result.exit_code == 1
    assert f"{bad}:2: lat '6675123' looks like metres" in result.output
    assert [r.source for r in rows()] == ["DVV 2026-11"]  # the name of the file by default


def test_the_demo_file_holds_only_the_demo_sites_own_addresses_and_points(app):
    sites = tomllib.loads((DATA / "demo.toml").read_text(encoding="utf-8"))["site"]
    demo_points = {(s["address"], s["lat"], s["lng"]) for s in sites}
    report = loader.load(
        (DATA / "demo_places.csv").read_text(encoding="utf-8").splitlines(True), source="demo"
    )
    assert report.refused == [] and report.loaded == len(sites)
    loaded = {(f"{r.street} {r.number}, {r.postcode} Espoo", r.lat, r.lng) for r in rows()}
    assert loaded == demo_points


def test_search_matches_a_street_prefix_case_and_diacritics_aside(app, kera):
    assert [label for label, *_ in find("kutojan")] == [
        "Kutojankuja 1, 02630",
        "Kutojantie 6, 02630",
        "Kutojantie 8 a, 02630",
    ]
    assert find("KUTOJANTIE 6, 02630 Espoo") == [("Kutojantie 6, 02630", 60.2133, 24.7598)]
    assert [label for label, *_ in find("abontie")] == ["Åbontie 2, 02630"]


def test_search_matches_the_swedish_name_and_answers_in_it(app, kera):
    assert find("Vävarvägen 6") == [("Vävarvägen 6, 02630", 60.2133, 24.7598)]
    assert [label for label, *_ in find("abovagen")] == ["Åbovägen 2, 02630"]


def test_an_exact_street_name_comes_before_longer_ones(app):
    load(HEADER + "Kutojantienkuja,1,02630,60.2140,24.7610,\nKutojantie,6,02630,60.2133,24.7598,\n")
    assert [label for label, *_ in find("kutojantie")][0] == "Kutojantie 6, 02630"


def test_a_number_or_postcode_the_file_lacks_is_not_found(app, kera):
    assert find("Kutojantie 7") == []  # between 6 and 8: never placed between them
    assert find("Kutojantie 6, 00100") == []
    assert find("Kuusitie 3, 02630") == []


def test_a_stairway_letter_finds_the_buildings_number(app, kera):
    assert find("Kutojantie 6 B") == [("Kutojantie 6, 02630", 60.2133, 24.7598)]
    assert [label for label, *_ in find("Kutojantie 8A")] == ["Kutojantie 8 a, 02630"]


@pytest.mark.parametrize("text", ["k", "6", "02630", "%", "_a", "k%"])
def test_too_little_or_wildcards_find_nothing(app, kera, text):
    assert find(text) == []


def test_the_query_is_taken_apart_into_street_number_and_postcode():
    from marketplace.places.gazetteer import Query, parse_query

    assert parse_query("Kutojantie 6, 02630 Espoo") == Query("kutojantie", "6", "02630")
    assert parse_query("Kukkavaasinkatu 3 A") == Query("kukkavaasinkatu", "3a", None)
    assert parse_query("Mannerheimintie 12-14") == Query("mannerheimintie", "12-14", None)
    assert parse_query("Pohjoinen Rautatiekatu") == Query("pohjoinen rautatiekatu", None, None)
    assert parse_query("Tie 1") == Query("tie", "1", None)
    assert parse_query("5") is None
