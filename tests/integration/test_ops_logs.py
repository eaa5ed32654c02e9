"""Logs: every request has an id (a well-formed X-Request-ID, else a new one), returned in the
response, carried by every log line of the request (JSON or text), and the reference of the
500 page and of the API's 500 body."""

import json
import logging
import re

import pytest

from marketplace.config import ConfigError

from ..conftest import make_app

GENERATED = re.compile(r"[0-9a-f]{32}")


def failing_app(tmp_path, **overrides):
    """An app with two routes that fail unexpectedly (a page and an API path), after logging."""
    app = make_app(tmp_path, **overrides)

    def boom():
        logging.getLogger("marketplace.test").warning("about to fail")
        raise RuntimeError("kaboom")

    app.add_url_rule("/boom", "boom", boom)
    app.add_url_rule("/api/v1/boom", "api_boom", boom)
    return app


def json_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def test_a_well_formed_request_id_is_kept_and_returned(client):
    response = client.get("/healthz", headers={"X-Request-ID": "edge-7f3a9c21.01"})
    assert response.headers["X-Request-ID"] == "edge-7f3a9c21.01"


@pytest.mark.parametrize(
    "given",
    [
        "short",
        "has space 12345678",
        "tab\tinside12345",
        "path/like/12345678",
        "x" * 129,
        "ä" * 10,
        '"quoted-12345678"',
    ],
)
def test_a_malformed_request_id_is_replaced(client, given):
    response = client.get("/healthz", headers={"X-Request-ID": given})
    assert GENERATED.fullmatch(response.headers["X-Request-ID"])


def test_each_request_gets_its_own_id(client):
    ids = {client.get("/healthz").headers["X-Request-ID"] for _ in range(3)}
    assert len(ids) == 3 and all(GENERATED.fullmatch(i) for i in ids)


def test_an_untrusted_header_is_ignored(tmp_path):
    app = make_app(tmp_path, TRUST_REQUEST_ID=False)
    response = app.test_client().get("/healthz", headers={"X-Request-ID": "edge-7f3a9c21.01"})
    assert GENERATED.fullmatch(response.headers["X-Request-ID"])


def test_json_log_lines_carry_the_request_id(tmp_path, capsys):
    app = failing_app(tmp_path, LOG_FORMAT="json")
    capsys.readouterr()
    response = app.test_client().get("/boom", headers={"X-Request-ID": "req-0123456789abcdef"})
    assert response.status_code == 500
    lines = json_lines(capsys.readouterr().err)
    ours = [line for line in lines if line["request_id"] == "req-0123456789abcdef"]
    by_logger = {line["logger"]: line for line in ours}
    assert by_logger["marketplace.test"]["message"] == "about to fail"
    assert by_logger["marketplace.test"]["level"] == "WARNING"
    error = by_logger["marketplace.errorhandlers"]
    assert (
        "req-0123456789abcdef" in error["message"] and "RuntimeError: kaboom" in error["exception"]
    )
    access = by_logger["marketplace.access"]
    assert (access["method"], access["route"], access["status"]) == ("GET", "/boom", 500)
    assert set(access) >= {
        "time",
        "level",
        "logger",
        "message",
        "request_id",
        "duration_ms",
        "path",
    }
    assert len(ours) == 3, ours
    assert not [line for line in lines if line["request_id"] not in ("", "req-0123456789abcdef")]


def test_text_log_lines_carry_the_request_id(tmp_path, capsys):
    app = failing_app(tmp_path, LOG_FORMAT="text")
    capsys.readouterr()
    app.test_client().get("/boom", headers={"X-Request-ID": "req-0123456789abcdef"})
    err = capsys.readouterr().err
    assert re.search(r"WARNING marketplace\.test \[req-0123456789abcdef\] about to fail", err)
    assert "Traceback" in err and "RuntimeError: kaboom" in err
    assert not json_lines(err)


def test_the_500_page_shows_the_request_id_as_its_reference(tmp_path):
    app = failing_app(tmp_path)
    response = app.test_client().get("/boom", headers={"Accept-Language": "en"})
    request_id = response.headers["X-Request-ID"]
    assert response.status_code == 500 and response.mimetype == "text/html"
    assert f"reference {request_id}" in response.get_data(as_text=True)


def test_the_api_500_body_carries_the_request_id(tmp_path):
    app = failing_app(tmp_path)
    response = app.test_client().get(
        "/api/v1/boom", headers={"X-Request-ID": "req-0123456789abcdef"}
    )
    error = response.get_json()["error"]
    assert response.status_code == 500 and error["code"] == "internal_error"
    assert (
        error["request_id"] == "req-0123456789abcdef" and "req-0123456789abcdef" in error["message"]
    )
    assert "kaboom" not in response.get_data(as_text=True)


def test_log_format_defaults_and_checks(tmp_path):
    from marketplace.config import Config

    assert Config({"APP_ENV": "production"}).LOG_FORMAT == "json"
    assert Config({"APP_ENV": "development"}).LOG_FORMAT == "text"
    assert Config({"APP_ENV": "development", "LOG_FORMAT": "json"}).LOG_FORMAT == "json"
    with pytest.raises(ConfigError, match="LOG_FORMAT"):
        make_app(tmp_path, LOG_FORMAT="xml")
