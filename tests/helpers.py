"""Helpers the test modules share: clients, a fresh session, the outbox worker, API tokens,
signing in, CSRF tokens, a photo, and the API's error body and listing body. Fixtures live in
conftest.py (and tests/api/conftest.py), model factories in factories.py."""

import io
import re
import threading

from flask import current_app
from PIL import Image

from marketplace import outbox
from marketplace.extensions import db
from marketplace.services import accounts

from .factories import PASSWORD

ERROR_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "invalid_transition",
    415: "unsupported_media_type",
    422: "validation_failed",
}


def english_client(app, **environ):
    """A test client whose requests ask for English (plus any other WSGI `environ` values)."""
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.environ_base.update(environ)
    return client


def fresh():
    """The test's DB session with a new snapshot that sees what requests and commands committed."""
    db.session.rollback()
    return db.session


def deliver(timeout=10):
    """What `flask worker` does beside the site: deliver the outbox, so the search index learns of
    the changes. Runs on a thread of its own (as a separate process would) and fails, instead of
    hanging the suite, if delivery does not finish."""
    app, errors = current_app._get_current_object(), []

    def work():
        try:
            with app.app_context():
                outbox.run_once()
        except BaseException as exc:  # noqa: BLE001 - re-raised in the test below
            errors.append(exc)

    worker = threading.Thread(target=work, daemon=True)
    worker.start()
    worker.join(timeout)
    assert not worker.is_alive(), f"outbox delivery did not finish within {timeout} s (it hangs)"
    if errors:
        raise errors[0]


def jpeg(size=(640, 480), colour=(156, 74, 47)) -> bytes:
    """A plain JPEG photo of `size` pixels in one `colour`."""
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "JPEG")
    return out.getvalue()


def bearer_header(user, language: str | None = None) -> dict:
    """The Authorization header of a new API token of `user` (and Accept-Language when given:
    without it the API answers in Finnish)."""
    headers = {"Authorization": f"Bearer {accounts.token_create(user_id=user.id)[1]}"}
    if language:
        headers["Accept-Language"] = language
    return headers


def sign_in(client, user, password=PASSWORD, *, csrf=False, **query):
    """Post the sign-in form as `user` (a User or an e-mail address); `query`: its query string;
    `csrf`: with the form's CSRF token, for an app that checks it."""
    email = user if isinstance(user, str) else user.email
    data = {"email": email, "password": password}
    if csrf:
        data["csrf_token"] = csrf_token(client)
    return client.post("/login", query_string=query, data=data)


def signed_in(client) -> bool:
    """Whether the client's session is signed in (the account page answers, no redirect)."""
    response = client.get("/account")
    assert response.status_code in (200, 302)
    return response.status_code == 200


def csrf_token(client, path="/login") -> str:
    """The CSRF token of the page at `path` (its meta tag)."""
    return re.search(r'<meta name="csrf-token" content="([^"]+)">', client.get(path).text).group(1)


def assert_error(response, status, code=None, fields=()):
    """The contract's error body: {"error": {"code", "message", "fields"?}} and nothing else."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.is_json
    body = response.get_json()
    assert set(body) == {"error"}
    error = body["error"]
    assert isinstance(error["code"], str) and error["code"]
    assert isinstance(error["message"], str) and error["message"].strip()
    if code is not None:
        assert error["code"] == code
    if "fields" in error:
        assert isinstance(error["fields"], dict)
        assert all(isinstance(k, str) and isinstance(v, str) for k, v in error["fields"].items())
    for field in fields:
        assert field in error.get("fields", {}), error
    return error


def listing_body(site, **overrides):
    """A valid API body for a new listing at `site`."""
    body = {
        "title": "Kuusilauta 22x100",
        "description": "Kuivaa",
        "category": "timber",
        "quantity": "2.5",
        "unit": "m3",
        "kg_per_unit": 450,
        "condition": "like_new",
        "site_id": site.id,
        "price_cents": 0,
    }
    body.update(overrides)
    return body
