"""Survey import (issue 11 item 1) with real-world files: semicolon and comma CSV, BOM, decimal
commas, Finnish and Swedish headers, an XLSX made with openpyxl, empty lines, unknown materials,
hazardous rows, contradicting EWC codes, 5,000 rows. All or nothing, and no trace when refused."""

import io
import zipfile
from datetime import timedelta
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa

from marketplace import clock
from marketplace.extensions import db
from marketplace.models import Listing, ListingStatus, SurveyImport
from marketplace.services import survey_file
from marketplace.services.reservations import reservation_create
from tests import factories
from tests.helpers import assert_error, bearer_header, fresh

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "survey-example.csv"
CSV = {"Content-Type": "text/csv"}
XLSX = {"Content-Type": survey_file.XLSX}


def post(client, bearer, site, data, *, dry_run=True, headers=CSV):
    flag = "true" if dry_run else "false"
    return client.post(
        f"/api/v1/imports/survey?site_id={site.id}&dry_run={flag}",
        data=data,
        headers=bearer | headers,
    )


def counts() -> dict[str, int]:
    """Rows in every table: a refused import must leave each count as it was."""
    with db.engine.connect() as conn:
        return {
            t.name: conn.scalar(sa.select(sa.func.count()).select_from(t))
            for t in db.metadata.sorted_tables
        }


def day(n: int) -> str:
    return (clock.today() + timedelta(days=n)).isoformat()


def test_the_shipped_example_imports_cleanly(client, bearer, site):
    preview = post(client, bearer, site, EXAMPLE.read_bytes())
    assert preview.status_code == 200, preview.get_json()
    body = preview.get_json()
    assert (body["valid"], body["invalid"]) == (6, 0)
    brick = body["rows"][0]
    assert brick["line"] == 2 and brick["listing"]["category"] == "brick"
    assert brick["listing"]["quantity"] == "1200" and brick["listing"]["kg_per_unit"] == "2.9"
    assert brick["listing"]["still_installed"] is True
    created = post(client, bearer, site, EXAMPLE.read_bytes(), dry_run=False)
    assert created.status_code == 201
    ids = created.get_json()["created"]
    assert len(ids) == 6
    listings = fresh().scalars(sa.select(Listing).where(Listing.id.in_(ids))).all()
    assert {x.import_id for x in listings} == {created.get_json()["import_id"]}
    assert all(x.site_id == site.id and x.available_from > clock.today() for x in listings)


def test_comma_csv_with_bom_swedish_headers_and_decimal_points(client, bearer, site):
    text = (
        "\ufeffMaterial,Rubrik,Mängd,Enhet,Kg/enhet,Skick,Tillgänglig från,EWC-kod\n"
        f'tegel,Tegel från fasaden,"1 200,5",ST,"2,9",bra,{day(0)},17 01 02\n'
        f"Innerdörr,,12,st,,som ny,{day(14)},170201\n"
    )
    body = post(client, bearer, site, text.encode()).get_json()
    assert body["invalid"] == 0, body
    first, second = body["rows"]
    assert first["listing"]["quantity"] == "1200.5" and first["listing"]["unit"] == "pcs"
    assert first["listing"]["still_installed"] is False
    assert second["listing"]["category"] == "door" and second["listing"]["condition"] == "like_new"
    assert second["listing"]["still_installed"] is True


def test_semicolon_csv_finnish_headers_decimal_commas_and_empty_lines(client, bearer, site):
    text = (
        "MATERIAALI;määrä;yksikkö;paino kg/yksikkö;jätekoodi;sijainti\r\n"
        "\r\n"
        "teräspalkki;42,5;jm;42,3;17 04 05;Kellari\r\n"
        ";;;;;\r\n"
        "Kipsilevy;1 250,25;m²;;;2. krs\r\n"
    )
    body = post(client, bearer, site, text.encode("utf-8")).get_json()
    assert [r["line"] for r in body["rows"]] == [3, 5]
    assert body["invalid"] == 0, body
    steel, gypsum = body["rows"]
    assert (steel["listing"]["quantity"], steel["listing"]["unit"]) == ("42.5", "m")
    assert steel["listing"]["total_kg"] == "1797.75"
    assert gypsum["listing"]["title"].endswith("2. krs")


def test_xlsx_made_with_openpyxl(client, bearer, site):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Materiaali", "Määrä", "Yksikkö", "Saatavilla alkaen", "EWC"])
    sheet.append(["Punatiili", 1200, "kpl", clock.today() + timedelta(days=10), "17 01 02"])
    sheet.append([None, None, None, None, None])
    sheet.append(["Vaneri", 14.5, "m2", None, None])
    out = io.BytesIO()
    book.save(out)
    created = post(client, bearer, site, out.getvalue(), dry_run=False, headers=XLSX)
    assert created.status_code == 201, created.get_json()
    brick, plywood = (fresh().get(Listing, i) for i in created.get_json()["created"])
    assert brick.quantity == 1200 and brick.available_from == clock.today() + timedelta(days=10)
    assert plywood.quantity == pytest.approx(14.5) and plywood.category_slug == "wood-panel"


BAD = (
    "material;quantity;unit;ewc_code\n"
    "brick;100;pcs;17 01 02\n"
    "unobtainium;5;pcs;\n"
    "asbestos;200;kg;\n"
    "brick;10;pcs;17 06 05*\n"
    "brick;10;pcs;17 02 01\n"
    "brick;ten;pcs;\n"
    "brick;10;barrels;\n"
)


def test_every_bad_row_says_why(client, bearer, site):
    rows = post(client, bearer, site, BAD.encode()).get_json()["rows"]
    assert [r["ok"] for r in rows] == [True] + [False] * 6
    unknown, asbestos, starred, contradicting, wordy, barrels = rows[1:]
    assert "unobtainium" in unknown["errors"]["material"]
    assert asbestos["code"] == "hazardous_material" and "material" in asbestos["errors"]
    assert starred["code"] == "hazardous_material" and "17 06 05*" in starred["errors"]["ewc_code"]
    assert contradicting["code"] == "validation_failed"
    assert "17 01 02" in contradicting["errors"]["ewc_code"]
    assert "quantity" in wordy["errors"] and "unit" in barrels["errors"]


def test_a_refused_import_leaves_no_trace(client, bearer, site):
    before = counts()
    refused = post(client, bearer, site, BAD.encode(), dry_run=False)
    error = assert_error(refused, 422, "validation_failed")
    assert (error["valid"], error["invalid"]) == (1, 6) and len(error["rows"]) == 7
    assert counts() == before


def test_5000_rows_all_or_nothing(client, bearer, site):
    good = "".join(f"brick;{i + 1};pcs;17 01 02;rivi {i}\n" for i in range(4999))
    text = "material;quantity;unit;ewc;location\n" + good + "brick;1;pcs;17 02 01;last\n"
    before = counts()
    error = assert_error(post(client, bearer, site, text.encode(), dry_run=False), 422)
    assert error["invalid"] == 1 and error["rows"][-1]["line"] == 5001
    assert counts() == before
    fixed = text.replace("17 02 01;last", "17 01 02;last")
    created = post(client, bearer, site, fixed.encode(), dry_run=False)
    assert created.status_code == 201 and len(created.get_json()["created"]) == 5000


def test_too_many_rows_and_bad_files_are_refused_whole(client, bearer, site):
    many = "material;quantity;unit\n" + "brick;1;pcs\n" * (survey_file.MAX_ROWS + 1)
    assert_error(post(client, bearer, site, many.encode()), 422, fields=["file"])
    latin1 = "materiaali;määrä;yksikkö\ntiili;1;kpl\n".encode("latin-1")
    assert "UTF-8" in assert_error(post(client, bearer, site, latin1), 422)["fields"]["file"]
    assert_error(post(client, bearer, site, b"color;size\nred;1\n"), 422, fields=["file"])
    assert_error(post(client, bearer, site, b"PK\x03\x04 not a zip", headers=XLSX), 422)


def test_a_zip_bomb_is_refused_before_it_is_unpacked(client, bearer, site):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (survey_file.MAX_XLSX_UNPACKED + 1))
    assert len(out.getvalue()) < 1_000_000
    error = assert_error(post(client, bearer, site, out.getvalue(), headers=XLSX), 422)
    assert "too large" in error["fields"]["file"]


def test_undo_withdraws_what_nobody_reserved(client, bearer, site):
    created = post(client, bearer, site, EXAMPLE.read_bytes(), dry_run=False).get_json()
    first, *rest = created["created"]
    fresh().get(Listing, first).available_from = clock.today()  # reservable now
    db.session.commit()
    taker = factories.resident(email="taker@example.com")
    reservation_create(user_id=taker.id, listing_id=first, quantity="10")
    undone = client.delete(f"/api/v1/imports/{created['import_id']}", headers=bearer)
    assert undone.get_json() == {"withdrawn": rest, "kept": [first]}
    assert fresh().get(Listing, rest[0]).status == ListingStatus.WITHDRAWN
    assert db.session.get(SurveyImport, created["import_id"]).undone_at is not None
    again = client.delete(f"/api/v1/imports/{created['import_id']}", headers=bearer)
    assert again.get_json() == {"withdrawn": [], "kept": [first]}


def test_who_may_import_and_undo(client, bearer, site, resident_bearer, stranger):
    data = EXAMPLE.read_bytes()
    assert_error(post(client, resident_bearer, site, data), 403)
    assert_error(post(client, stranger["bearer"], site, data), 404)
    assert_error(
        client.post("/api/v1/imports/survey", data=data, headers=bearer | CSV),
        400,
        fields=["site_id"],
    )
    assert_error(post(client, bearer, site, data, headers={"Content-Type": "image/png"}), 415)
    created = post(client, bearer, site, data, dry_run=False).get_json()
    assert_error(
        client.delete(f"/api/v1/imports/{created['import_id']}", headers=stranger["bearer"]), 404
    )
    assert_error(client.delete(f"/api/v1/imports/{created['import_id']}"), 401)


def test_an_unverified_organisation_imports_into_pending_review(client):
    builder = factories.unverified_builder(email="new@example.com")
    site = factories.site(builder)
    created = post(client, bearer_header(builder), site, EXAMPLE.read_bytes(), dry_run=False)
    listing = fresh().get(Listing, created.get_json()["created"][0])
    assert listing.status == ListingStatus.PENDING_REVIEW


def test_all_or_nothing_on_every_database(any_db):
    """The same transaction rule on SQLite and PostgreSQL: refused leaves no row, valid
    publishes every one."""
    builder = factories.builder(email="pg@example.com")
    site = factories.site(builder)
    client, bearer = any_db.test_client(), bearer_header(builder, "en")
    before = counts()
    assert_error(post(client, bearer, site, BAD.encode(), dry_run=False), 422)
    assert counts() == before
    created = post(client, bearer, site, EXAMPLE.read_bytes(), dry_run=False)
    assert created.status_code == 201 and len(created.get_json()["created"]) == 6


def test_a_broken_sheet_inside_a_valid_zip_is_a_422(client, bearer, site):
    book = openpyxl.Workbook()
    book.active.append(["material", "quantity", "unit"])
    good = io.BytesIO()
    book.save(good)
    broken = io.BytesIO()
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(broken, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            target.writestr(
                item, b"<worksheet><sheetData><row>" if "sheet1" in item.filename else data
            )
    assert_error(post(client, bearer, site, broken.getvalue(), headers=XLSX), 422, fields=["file"])
