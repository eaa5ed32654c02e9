"""Issue 15, "hosts": absolute URLs come from PUBLIC_BASE_URL, never from the request's Host
header, and production refuses to start without knowing its public address."""

import io

import pytest
from PIL import Image

from marketplace import create_app
from marketplace.config import Config, ConfigError
from marketplace.extensions import db
from marketplace.services import accounts, photos
from tests import factories
from tests.conftest import make_app

PUBLIC = "https://kierratys.example.fi"
FORGED = {"Host": "evil.example"}


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (320, 240), (156, 74, 47)).save(out, "JPEG")
    return out.getvalue()


@pytest.fixture
def site(tmp_path):
    """An app as production runs it (no SERVER_NAME, so the Host header is all Flask has) with a
    listing that has a photo, and a token of its builder."""
    app = make_app(tmp_path, SERVER_NAME=None, PUBLIC_BASE_URL=PUBLIC)
    with app.app_context():
        builder = factories.builder()
        listing = factories.listing(builder)
        photos.photo_add(user_id=builder.id, listing_id=listing.id, data=jpeg())
        app.listing_id = listing.id
        app.auth = {"Authorization": f"Bearer {accounts.token_create(user_id=builder.id)[1]}"}
        yield app
        db.session.remove()
        db.engine.dispose()


def test_a_forged_host_appears_in_no_absolute_url_the_api_returns(site):
    """F17 `GET /api/v1/listings/<id>` with `Host: evil.example` (photo URLs on evil.example
    before): every URL is on PUBLIC_BASE_URL."""
    client = site.test_client()
    for path in (
        f"/api/v1/listings/{site.listing_id}",
        "/api/v1/listings",
        "/api/v1/listings?q=tiili",
        "/api/v1/sites",
        "/api/v1/me",
        "/api/v1/openapi.json",
    ):
        response = client.get(path, headers={**FORGED, **site.auth})
        assert response.status_code == 200, path
        assert "evil.example" not in response.text, path
    photo = client.get(f"/api/v1/listings/{site.listing_id}", headers=FORGED).get_json()["photos"][
        0
    ]
    assert photo["url"].startswith(f"{PUBLIC}/media/") and photo["thumb_url"].startswith(
        f"{PUBLIC}/media/"
    )


def test_stripe_return_urls_and_email_links_are_on_the_public_address(site):
    """F18 Stripe's success and cancel URLs (built in a request with a forged Host) and e-mail links
    (built by the worker, outside any request)."""
    from flask import url_for

    from marketplace.urls import checkout_urls

    with site.test_request_context("/reservations/1/pay", headers=FORGED):
        success, cancel = checkout_urls()
        payouts = url_for("payments.payouts_return", _external=True)
        relative = url_for("listings.detail", listing_id=1)
    assert (
        success.startswith(f"{PUBLIC}/payments/return?session_id=")
        and cancel == f"{PUBLIC}/reservations"
    )
    assert payouts == f"{PUBLIC}/account/payouts/return" and relative == "/listings/1"
    assert (
        site.url_for("listings.detail", listing_id=7, _anchor="photos")
        == f"{PUBLIC}/listings/7#photos"
    )


def test_a_public_address_with_a_path_prefix_keeps_it(tmp_path):
    app = make_app(tmp_path, SERVER_NAME=None, PUBLIC_BASE_URL="https://example.fi/kera")
    with app.test_request_context("/", headers=FORGED):
        assert (
            app.url_for("media.photo", key="abc", _external=True)
            == "https://example.fi/kera/media/abc"
        )


# --- production settings -----------------------------------------------------------------------


def production(tmp_path, **extra) -> dict:
    env = {
        "APP_ENV": "production",
        "SECRET_KEY": "k" * 40,
        "INSTANCE_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite3'}",
        "SEARCH_DB_PATH": str(tmp_path / "s.sqlite3"),
    }
    env.update(extra)
    return env


@pytest.mark.parametrize(
    "unset", [{}, {"PUBLIC_BASE_URL": ""}, {"TRUSTED_HOSTS": "kera.example.fi"}]
)
def test_production_refuses_to_start_without_its_public_address(tmp_path, unset):
    """F19 production with neither TRUSTED_HOSTS nor PUBLIC_BASE_URL (started, and believed any
    Host, before): refused, with a message that says what to set."""
    with pytest.raises(ConfigError, match="PUBLIC_BASE_URL is not set"):
        create_app(Config(production(tmp_path, **unset)))


@pytest.mark.parametrize(
    "bad", ["kera.example.fi", "ftp://kera.example.fi", "https://", "https://x.fi/?a=1"]
)
def test_production_refuses_a_public_address_that_is_not_one(tmp_path, bad):
    with pytest.raises(ConfigError, match="PUBLIC_BASE_URL must look like"):
        Config(production(tmp_path, PUBLIC_BASE_URL=bad)).check()


def test_production_trusts_only_the_public_host_unless_told_otherwise(tmp_path):
    config = Config(production(tmp_path, PUBLIC_BASE_URL="https://kera.example.fi:8443/"))
    config.check()
    assert (
        config.TRUSTED_HOSTS == ["kera.example.fi"]
        and config.PUBLIC_BASE_URL == "https://kera.example.fi:8443"
    )
    explicit = Config(
        production(tmp_path, PUBLIC_BASE_URL=PUBLIC, TRUSTED_HOSTS="a.example, b.example")
    )
    assert explicit.TRUSTED_HOSTS == ["a.example", "b.example"]


def test_production_answers_a_forged_host_with_400(tmp_path):
    app = create_app(Config(production(tmp_path, PUBLIC_BASE_URL="https://localhost")))
    client = app.test_client()
    assert client.get("/login", base_url="https://localhost").status_code == 200
    assert client.get("/login", base_url="https://evil.example").status_code == 400


def test_development_keeps_its_defaults(tmp_path):
    config = Config({"APP_ENV": "development", "INSTANCE_DIR": str(tmp_path)})
    config.check()
    assert config.PUBLIC_BASE_URL == "http://127.0.0.1:5000" and config.TRUSTED_HOSTS is None
