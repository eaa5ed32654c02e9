"""Issue 9 item 2 on the pages: the privacy notice in three languages, "download my data" and
deleting the account with the password."""

import json

import pytest
import sqlalchemy as sa

from marketplace.models import User
from tests import factories
from tests.factories import PASSWORD
from tests.helpers import english_client, fresh, sign_in, signed_in


@pytest.mark.parametrize(
    "language, heading",
    [("fi", "Tietosuojaseloste"), ("sv", "Dataskyddsbeskrivning"), ("en", "Privacy notice")],
)
def test_the_privacy_notice_says_what_why_and_how_long_in_each_language(app, language, heading):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
    page = client.get("/privacy")
    assert page.status_code == 200 and f"<h1>{heading}</h1>" in page.text
    for figure in ("30", "14", "6", "argon2id", "tietosuoja.fi"):
        assert figure in page.text


def test_the_notice_is_linked_from_the_footer_and_sign_up(app):
    client = english_client(app)
    assert 'href="/privacy"' in client.get("/").text
    assert client.get("/signup").text.count('href="/privacy"') == 2  # the form and the footer


def test_download_my_data_is_a_json_file_of_my_own_data(app):
    me = factories.resident(email="me@example.com")
    factories.resident(email="someone@example.com")
    client = english_client(app)
    sign_in(client, me)
    assert "Download my data" in client.get("/account").text
    response = client.get("/account/export")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.data)
    assert (
        data["account"]["email"] == "me@example.com" and "someone@example.com" not in response.text
    )


def test_deleting_asks_the_password_then_signs_out_for_good(app):
    me = factories.resident(email="me@example.com")
    client = english_client(app)
    sign_in(client, me)
    assert "cannot be undone" in client.get("/account/delete").text
    assert client.post("/account/delete", data={"password": "wrong wrong wrong"}).status_code == 422
    assert fresh().get(User, me.id).active
    assert client.post("/account/delete", data={"password": PASSWORD}).headers["Location"] == "/"
    assert not signed_in(client)
    assert sign_in(english_client(app), "me@example.com").status_code == 401
    assert fresh().scalar(sa.select(User).where(User.email == "me@example.com")) is None


def test_the_last_builder_with_open_listings_is_told_what_to_do_first(app):
    builder = factories.builder()
    factories.listing(builder)
    client = english_client(app)
    sign_in(client, builder)
    refused = client.post("/account/delete", data={"password": PASSWORD})
    assert refused.status_code == 409 and "Withdraw them first" in refused.text
    assert signed_in(client)
