"""Figures, dates and files the way each reader writes them (issue 9, item 7): `2,4 t` and
`7.12.2026 klo 12.30` in Finnish, decimal commas typed into forms, a CSV for Finnish and
Swedish spreadsheets beside the standard one, and waste-class titles in the page's language."""

import csv
import io
from datetime import UTC, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa

from marketplace.models import Listing, Site
from marketplace.queries import exports
from marketplace.services import reservations as reservation_services

from ..conftest import AuthActions
from ..helpers import assert_error, bearer_header, fresh

PICKUP = datetime(2026, 12, 7, 10, 30, tzinfo=UTC)  # Monday 7 December, 12.30 in Helsinki


def signed_in(app, user):
    client = app.test_client()
    AuthActions(client).login(user)
    return client


@pytest.fixture
def handed_over(make):
    """2 400 kg of bricks handed over, and a reservation with a pickup at 12.30 on 7 December."""
    seller = make.builder(locale="fi")
    listing = make.listing(seller, title="Punatiili MRT75", quantity="100", unit="pcs")
    taker = make.resident(locale="fi")
    first = reservation_services.reservation_create(
        user_id=taker.id, listing_id=listing.id, quantity="10"
    )
    reservation_services.reservation_collect(
        user_id=seller.id,
        reservation_id=first.id,
        weighed_kg="2400",
        confirm_unusual_mass=True,  # 240 kg a brick: a round figure to read, not a real one
    )
    later = reservation_services.reservation_create(
        user_id=taker.id, listing_id=listing.id, quantity="12.5", pickup_at=PICKUP
    )
    return seller, taker, later


@pytest.mark.parametrize(
    "language, mass", [("fi", "2,4\u00a0t"), ("sv", "2,4\u00a0t"), ("en", "2.4\u00a0t")]
)
def test_the_impact_page_writes_tonnes_as_the_reader_does(client, handed_over, language, mass):
    page = client.get("/impact/", headers={"Accept-Language": language})
    assert mass in page.text
    other = "2,4\u00a0t" if language == "en" else "2.4\u00a0t"
    assert other not in page.text


@pytest.mark.parametrize(
    "language, when",
    [("fi", "7.12.2026 klo 12.30"), ("sv", "7.12.2026 kl. 12.30"), ("en", "7 Dec 2026, 12:30")],
)
def test_a_pickup_time_is_in_helsinki_time_without_seconds(app, handed_over, language, when):
    _seller, taker, reservation = handed_over
    client = signed_in(app, taker)
    client.post("/language", data={"locale": language, "next": "/"})
    page = client.get(f"/reservations/{reservation.id}")
    assert page.status_code == 200
    assert when in page.text
    assert "12.30.00" not in page.text and "12:30:00" not in page.text and "10.30" not in page.text
    assert ("12,5" if language != "en" else "12.5") in page.text  # the reserved quantity


def test_the_site_form_reads_a_comma_as_the_decimal_mark(app, make):
    builder = make.builder(locale="fi")
    client = signed_in(app, builder)
    response = client.post(
        "/sites/new",
        data={
            "name": "Kera Halli 3",
            "address": "Kauppamiehentie 1",
            "lat": "60,2170",
            "lng": "24,7539",
        },
    )
    assert response.status_code == 302
    site = fresh().scalars(sa.select(Site)).one()
    assert (site.lat, site.lng) == (pytest.approx(60.217), pytest.approx(24.7539))
    edit = client.get(f"/sites/{site.id}/edit")
    assert 'value="60,217"' in edit.text  # shown back as typed in Finnish


@pytest.mark.parametrize("typed", ["60,21,70", "1.234,5", "60°13'", "٦٠"])
def test_the_site_form_refuses_a_number_it_would_have_to_guess(app, make, typed):
    client = signed_in(app, make.builder(locale="fi"))
    response = client.post(
        "/sites/new",
        data={
            "name": "Kera Halli 3",
            "address": "Kauppamiehentie 1",
            "lat": typed,
            "lng": "24,7539",
        },
    )
    assert response.status_code == 422
    assert (
        'id="lat-error"' in response.text and "12,5" in response.text
    )  # the error shows an example
    assert fresh().scalar(sa.select(sa.func.count()).select_from(Site)) == 0


def test_the_listing_form_takes_quantity_mass_and_price_with_commas(app, make):
    builder = make.builder(locale="fi")
    site = make.site(builder)
    client = signed_in(app, builder)
    from ..web.test_listing_pages import form_data

    data = form_data(
        site,
        quantity="12,5",
        kg_per_unit="1\u00a0234,5",  # a thousands space and a decimal comma, beyond timber's range
        price="0,40 €",
        confirm_unusual_mass="y",
    )
    assert client.post("/listings/new", data=data).status_code == 302
    listing = fresh().scalars(sa.select(Listing)).one()
    assert (listing.quantity, listing.kg_per_unit, listing.price_cents) == (
        Decimal("12.5"),
        Decimal("1234.5"),
        40,
    )
    page = client.get(f"/listings/{listing.id}")
    assert "12,5\u00a0m³" in page.text or "12,5 m³" in page.text
    assert "0,40\u00a0€" in page.text


# --- CSV files ----------------------------------------------------------------------------------


def test_the_spreadsheet_csv_has_a_bom_semicolons_and_decimal_commas(client, handed_over, make):
    headers = bearer_header(make.city())
    for path in (
        "/api/v1/impact/handovers.csv",
        "/api/v1/impact/waste-report.csv",
        "/api/v1/open-data/impact.csv",
        "/api/v1/payments.csv",
    ):
        standard = client.get(path, headers=headers)
        sheet = client.get(f"{path}?variant=spreadsheet", headers=headers)
        assert standard.status_code == sheet.status_code == 200, path
        assert not standard.data.startswith(b"\xef\xbb\xbf") and sheet.data.startswith(
            b"\xef\xbb\xbf"
        ), path
        assert standard.data == client.get(f"{path}?variant=standard", headers=headers).data, path
        plain = list(csv.reader(io.StringIO(standard.data.decode("utf-8"))))
        local = list(csv.reader(io.StringIO(sheet.data.decode("utf-8-sig")), delimiter=";"))
        assert local[0] == plain[0] and len(local) == len(plain), path  # same columns, same rows
        assert "spreadsheet.csv" in sheet.headers["Content-Disposition"], path
    ledger = list(
        csv.DictReader(
            io.StringIO(client.get("/api/v1/impact/handovers.csv", headers=headers).text)
        )
    )
    sheet = client.get(
        "/api/v1/impact/handovers.csv?variant=spreadsheet", headers=headers
    ).data.decode("utf-8-sig")
    local = list(csv.DictReader(io.StringIO(sheet), delimiter=";"))
    assert ledger[0]["mass_kg"] == "2400.000" and local[0]["mass_kg"] == "2400,000"
    assert ledger[0]["created_at"] == local[0]["created_at"]  # dates stay ISO 8601
    waste = client.get("/api/v1/impact/waste-report.csv?variant=spreadsheet", headers=headers).data
    assert ";2400,000;2,400000\r\n" in waste.decode("utf-8-sig")


def test_the_standard_csv_is_unchanged_and_an_unknown_variant_is_refused(client, handed_over):
    lines = client.get("/api/v1/open-data/impact.csv").text.splitlines()
    assert lines[0] == (
        "month,category,category_name_en,ewc_code,handovers,diverted_kg,diverted_kg_measured,"
        "diverted_kg_declared,diverted_kg_estimated,co2e_avoided_kg"
    )
    assert lines[1].startswith("2026-11,brick,") and ",2400.000,2400.000,0.000,0.000," in lines[1]
    assert_error(
        client.get("/api/v1/open-data/impact.csv?variant=excel"),
        400,
        "bad_request",
        fields=["variant"],
    )


def test_the_staff_pages_say_which_csv_is_which(app, make):
    client = signed_in(app, make.city(locale="en"))
    for path in ("/staff/", "/staff/waste-report"):
        html = client.get(path).text
        assert "standard CSV" in html and "CSV for Excel in Finnish or Swedish" in html, path
        assert "variant=spreadsheet" in html, path
    assert "variant=spreadsheet" in client.get("/impact/").text


# --- EWC titles ---------------------------------------------------------------------------------


@pytest.fixture
def ewc_with_finnish(tmp_path, monkeypatch):
    """An ewc.toml that holds a Finnish title for 17 01 02 (test data, not the decree's text)."""
    path = tmp_path / "ewc.toml"
    path.write_text(
        exports.EWC_FILE.read_text(encoding="utf-8")
        + (
            '\n[fi]\nsource = "test fixture"\n[fi.code]\n"17 01 02" = "Testiotsikko suomeksi"\n'
            '[fi.chapter]\n"17 01" = "Testiluku suomeksi"\n'
        ),
        encoding="utf-8",
    )
    monkeypatch.setattr(exports, "EWC_FILE", path)
    exports._ewc_file.cache_clear()
    yield
    exports._ewc_file.cache_clear()


def test_the_waste_report_shows_the_title_in_the_page_language_where_there_is_one(
    app, make, handed_over, ewc_with_finnish
):
    finnish = signed_in(app, make.city(locale="fi")).get("/staff/report").text
    assert "Testiotsikko suomeksi" in finnish and "Testiluku suomeksi" in finnish
    swedish = signed_in(app, make.city(locale="sv")).get("/staff/report").text
    assert (
        "Testiotsikko suomeksi" not in swedish and "Bricks" in swedish
    )  # no Swedish title: English


def test_titles_in_another_language_need_their_source(tmp_path, monkeypatch):
    path = tmp_path / "ewc.toml"
    path.write_text('[chapter]\n[code]\n[sv.code]\n"17 01 01" = "x"\n', encoding="utf-8")
    monkeypatch.setattr(exports, "EWC_FILE", path)
    exports._ewc_file.cache_clear()
    try:
        with pytest.raises(ValueError, match="official text"):
            exports.ewc_titles("sv")
    finally:
        exports._ewc_file.cache_clear()


def test_the_ewc_file_holds_no_unsourced_translation():
    exports._ewc_file.cache_clear()
    data = exports._ewc_file()
    for locale in ("fi", "sv"):
        assert not data.get(locale) or data[locale]["source"], locale


def test_messages_write_the_reserved_quantity_in_the_readers_notation(app, handed_over):
    from ..helpers import deliver

    seller, _taker, _reservation = handed_over
    deliver()
    page = signed_in(app, seller).get("/notifications/")
    assert "12,5" in page.text and "12.5 " not in page.text
