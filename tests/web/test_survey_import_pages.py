"""Survey import pages (issue 11 item 1): upload → preview with errors per row → publish; the
imports list with undo; CSRF on every form."""

import io
import re
from pathlib import Path

import sqlalchemy as sa

from marketplace.models import Listing, ListingStatus, SurveyImport
from tests import factories
from tests.conftest import running_app
from tests.helpers import english_client, fresh, sign_in

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "survey-example.csv"
BAD = "materiaali;määrä;yksikkö;ewc\ntiili;100;kpl;17 01 02\nunobtainium;5;kpl;\n"


def _token(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    return match.group(1) if match else ""


def _kept(html: str) -> str:
    return re.search(r'id="kept" name="kept" type="hidden" value="([^"]*)"', html).group(1)


def _upload(client, site, data: bytes, name="survey.csv"):
    page = client.get(f"/imports/sites/{site.id}").get_data(as_text=True)
    return client.post(
        f"/imports/sites/{site.id}",
        data={"csrf_token": _token(page), "survey": (io.BytesIO(data), name), "preview": "1"},
        content_type="multipart/form-data",
    )


def test_preview_shows_each_rows_errors_and_publishes_nothing(app):
    builder = factories.builder(email="b@example.com")
    site = factories.site(builder)
    client = english_client(app)
    sign_in(client, builder)
    answer = _upload(client, site, BAD.encode())
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert "1 rows valid, 1 with errors" in html and "unobtainium" in html
    assert "Publish all rows" not in html
    assert fresh().scalar(sa.select(sa.func.count(Listing.id))) == 0


def test_upload_preview_publish_then_undo(tmp_path):
    with running_app(tmp_path, WTF_CSRF_ENABLED=True) as app:
        _publish_then_undo(app)


def _publish_then_undo(app):
    builder = factories.builder(email="b@example.com")
    site = factories.site(builder)
    client = english_client(app)
    sign_in(client, builder, csrf=True)
    html = _upload(client, site, EXAMPLE.read_bytes()).get_data(as_text=True)
    assert "6 rows valid, 0 with errors" in html and "still installed" in html
    published = client.post(
        f"/imports/sites/{site.id}",
        data={"csrf_token": _token(html), "kept": _kept(html), "publish": "1"},
    )
    assert published.status_code == 302 and published.headers["Location"] == "/imports/"
    record = fresh().scalar(sa.select(SurveyImport))
    assert record.row_count == 6
    listing_page = client.get("/imports/").get_data(as_text=True)
    assert "Undo import" in listing_page
    assert client.post(f"/imports/{record.id}/undo").status_code == 400  # no CSRF token
    undone = client.post(f"/imports/{record.id}/undo", data={"csrf_token": _token(listing_page)})
    assert undone.status_code == 302
    statuses = fresh().scalars(sa.select(Listing.status).where(Listing.import_id == record.id))
    assert set(statuses) == {ListingStatus.WITHDRAWN}


def test_another_users_kept_file_cannot_be_published(app):
    builder = factories.builder(email="b@example.com")
    site = factories.site(builder)
    client = english_client(app)
    sign_in(client, builder)
    html = _upload(client, site, EXAMPLE.read_bytes()).get_data(as_text=True)
    forged = f"{builder.id + 1}-{_kept(html).partition('-')[2]}"
    answer = client.post(
        f"/imports/sites/{site.id}",
        data={"csrf_token": _token(html), "kept": forged, "publish": "1"},
    )
    assert "Choose a CSV or XLSX file." in answer.get_data(as_text=True)
    assert fresh().scalar(sa.select(sa.func.count(SurveyImport.id))) == 0
