"""What every API answer shares: the contract's error body for unknown URLs and methods, no
cookies for bearer requests, and CSRF for requests signed in by session."""

import pytest
import sqlalchemy as sa

from marketplace.models import Site
from tests import factories
from tests.conftest import running_app
from tests.helpers import (
    ERROR_CODES,
    assert_error,
    csrf_token,
    english_client,
    fresh,
    listing_body,
    sign_in,
)

# --- the error body everywhere -----------------------------------------------------------------


@pytest.mark.parametrize(
    "method, path, status",
    [
        ("GET", "/api/v1/no-such-thing", 404),
        ("GET", "/api/v1/listings/abc", 404),
        ("POST", "/api/v1/no-such-thing", 404),
        ("PUT", "/api/v1/me", 405),
        ("DELETE", "/api/v1/sites", 405),
        ("GET", "/api/v1/sites/99999", 404),
        ("POST", "/api/v1/openapi.json", 405),
    ],
)
def test_unknown_urls_and_methods_answer_the_error_body(client, bearer, method, path, status):
    response = client.open(path, method=method, headers=bearer)
    assert_error(response, status, ERROR_CODES[status])


# --- cookies and CSRF --------------------------------------------------------------------------


def test_bearer_responses_set_no_cookie(client, site, bearer):
    responses = [
        client.get("/api/v1/me", headers=bearer),
        client.post("/api/v1/listings", headers=bearer, json=listing_body(site)),
        client.get("/api/v1/listings/99999", headers=bearer),
    ]
    assert [r.status_code for r in responses] == [200, 201, 404]
    assert all("Set-Cookie" not in r.headers for r in responses)


@pytest.fixture
def csrf_app(tmp_path):
    with running_app(tmp_path, WTF_CSRF_ENABLED=True) as app:
        factories.builder(email="builder@example.com")
        yield app


def _session_client(app):
    """A browser signed in through /login (with the form's CSRF token) and its page's CSRF token."""
    client = english_client(app)
    assert sign_in(client, "builder@example.com", csrf=True).status_code == 302
    return client, csrf_token(client, "/")


SITE = {"name": "Session yard", "address": "Kerantie 9", "lat": 60.21, "lng": 24.75}


def test_session_request_without_the_csrf_header_is_403(csrf_app):
    client, _token = _session_client(csrf_app)
    assert client.get("/api/v1/me").status_code == 200
    assert_error(client.post("/api/v1/sites", json=SITE), 403)
    assert fresh().scalar(sa.select(sa.func.count()).select_from(Site)) == 0


def test_session_request_with_the_csrf_header_is_allowed(csrf_app):
    client, token = _session_client(csrf_app)
    response = client.post("/api/v1/sites", json=SITE, headers={"X-CSRFToken": token})
    assert response.status_code == 201
