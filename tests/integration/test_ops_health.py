"""/healthz and /readyz: what is fatal (database, search: 503), what is degraded (no recent worker
heartbeat, an old outbox backlog: still 200), the body's shape, and that it leaks no secrets."""

import json
import shutil
import socket
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
import sqlalchemy as sa

from marketplace import clock, outbox
from marketplace.extensions import db, limiter
from marketplace.models import OutboxMessage, OutboxStatus
from marketplace.ops.heartbeat import WorkerHeartbeat

from ..conftest import make_app

CHECKS = {"database", "search", "worker", "outbox"}


def ready(client):
    response = client.get("/readyz")
    body = response.get_json()
    assert set(body) == {"status", "checks"} and set(body["checks"]) == CHECKS, body
    return response.status_code, body


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class FakeMeiliHealth:
    """Answers GET /health like Meilisearch (status given), at most `limit` requests."""

    def __init__(self, status: int = 200, body: dict | None = None, limit: int = 5):
        answer = json.dumps(body if body is not None else {"status": "available"}).encode()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(status if self.path == "/health" else 404)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.server.timeout = 5
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(
            target=lambda: [self.server.handle_request() for _ in range(limit)], daemon=True
        )
        self.thread.start()

    def close(self):
        self.server.server_close()


def test_healthz_answers_without_touching_the_database(app, client):
    statements = []
    sa.event.listen(db.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}
    assert statements == []
    assert response.headers["Cache-Control"] == "no-store"


def test_ready_when_the_embedded_index_answers_and_a_worker_just_beat(app, client):
    outbox.run_once("host-a:1")  # a worker pass writes the heartbeat
    status, body = ready(client)
    assert status == 200 and body["status"] == "ok", body
    checks = body["checks"]
    assert checks["database"]["state"] == "ok" and checks["database"]["fatal"] is True
    assert checks["search"] == {
        **checks["search"],
        "state": "ok",
        "backend": "embedded",
        "documents": 0,
    }
    assert checks["worker"] == {
        **checks["worker"],
        "state": "ok",
        "workers": 1,
        "last_seen_age_s": 0.0,
        "max_age_s": 120,
        "fatal": False,
    }
    assert checks["outbox"] == {
        **checks["outbox"],
        "state": "ok",
        "pending": 0,
        "due": 0,
        "dead": 0,
        "oldest_due_age_s": 0.0,
        "max_age_s": 300,
        "fatal": False,
    }
    assert all(isinstance(check["latency_ms"], float) for check in checks.values())


def test_no_heartbeat_at_all_is_degraded_but_ready(app, client):
    status, body = ready(client)
    assert status == 200 and body["status"] == "degraded"
    assert body["checks"]["worker"] == {
        **body["checks"]["worker"],
        "state": "degraded",
        "workers": 0,
        "last_seen_age_s": None,
    }


def test_a_stopped_worker_is_degraded_once_its_heartbeat_is_older_than_the_window(
    app, client, frozen_clock
):
    outbox.run_once("host-a:1")
    frozen_clock.set(clock.now() + timedelta(seconds=120))
    status, body = ready(client)
    assert (status, body["checks"]["worker"]["state"]) == (200, "ok")  # exactly at the limit
    frozen_clock.set(clock.now() + timedelta(seconds=61))
    status, body = ready(client)
    assert status == 200 and body["status"] == "degraded"
    assert body["checks"]["worker"]["state"] == "degraded"
    assert (
        body["checks"]["worker"]["workers"] == 0
        and body["checks"]["worker"]["last_seen_age_s"] == 181.0
    )
    outbox.run_once("host-a:1")  # the worker comes back
    assert ready(client)[1]["status"] == "ok"


def test_heartbeat_writes_are_throttled_and_old_workers_forgotten(app):
    outbox.run_once("host-a:1")
    db.session.add(
        WorkerHeartbeat(
            worker_id="gone:9",
            started_at=clock.now() - timedelta(days=9),
            seen_at=clock.now() - timedelta(days=8),
        )
    )
    db.session.commit()
    clock.set(clock.now() + timedelta(seconds=3))
    outbox.run_once("host-a:1")  # within 5 s of the last beat: not written
    rows = {r.worker_id: r.seen_at for r in db.session.scalars(sa.select(WorkerHeartbeat))}
    assert rows["host-a:1"] == clock.now() - timedelta(seconds=3) and "gone:9" in rows
    db.session.rollback()
    clock.set(clock.now() + timedelta(seconds=3))
    outbox.run_once("host-a:1")
    rows = {r.worker_id: r.seen_at for r in db.session.scalars(sa.select(WorkerHeartbeat))}
    assert rows == {"host-a:1": clock.now()}


def test_an_old_outbox_backlog_is_degraded_and_dead_letters_are_counted(app, client):
    outbox.run_once("host-a:1")
    now = clock.now()
    db.session.add_all(
        [
            OutboxMessage(
                topic="listing.changed",
                handler="h",
                payload={},
                available_at=now - timedelta(seconds=301),
            ),
            OutboxMessage(
                topic="listing.changed",
                handler="h",
                payload={},
                available_at=now - timedelta(seconds=10),
            ),
            OutboxMessage(
                topic="reservation.reminded",
                handler="h",
                payload={},
                available_at=now + timedelta(hours=2),
            ),
            OutboxMessage(
                topic="listing.changed", handler="h", payload={}, status=OutboxStatus.DEAD
            ),
        ]
    )
    db.session.commit()
    status, body = ready(client)
    assert status == 200 and body["status"] == "degraded"
    assert body["checks"]["outbox"] == {
        **body["checks"]["outbox"],
        "state": "degraded",
        "pending": 3,
        "due": 2,
        "oldest_due_age_s": 301.0,
        "dead": 1,
    }


def test_a_closed_meilisearch_port_fails_search_and_readiness(tmp_path):
    port = closed_port()
    app = make_app(
        tmp_path,
        MEILI_URL=f"http://kera:s3cr3t-pass@127.0.0.1:{port}",
        MEILI_API_KEY="meili-master-key-s3cr3t",
    )
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "failing"
    assert body["checks"]["search"] == {
        **body["checks"]["search"],
        "state": "failing",
        "backend": "meilisearch",
        "error": "unreachable",
        "fatal": True,
    }
    assert body["checks"]["database"]["state"] == "ok"
    text = response.get_data(as_text=True)
    for secret in ("s3cr3t", str(port), "127.0.0.1", "http"):
        assert secret not in text


def test_a_healthy_meilisearch_is_ready_and_an_unavailable_one_is_not(tmp_path, app):
    healthy = FakeMeiliHealth()
    try:
        fresh = make_app(tmp_path / "healthy", MEILI_URL=healthy.url)
        with fresh.app_context():
            outbox.run_once("host-a:1")
        status, body = ready(fresh.test_client())
        assert status == 200 and body["checks"]["search"]["state"] == "ok", body
        assert body["checks"]["search"]["backend"] == "meilisearch"
    finally:
        healthy.close()
    sick = FakeMeiliHealth(status=503, body={"status": "unavailable"})
    try:
        status, body = ready(make_app(tmp_path / "sick", MEILI_URL=sick.url).test_client())
        assert status == 503 and body["checks"]["search"]["error"] == "HTTP 503"
    finally:
        sick.close()


def test_a_database_that_cannot_be_opened_fails_readiness(tmp_path):
    folder = tmp_path / "db"
    app = make_app(tmp_path, f"sqlite:///{folder / 'gone.sqlite3'}")
    with app.app_context():
        db.engine.dispose()
    shutil.rmtree(folder)
    response = app.test_client().get("/readyz")
    body = response.get_json()
    assert response.status_code == 503 and body["status"] == "failing"
    assert body["checks"]["database"] == {
        **body["checks"]["database"],
        "state": "failing",
        "error": "OperationalError",
    }
    assert "gone.sqlite3" not in response.get_data(as_text=True)
    assert app.test_client().get("/healthz").status_code == 200  # the process itself is up


def test_probes_are_exempt_from_rate_limits(tmp_path):
    app = make_app(tmp_path, RATELIMIT_ENABLED=True, RATELIMIT_APPLICATION="3/minute")
    client = app.test_client()
    try:
        assert [client.get("/healthz").status_code for _ in range(5)] == [200] * 5
        assert [client.get("/readyz").status_code for _ in range(5)] == [200] * 5
        assert [client.get("/metrics").status_code for _ in range(5)] == [200] * 5
        statuses = [client.get("/accessibility").status_code for _ in range(5)]
    finally:
        # The limiter is one object for every app of the process, and it keeps application
        # limits once set: clear them, or every later test runs under 3 requests a minute.
        limiter.limit_manager.set_application_limits([])
    assert 429 in statuses, (
        "the application-wide limit did not apply at all: the test proves nothing"
    )


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_probes_need_no_csrf_token_or_session(tmp_path, path):
    app = make_app(tmp_path, WTF_CSRF_ENABLED=True)
    response = app.test_client().get(path)
    assert response.status_code == 200 and "Set-Cookie" not in response.headers
