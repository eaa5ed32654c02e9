"""Issue 9 item 1 on the pages: e-mail confirmation before the first reservation, password reset
by an e-mailed single-use link, change of e-mail address; every e-mail read from the mail
folder (no MAIL_SERVER), as a person trying `make run` would."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from marketplace import clock
from marketplace.models import ApiToken, Listing, User
from marketplace.services import pickups
from tests import factories
from tests.conftest import NOON, make_app
from tests.factories import PASSWORD
from tests.helpers import bearer_header, english_client, fresh, sign_in, signed_in
from tests.mailbox import last_link, messages, path_of, run_worker, text

NEW_PASSWORD = "a brand new passphrase 2026"


def signup(client, email="maija@example.com", locale="en"):
    return client.post(
        "/signup",
        data={
            "display_name": "Maija",
            "email": email,
            "password": PASSWORD,
            "password_confirm": PASSWORD,
            "locale": locale,
        },
    )


def user_by(email) -> User:
    return fresh().scalar(sa.select(User).where(User.email == email))


@pytest.fixture
def listing(app):
    return factories.listing(factories.builder(email="seller@example.com"))


def reserve(client, listing):
    slot = pickups.free_slots(fresh().get(Listing, listing.id))[0].start.isoformat()
    return client.post(f"/listings/{listing.id}/reserve", data={"quantity": "1", "pickup_at": slot})


# --- confirmation -------------------------------------------------------------------------------


def test_a_new_resident_browses_but_reserves_only_after_confirming(app, listing):
    client = english_client(app)
    assert signup(client).status_code == 302
    run_worker()
    [mail] = messages("maija@example.com")
    assert mail["Subject"] == "Confirm your e-mail address" and "Hello Maija," in text(mail)
    link = last_link("maija@example.com", "/account/confirm/")
    assert link.startswith("http://localhost/account/confirm/")  # on PUBLIC_BASE_URL
    sign_in(client, "maija@example.com")
    assert client.get("/").status_code == 200
    page = client.get(f"/listings/{listing.id}")
    assert "Confirm your e-mail address to reserve material" in page.text
    assert client.post("/searches/", data={"name": "Tiles", "q": "tiili"}).status_code == 302
    refused = reserve(client, listing)
    assert refused.status_code == 403 and "Confirm your e-mail address first" in refused.text
    confirm_page = client.get(path_of(link))
    assert (
        confirm_page.status_code == 200 and confirm_page.headers["Referrer-Policy"] == "no-referrer"
    )
    assert user_by("maija@example.com").confirmed is False  # a GET (a mail scanner) does nothing
    assert client.post(path_of(link)).headers["Location"] == "/account"
    assert user_by("maija@example.com").confirmed is True
    assert reserve(client, listing).status_code == 302
    assert client.post(path_of(link)).status_code == 400  # spent


def test_confirmation_can_be_sent_again_and_expires(app):
    client = english_client(app)
    signup(client)
    sign_in(client, "maija@example.com")
    assert "Send the link again" in client.get("/account").text
    assert client.post("/account/confirm/resend").status_code == 302
    run_worker()
    assert len(messages("maija@example.com")) == 2
    link = last_link("maija@example.com", "/account/confirm/")
    clock.set(NOON + timedelta(days=8))
    assert client.get(path_of(link)).status_code == 400


def test_accounts_from_the_cli_and_existing_ones_are_confirmed(app):
    assert factories.resident().confirmed


def test_a_taken_address_gets_one_e_mail_saying_so_and_a_new_one_its_link(app):
    factories.resident(email="owner@example.com", display_name="Olli")
    signup(english_client(app), email="owner@example.com")
    signup(english_client(app), email="owner@example.com")  # at most one a day
    signup(english_client(app), email="newcomer@example.com")
    run_worker()
    [note] = messages("owner@example.com")
    assert note["Subject"] == "Someone tried to sign up with your address"
    assert "/password/forgot" in text(note) and "/account/confirm/" not in text(note)
    [welcome] = messages("newcomer@example.com")
    assert "/account/confirm/" in text(welcome)


# --- password reset -----------------------------------------------------------------------------


@pytest.fixture
def resident(app):
    return factories.resident(email="aino@example.com", display_name="Aino")


def ask_reset(app, email):
    client = english_client(app)
    response = client.post("/password/forgot", data={"email": email})
    return response, client.get(response.headers["Location"]).text


def test_forgot_password_answers_the_same_and_mails_only_an_account(app, resident):
    known, known_page = ask_reset(app, "aino@example.com")
    unknown, unknown_page = ask_reset(app, "nobody@example.com")
    assert (known.status_code, known.headers["Location"]) == (
        unknown.status_code,
        unknown.headers["Location"],
    )
    assert "If the address has an account, we have sent a link" in known_page
    assert known_page.count("we have sent a link") == unknown_page.count("we have sent a link") == 1
    run_worker()
    assert messages("nobody@example.com") == [] and len(messages()) == 1
    assert "Forgot your password?" in english_client(app).get("/login").text


def test_reset_sets_the_password_and_ends_every_session_and_token(app, resident):
    elsewhere = english_client(app)
    sign_in(elsewhere, resident)
    headers = bearer_header(resident)
    assert english_client(app).get("/api/v1/me", headers=headers).status_code == 200
    ask_reset(app, "aino@example.com")
    run_worker()
    link = last_link("aino@example.com", "/password/reset/")
    client = english_client(app)
    form = client.get(path_of(link))
    assert form.status_code == 200 and "Choose a new password" in form.text
    assert form.headers["Referrer-Policy"] == "no-referrer"
    done = client.post(
        path_of(link), data={"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD}
    )
    assert done.headers["Location"] == "/login"
    assert not signed_in(elsewhere)
    assert english_client(app).get("/api/v1/me", headers=headers).status_code == 401
    assert sign_in(english_client(app), resident).status_code == 401
    assert sign_in(english_client(app), resident, NEW_PASSWORD).status_code == 302
    reused = client.post(
        path_of(link), data={"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD}
    )
    assert reused.status_code == 400 and "This link does not work" in reused.text


def test_expired_and_tampered_reset_links_do_not_work(app, resident):
    ask_reset(app, "aino@example.com")
    run_worker()
    link = path_of(last_link("aino@example.com", "/password/reset/"))
    client = english_client(app)
    tampered = link[:-1] + ("A" if link[-1] != "A" else "B")
    assert client.get(tampered).status_code == 400
    assert (
        client.post(
            tampered, data={"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD}
        ).status_code
        == 400
    )
    clock.set(NOON + timedelta(minutes=59))
    assert client.get(link).status_code == 200
    clock.set(NOON + timedelta(minutes=61))
    assert (
        client.post(
            link, data={"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD}
        ).status_code
        == 400
    )
    assert sign_in(english_client(app), resident).status_code == 302  # unchanged


def test_a_weak_new_password_is_refused_and_the_link_still_works(app, resident):
    ask_reset(app, "aino@example.com")
    run_worker()
    link = path_of(last_link("aino@example.com", "/password/reset/"))
    client = english_client(app)
    weak = client.post(link, data={"password": "password123", "password_confirm": "password123"})
    assert weak.status_code == 422 and "at least 12 characters" in weak.text
    assert (
        client.post(
            link, data={"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD}
        ).status_code
        == 302
    )


def test_changing_the_password_revokes_the_api_tokens(app, resident):
    headers = bearer_header(resident)
    client = english_client(app)
    sign_in(client, resident)
    client.post(
        "/account/password",
        data={
            "current_password": PASSWORD,
            "new_password": NEW_PASSWORD,
            "new_password_confirm": NEW_PASSWORD,
        },
    )
    assert english_client(app).get("/api/v1/me", headers=headers).status_code == 401
    assert fresh().scalar(sa.select(sa.func.count()).where(ApiToken.revoked_at.is_(None))) == 0
    assert signed_in(client)  # this session continues


def test_reset_requests_are_throttled_per_address_and_per_ip(tmp_path):
    app = make_app(
        tmp_path,
        RATELIMIT_ENABLED=True,
        PASSWORD_RESET_LIMIT_PER_ADDRESS="2/hour",
        PASSWORD_RESET_LIMIT_PER_IP="4/hour",
    )
    with app.app_context():
        client = english_client(app)
        page = [
            client.post("/password/forgot", data={"email": "x@example.com"}).status_code
            for _ in range(3)
        ]
        assert page == [302, 302, 429]
        api = client.post("/api/v1/password-resets", json={"email": "X@example.com"})
        assert api.status_code == 429  # the page and the API share the counter
        other = english_client(app, REMOTE_ADDR="10.0.0.7")
        statuses = [
            other.post("/password/forgot", data={"email": f"n{i}@example.com"}).status_code
            for i in range(5)
        ]
        assert statuses == [302, 302, 302, 302, 429]  # 4 an hour from one IP, whatever the address
        assert other.get("/password/forgot").status_code == 200
        from marketplace.extensions import db

        db.session.remove()
        db.engine.dispose()


# --- change of e-mail address -------------------------------------------------------------------


def test_change_email_is_confirmed_at_the_new_address_and_the_old_one_is_told(app, resident):
    client = english_client(app)
    sign_in(client, resident)
    wrong = client.post(
        "/account/email", data={"email": "aino.new@example.com", "password": "not it at all"}
    )
    assert wrong.status_code == 422
    asked = client.post(
        "/account/email", data={"email": "Aino.New@example.com", "password": PASSWORD}
    )
    assert asked.status_code == 302
    run_worker()
    assert user_by("aino@example.com") is not None  # nothing changes before the link
    link = last_link("aino.new@example.com", "/account/email/confirm/")
    assert client.get(path_of(link)).status_code == 200
    assert client.post(path_of(link)).headers["Location"] == "/account"
    assert user_by("aino.new@example.com").id == resident.id and user_by("aino@example.com") is None
    run_worker()
    [told] = messages("aino@example.com")
    assert told["Subject"] == "Your e-mail address was changed" and "aino.new@example.com" in text(
        told
    )
    assert sign_in(english_client(app), "aino.new@example.com").status_code == 302
    assert client.post(path_of(link)).status_code == 400  # spent


def test_change_to_a_taken_address_sends_a_note_instead_of_a_link(app, resident):
    factories.resident(email="taken@example.com")
    client = english_client(app)
    sign_in(client, resident)
    assert (
        client.post(
            "/account/email", data={"email": "taken@example.com", "password": PASSWORD}
        ).status_code
        == 302
    )
    run_worker()
    [note] = messages("taken@example.com")
    assert "/account/email/confirm/" not in text(note) and "nothing was changed" in text(note)
    assert user_by("aino@example.com").id == resident.id
