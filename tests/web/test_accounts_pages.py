"""Account pages: sign-up, sign-in and out, profile, password, sessions, API tokens, redirects and
the sign-in rate limit."""

import hashlib
import re

import pytest
import sqlalchemy as sa

from marketplace.models import ApiToken, Organization, User
from marketplace.services import accounts
from tests import factories
from tests.conftest import running_app
from tests.factories import PASSWORD
from tests.helpers import english_client, fresh, sign_in, signed_in

NEW_PASSWORD = "a completely new passphrase"


@pytest.fixture
def client(app):
    return english_client(app)


@pytest.fixture
def user(app):
    """A resident who reads the site in English."""
    user = factories.resident(email="maija@example.com")
    return accounts.user_update_profile(user_id=user.id, display_name="Maija", locale="en")


def signup_form(**overrides):
    form = {
        "display_name": "Maija Example",
        "email": "maija.example@example.com",
        "password": PASSWORD,
        "password_confirm": PASSWORD,
        "locale": "en",
    }
    form.update(overrides)
    return form


# --- sign-up -----------------------------------------------------------------------------------


def test_signup_creates_a_resident_and_sends_on_to_sign_in(client):
    response = client.post("/signup", data=signup_form())
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    user = fresh().scalar(sa.select(User).where(User.email == "maija.example@example.com"))
    assert user.role == "resident" and user.locale == "en"
    assert not signed_in(
        client
    )  # the answer must not differ from a taken address's (hardening tests)
    client.post("/login", data={"email": "maija.example@example.com", "password": PASSWORD})
    page = client.get("/account")
    assert page.status_code == 200 and "maija.example@example.com" in page.text


def test_builder_signup_creates_the_organisation(client):
    bid = factories.business_id(4242)
    response = client.post(
        "/signup",
        data=signup_form(is_builder="y", organization_name="Kera Rakennus Oy", business_id=bid),
    )
    assert response.status_code == 302
    organization = fresh().scalar(sa.select(Organization).where(Organization.business_id == bid))
    assert organization.name == "Kera Rakennus Oy"
    client.post("/login", data={"email": "maija.example@example.com", "password": PASSWORD})
    assert "Kera Rakennus Oy" in client.get("/account").text


def test_signup_with_a_short_password_shows_the_error_and_keeps_the_other_fields(client):
    response = client.post("/signup", data=signup_form(password="short", password_confirm="short"))
    assert response.status_code == 422
    assert 'id="password-error"' in response.text
    assert re.search(r'<input[^>]*aria-describedby="[^"]*password-error', response.text)
    assert "Use at least 12 characters." in response.text
    assert 'value="Maija Example"' in response.text
    assert 'value="maija.example@example.com"' in response.text
    assert 'value="short"' not in response.text  # passwords are never echoed back
    assert fresh().scalar(sa.select(sa.func.count()).select_from(User)) == 0


# --- sign-in and out ---------------------------------------------------------------------------


def test_login_with_the_right_password_signs_in(client, user):
    response = sign_in(client, "maija@example.com")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert signed_in(client)


def test_login_with_a_wrong_password_is_401_with_a_message(client, user):
    response = sign_in(client, "maija@example.com", "not the password")
    assert response.status_code == 401
    assert "Wrong e-mail or password." in response.text
    assert not signed_in(client)


def test_login_with_an_unknown_email_gives_the_same_message(client, user):
    response = sign_in(client, "nobody@example.com")
    assert response.status_code == 401
    assert "Wrong e-mail or password." in response.text


def test_logout_by_get_is_not_allowed(client, user):
    sign_in(client, "maija@example.com")
    assert client.get("/logout").status_code == 405
    assert signed_in(client)


def test_logout_by_post_signs_out(client, user):
    sign_in(client, "maija@example.com")
    response = client.post("/logout")
    assert response.status_code == 302
    assert not signed_in(client)


# --- profile -----------------------------------------------------------------------------------


def test_profile_save_changes_name_and_language(client, user):
    sign_in(client, "maija@example.com")
    response = client.post("/account", data={"display_name": "Maija Meikäläinen", "locale": "sv"})
    assert response.status_code == 302
    stored = fresh().get(User, user.id)
    assert (stored.display_name, stored.locale) == ("Maija Meikäläinen", "sv")
    page = client.get("/account")
    assert "Maija Meikäläinen" in page.text and '<html lang="sv">' in page.text


def test_profile_without_a_name_is_rejected(client, user):
    sign_in(client, "maija@example.com")
    response = client.post("/account", data={"display_name": "", "locale": "en"})
    assert response.status_code == 422
    assert fresh().get(User, user.id).display_name == "Maija"


# --- password and sessions ---------------------------------------------------------------------


@pytest.fixture
def other(app, client, user):
    """A second browser: the user is signed in on it and on `client`."""
    other = english_client(app)
    sign_in(client, "maija@example.com")
    sign_in(other, "maija@example.com")
    return other


def _change_password(client, *, current):
    """Post the password form, from `current` to NEW_PASSWORD."""
    return client.post(
        "/account/password",
        data={
            "current_password": current,
            "new_password": NEW_PASSWORD,
            "new_password_confirm": NEW_PASSWORD,
        },
    )


def test_password_change_signs_out_other_sessions_and_keeps_this_one(client, other):
    response = _change_password(client, current=PASSWORD)
    assert response.status_code == 302
    assert signed_in(client)
    assert not signed_in(other)
    assert sign_in(other, "maija@example.com", NEW_PASSWORD).status_code == 302


def test_password_change_with_a_wrong_current_password_changes_nothing(client, other):
    response = _change_password(client, current="wrong wrong wrong")
    assert response.status_code == 422
    assert "The current password is not correct." in response.text
    assert signed_in(other)
    assert accounts.user_authenticate(email="maija@example.com", password=PASSWORD) is not None


def test_logout_everywhere_signs_out_every_session(client, other):
    response = client.post("/account/logout-everywhere")
    assert response.status_code == 302
    assert not signed_in(other)
    assert not signed_in(client)


# --- API tokens --------------------------------------------------------------------------------


def test_token_page_shows_the_new_token_once_and_stores_only_its_hash(client, user):
    sign_in(client, "maija@example.com")
    response = client.post("/account/tokens", data={"name": "site laptop"})
    assert response.status_code == 200
    raw = re.search(r'<code class="token">(kme_[A-Za-z0-9_-]+)</code>', response.text).group(1)
    row = fresh().execute(sa.select(ApiToken.__table__).where(ApiToken.user_id == user.id)).one()
    assert row.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert all(raw not in str(value) for value in row)
    again = client.get("/account/tokens")
    assert raw not in again.text and "site laptop" in again.text


def test_token_page_needs_sign_in(client):
    response = client.post("/account/tokens", data={"name": "x"})
    assert response.status_code == 302
    assert fresh().scalar(sa.select(sa.func.count()).select_from(ApiToken)) == 0


# --- redirects after sign-in -------------------------------------------------------------------


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example",
        "//evil.example",
        "/\\evil.example",
        "javascript:alert(1)",
        "http:evil.example",
        "\\\\evil.example",
        "/\t/evil.example",
        " //evil.example",
    ],
)
def test_login_never_redirects_off_site(client, user, target):
    response = sign_in(client, "maija@example.com", next=target)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_login_follows_a_local_next(client, user):
    response = sign_in(client, "maija@example.com", next="/listings/mine")
    assert response.headers["Location"] == "/listings/mine"


def test_a_page_that_needs_sign_in_comes_back_after_login(client, user):
    bounce = client.get("/account/tokens")
    assert bounce.status_code == 302
    response = client.post(
        bounce.headers["Location"], data={"email": "maija@example.com", "password": PASSWORD}
    )
    assert response.headers["Location"] == "/account/tokens"


# --- rate limit --------------------------------------------------------------------------------


@pytest.fixture
def limited_app(tmp_path):
    with running_app(tmp_path, RATELIMIT_ENABLED=True) as app:
        factories.resident(email="target@example.com")
        factories.resident(email="bystander@example.com")
        yield app


def test_sixth_failed_login_for_one_account_is_rate_limited(limited_app):
    client = english_client(limited_app)
    for _ in range(5):
        assert sign_in(client, "target@example.com", "guess guess guess").status_code == 401
    response = sign_in(client, "target@example.com", "guess guess guess")
    assert response.status_code == 429
    assert "Too many attempts" in response.text


def test_rate_limit_on_one_account_does_not_block_another(limited_app):
    client = english_client(limited_app)
    for _ in range(6):
        sign_in(client, "target@example.com", "guess guess guess")
    assert sign_in(client, "bystander@example.com", "guess guess guess").status_code == 401
    assert sign_in(client, "bystander@example.com").status_code == 302
