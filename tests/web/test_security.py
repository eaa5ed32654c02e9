"""Security of the pages: CSRF, response headers, production settings, session replay, stray files
and what an unexpected error shows."""

import re

import pytest
import sqlalchemy as sa

from marketplace import create_app
from marketplace.config import DEV_SECRET_KEY, Config, ConfigError
from marketplace.models import Listing, Site, User
from marketplace.services import accounts, photos
from tests import factories
from tests.conftest import running_app
from tests.factories import PASSWORD
from tests.helpers import csrf_token, english_client, fresh, jpeg, sign_in, signed_in

# --- CSRF --------------------------------------------------------------------------------------


@pytest.fixture
def csrf_app(tmp_path):
    with running_app(tmp_path, WTF_CSRF_ENABLED=True) as app:
        builder = factories.builder(email="builder@example.com")
        accounts.user_update_profile(user_id=builder.id, display_name="Bob", locale="en")
        factories.site(builder)
        yield app


def test_login_with_the_csrf_token_works(csrf_app):
    client = english_client(csrf_app)
    response = sign_in(client, "builder@example.com", csrf=True)
    assert response.status_code == 302
    assert signed_in(client)


def test_login_without_the_csrf_token_is_refused(csrf_app):
    client = english_client(csrf_app)
    client.get("/login")
    response = client.post("/login", data={"email": "builder@example.com", "password": PASSWORD})
    assert response.status_code == 400
    assert not signed_in(client)


def test_signup_without_the_csrf_token_creates_nobody(csrf_app):
    client = english_client(csrf_app)
    client.get("/signup")
    response = client.post(
        "/signup",
        data={
            "display_name": "Eve",
            "email": "eve@example.com",
            "password": PASSWORD,
            "password_confirm": PASSWORD,
            "locale": "en",
        },
    )
    assert response.status_code == 400
    assert fresh().scalar(sa.select(User).where(User.email == "eve@example.com")) is None


def test_new_listing_without_the_csrf_token_lists_nothing(csrf_app):
    client = english_client(csrf_app)
    sign_in(client, "builder@example.com", csrf=True)
    site_id = fresh().scalar(
        sa.select(Site.id)
        .join(User, User.organization_id == Site.organization_id)
        .where(User.email == "builder@example.com")
    )
    response = client.post(
        "/listings/new",
        data={
            "title": "Forged",
            "category": "brick",
            "quantity": "10",
            "unit": "pcs",
            "condition": "good",
            "site_id": str(site_id),
            "hazard_free": "y",
        },
    )
    assert response.status_code == 400
    assert fresh().scalar(sa.select(sa.func.count()).select_from(Listing)) == 0


def test_language_switch_without_the_csrf_token_changes_nothing(csrf_app):
    client = english_client(csrf_app)
    client.get("/")
    response = client.post("/language", data={"locale": "sv", "next": "/"})
    assert response.status_code == 400
    assert '<html lang="en">' in client.get("/").text


def test_language_switch_with_the_csrf_token_changes_the_language(csrf_app):
    client = english_client(csrf_app)
    response = client.post(
        "/language", data={"locale": "sv", "next": "/", "csrf_token": csrf_token(client, "/")}
    )
    assert response.status_code == 302
    assert '<html lang="sv">' in client.get("/").text


# --- headers -----------------------------------------------------------------------------------


@pytest.fixture
def photo_key(app):
    builder = factories.builder()
    listing = factories.listing(builder)
    return photos.photo_add(
        user_id=builder.id, listing_id=listing.id, data=jpeg((320, 240), (10, 120, 90))
    ).file_key


@pytest.mark.parametrize("kind", ["page", "error page", "photo"])
def test_security_headers_are_on_every_kind_of_response(app, photo_key, kind):
    path = {"page": "/", "error page": "/no-such-page", "photo": f"/media/{photo_key}"}[kind]
    response = english_client(app).get(path)
    assert response.status_code == (404 if kind == "error page" else 200)
    csp = [d.strip() for d in response.headers["Content-Security-Policy"].split(";")]
    for directive in ("object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"):
        assert directive in csp, (kind, directive)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] in (
        "no-referrer",
        "strict-origin-when-cross-origin",
        "same-origin",
    )


def test_pages_allow_only_nonced_inline_scripts(app):
    response = english_client(app).get("/")
    script_src = next(
        d
        for d in response.headers["Content-Security-Policy"].split(";")
        if d.strip().startswith("script-src")
    )
    assert "'unsafe-inline'" not in script_src and "'nonce-" in script_src
    assert response.headers["Cache-Control"] == "no-store"


# --- production settings -----------------------------------------------------------------------


def production_env(tmp_path, **extra):
    env = {
        "APP_ENV": "production",
        "INSTANCE_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite3'}",
        "UPLOAD_DIR": str(tmp_path / "uploads"),
        "SEARCH_DB_PATH": str(tmp_path / "search.sqlite3"),
        "PUBLIC_BASE_URL": "https://localhost",
    }
    env.update(extra)
    return env


def test_production_refuses_the_default_secret_key(tmp_path):
    with pytest.raises(ConfigError):
        Config({"APP_ENV": "production"}).check()
    with pytest.raises(ConfigError):
        create_app(Config(production_env(tmp_path, SECRET_KEY=DEV_SECRET_KEY)))


def test_production_refuses_a_short_secret_key(tmp_path):
    with pytest.raises(ConfigError):
        create_app(Config(production_env(tmp_path, SECRET_KEY="too-short-a-key")))


def test_production_cookies_are_secure_host_only_http_only_and_lax(tmp_path):
    config = Config(production_env(tmp_path, SECRET_KEY="k" * 40))
    config.check()
    assert config.SESSION_COOKIE_SECURE is True
    assert config.SESSION_COOKIE_NAME == "__Host-session"
    assert config.SESSION_COOKIE_HTTPONLY is True
    assert config.SESSION_COOKIE_SAMESITE == "Lax"
    assert config.REMEMBER_COOKIE_SECURE is True and config.REMEMBER_COOKIE_HTTPONLY is True


def test_production_sets_the_session_cookie_with_its_safe_attributes(tmp_path):
    app = create_app(Config(production_env(tmp_path, SECRET_KEY="k" * 40)))
    response = app.test_client().get(
        "/login", base_url="https://localhost", headers={"Accept-Language": "en"}
    )
    assert response.status_code == 200
    cookie = next(
        c for c in response.headers.getlist("Set-Cookie") if c.startswith("__Host-session=")
    )
    attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")[1:]}
    assert {"secure", "httponly", "path"} <= attributes and "domain" not in attributes
    assert "SameSite=Lax" in cookie
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_development_settings_are_not_secure_only(tmp_path):
    config = Config(production_env(tmp_path, APP_ENV="development"))
    config.check()
    assert config.SESSION_COOKIE_SECURE is False and config.SESSION_COOKIE_NAME == "session"


# --- session replay ----------------------------------------------------------------------------


def test_old_session_cookie_is_worthless_after_logout_everywhere(app):
    user = factories.resident(email="r@example.com")
    accounts.user_update_profile(user_id=user.id, display_name="R", locale="en")
    victim = english_client(app)
    victim.post("/login", data={"email": "r@example.com", "password": PASSWORD})
    stolen = victim.get_cookie("session").value
    attacker = english_client(app)
    attacker.set_cookie("session", stolen)
    assert signed_in(attacker)  # the copy works while the session lives
    victim.post("/account/logout-everywhere")
    assert not signed_in(attacker)
    assert "Sign in" in attacker.get("/").text


# --- stray files and unexpected errors ---------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/.git/HEAD",
        "/.git/config",
        "/static/../.git/HEAD",
        "/static/%2e%2e/.git/HEAD",
        "/.env",
        "/instance/marketplace.sqlite3",
        "/static/../instance/marketplace.sqlite3",
        "/migrations/env.py",
        "/wsgi.py",
    ],
)
def test_files_outside_static_are_not_served(app, path):
    response = english_client(app).get(path)
    assert response.status_code == 404


def _get_a_view_that_raises(app, path):
    """Add a view at `path` that raises with a secret in its message, and GET it."""

    def explode():
        raise RuntimeError("database password is hunter2")

    app.add_url_rule(path, path.strip("/").replace("/", "_"), explode)
    return english_client(app).get(path)


def test_unexpected_error_shows_a_500_page_with_a_reference_and_no_traceback(app):
    response = _get_a_view_that_raises(app, "/explode")
    assert response.status_code == 500
    assert response.mimetype == "text/html"
    assert re.search(r"reference [0-9a-f]{8}", response.text)
    assert (
        "hunter2" not in response.text
        and "Traceback" not in response.text
        and "RuntimeError" not in response.text
    )


def test_unexpected_error_under_api_answers_the_json_error_body(app):
    response = _get_a_view_that_raises(app, "/api/v1/explode")
    assert response.status_code == 500
    assert response.is_json
    error = response.get_json()["error"]
    assert error["code"] == "internal_error" and re.search(
        r"reference [0-9a-f]{8}", error["message"]
    )
    assert "hunter2" not in response.text and "Traceback" not in response.text
