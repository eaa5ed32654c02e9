"""The generic guard of errorhandlers.py: an error raised while the request object reads what the
client sent is a 400 (logged as a warning), the same error raised by our own code stays a 500."""

import logging
import math

import pytest

from marketplace import client_input

DEEP = "[" * 1000 + "]" * 1000


@pytest.fixture
def unguarded(app, monkeypatch):
    """The app with the nesting limit lifted: a deep body now reaches the JSON parser itself."""
    monkeypatch.setattr(client_input, "MAX_JSON_NESTING", 10**6)
    return app


def test_a_parser_recursion_error_while_reading_the_body_is_a_400(unguarded, caplog):
    """F13 `POST /api/v1/tokens` with 1,000 levels and no nesting limit: the parser's RecursionError
    comes from inside request.get_json, so it is the client's input, not our bug."""
    with caplog.at_level(logging.WARNING, logger="marketplace.errorhandlers"):
        response = unguarded.test_client().post(
            "/api/v1/tokens", data=DEEP, content_type="application/json"
        )
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bad_request"
    warning = next(r for r in caplog.records if "unreadable client input" in r.getMessage())
    assert warning.levelno == logging.WARNING and warning.exc_info[0] is RecursionError


def test_the_same_on_a_page_is_a_400_page(unguarded):
    """F13 on a page: `POST /login` with a deep JSON body (Flask-WTF reads it as form data)."""
    response = unguarded.test_client().post("/login", data=DEEP, content_type="application/json")
    assert response.status_code == 400 and response.mimetype == "text/html"


def _recurse(n):
    return _recurse(n + 1) + 1


@pytest.mark.parametrize(
    "bug",
    [
        lambda: _recurse(0),  # our own runaway recursion
        lambda: math.exp(1000),  # our own arithmetic overflow
        lambda: b"\xff".decode("utf-8"),  # our own decoding of something
        lambda: int("not a number"),  # our own ValueError
    ],
)
def test_the_same_errors_raised_by_our_own_code_stay_500s(app, bug, caplog):
    """Not hidden: these are bugs, answered 500 with a reference and logged as errors."""

    def view():
        bug()

    app.add_url_rule("/api/v1/broken", "broken", view)
    with caplog.at_level(logging.ERROR, logger="marketplace.errorhandlers"):
        response = app.test_client().get("/api/v1/broken")
    assert response.status_code == 500
    assert response.get_json()["error"]["code"] == "internal_error"
    assert any(r.levelno == logging.ERROR for r in caplog.records)


def test_a_bug_after_the_body_was_read_is_still_a_500(app):
    """Reading went fine; what the view then does with the value is ours to get right."""
    from flask import request

    def view():
        data = request.get_json()
        return {"n": math.exp(data["n"])}

    app.add_url_rule("/api/v1/exp", "exp", view, methods=["POST"])
    client = app.test_client()
    assert client.post("/api/v1/exp", json={"n": 1}).status_code == 200
    assert client.post("/api/v1/exp", json={"n": 1000}).status_code == 500
