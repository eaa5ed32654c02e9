"""/metrics: the named series after a few requests, reservations by outcome (pages, API and the
worker's expiry alike), who may read it, and the multiprocess mode for gunicorn."""

import os
import re
import subprocess
import sys
import textwrap
from datetime import timedelta

import pytest
from prometheus_client.parser import text_string_to_metric_families

from marketplace import clock, outbox
from marketplace.config import PROJECT_ROOT
from marketplace.extensions import db
from marketplace.models import OutboxMessage, Reservation
from marketplace.ops.metrics import REGISTRY
from marketplace.services import accounts, pickups


def scrape(client, **kwargs) -> dict[str, list]:
    """Family name -> its samples, parsed as Prometheus would."""
    response = client.get("/metrics", **kwargs)
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "text/plain" and "version=" in response.content_type
    families = text_string_to_metric_families(response.get_data(as_text=True))
    return {family.name: family.samples for family in families}


def outcomes(outcome: str, reason: str = "") -> float:
    return (
        REGISTRY.get_sample_value("kera_reservations_total", {"outcome": outcome, "reason": reason})
        or 0.0
    )


def bearer(user) -> dict:
    return {"Authorization": f"Bearer {accounts.token_create(user_id=user.id)[1]}"}


def test_named_series_after_a_few_requests(app, client, make):
    listing = make.listing(make.builder())
    db.session.add(
        OutboxMessage(
            topic="listing.changed",
            handler="h",
            payload={},
            available_at=clock.now() - timedelta(seconds=42),
        )
    )
    db.session.commit()
    client.get(f"/listings/{listing.id}")
    client.get("/listings/987654")
    client.get("/no/such/page/123")
    client.get("/api/v1/listings?q=tiili")
    series = scrape(client)

    requests = series["kera_http_request_duration_seconds"]
    counts = {
        (s.labels["route"], s.labels["method"], s.labels["status"]): s.value
        for s in requests
        if s.name.endswith("_count")
    }
    assert counts[("/listings/<int:listing_id>", "GET", "200")] >= 1
    assert counts[("/listings/<int:listing_id>", "GET", "404")] >= 1
    assert counts[("<unmatched>", "GET", "404")] >= 1
    # The registry is the process's: other tests' apps add their own routes, so check the
    # property itself: no label carries a raw path segment (an id or a typed address).
    raw = [r for r, _m, _s in counts if r != "<unmatched>" and re.search(r"/\d+(/|$)", r)]
    assert not raw and ("/no/such/page/123", "GET", "404") not in counts, (
        "raw paths (ids) in the route label"
    )

    searches = {
        s.labels["backend"]: s.value
        for s in series["kera_search_duration_seconds"]
        if s.name.endswith("_count")
    }
    assert searches.get("embedded", 0) >= 1
    assert series["kera_outbox_pending_messages"][0].value >= 1
    assert series["kera_outbox_due_messages"][0].value >= 1
    assert series["kera_outbox_oldest_due_age_seconds"][0].value == 42.0
    assert series["kera_outbox_dead_messages"][0].value == 0
    assert "kera_reservations" in series
    assert "kera_worker_heartbeat_age_seconds" not in series  # no worker has ever beaten
    outbox.run_once("host-a:1")
    assert scrape(client)["kera_worker_heartbeat_age_seconds"][0].value == 0.0


def test_reservations_are_counted_by_outcome(app, client, make):
    seller, taker = make.builder(), make.resident()
    listing = make.listing(seller, quantity="10")
    url = f"/api/v1/listings/{listing.id}/reservations"
    before = {o: outcomes(o) for o in ("created", "cancelled", "collected", "expired")}
    refused_before = outcomes("refused", "insufficient_quantity")

    def act(reservation, action, user):
        path = f"/api/v1/reservations/{reservation['id']}/{action}"
        assert client.post(path, json={}, headers=bearer(user)).status_code == 200

    first = client.post(url, json={"quantity": 2}, headers=bearer(taker)).get_json()
    assert client.post(url, json={"quantity": 99}, headers=bearer(taker)).status_code == 409
    act(first, "cancel", taker)
    second = client.post(url, json={"quantity": 1}, headers=bearer(taker)).get_json()
    act(second, "collect", seller)
    third = client.post(url, json={"quantity": 1}, headers=bearer(taker)).get_json()
    clock.set(db.session.get(Reservation, third["id"]).expires_at + timedelta(minutes=1))
    outbox.run_once("host-a:1")  # the worker's expiry chore

    assert outcomes("created") - before["created"] == 3
    assert outcomes("refused", "insufficient_quantity") - refused_before == 1
    assert outcomes("cancelled") - before["cancelled"] == 1
    assert outcomes("collected") - before["collected"] == 1
    assert outcomes("expired") - before["expired"] == 1
    samples = scrape(client)["kera_reservations"]
    assert {"outcome": "refused", "reason": "insufficient_quantity"} in [s.labels for s in samples]


def test_a_refused_page_reservation_is_counted_and_a_rolled_back_one_is_not(
    app, client, make, auth
):
    seller, taker = make.builder(), make.resident()
    listing = make.listing(seller, quantity="1")
    auth.login(taker)
    created, refused = outcomes("created"), outcomes("refused", "insufficient_quantity")
    slot = pickups.free_slots(listing)[0].start.isoformat()
    response = client.post(
        f"/listings/{listing.id}/reserve", data={"quantity": "5", "pickup_at": slot}
    )
    assert response.status_code == 422
    assert outcomes("refused", "insufficient_quantity") - refused == 1
    assert outcomes("created") == created  # its transaction rolled back: nothing created


@pytest.fixture
def remote_client(app):
    def get(path="/metrics", address="127.0.0.1", headers=None):
        return app.test_client().get(
            path, headers=headers or {}, environ_base={"REMOTE_ADDR": address}
        )

    return get


def test_without_a_token_only_direct_loopback_requests_may_read(remote_client):
    assert remote_client(address="127.0.0.1").status_code == 200
    assert remote_client(address="::1").status_code == 200
    assert remote_client(address="203.0.113.7").status_code == 403
    assert remote_client(address="10.0.0.5").status_code == 403
    relayed = remote_client(address="127.0.0.1", headers={"X-Forwarded-For": "203.0.113.7"})
    assert relayed.status_code == 403  # a local proxy relaying an outside client


def test_with_a_token_only_its_bearer_may_read(app, remote_client):
    app.config["METRICS_TOKEN"] = "scrape-token-0123456789"
    assert remote_client(address="127.0.0.1").status_code == 401
    assert remote_client(headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert (
        remote_client(headers={"Authorization": "Basic scrape-token-0123456789"}).status_code == 401
    )
    good = {"Authorization": "Bearer scrape-token-0123456789"}
    assert remote_client(address="203.0.113.7", headers=good).status_code == 200
    assert b"scrape-token" not in remote_client(headers=good).data


MULTIPROCESS_SCRIPT = textwrap.dedent("""
    import sys
    from pathlib import Path
    from tests.conftest import make_app
    app = make_app(Path(sys.argv[1]), PROMETHEUS_MULTIPROC_DIR=sys.argv[2])
    client = app.test_client()
    for _ in range(int(sys.argv[3])):
        assert client.get("/healthz").status_code == 200
    if sys.argv[4] == "scrape":
        sys.stdout.write(client.get("/metrics").get_data(as_text=True))
""")


def test_multiprocess_mode_adds_up_every_process(tmp_path):
    """With PROMETHEUS_MULTIPROC_DIR (several gunicorn workers) one scrape sums every process."""
    directory = tmp_path / "prometheus"
    directory.mkdir()
    env = {
        **os.environ,
        "PROMETHEUS_MULTIPROC_DIR": str(directory),
        "PYTHONPATH": str(PROJECT_ROOT),
    }

    def run(name, requests, action):
        return subprocess.run(
            [
                sys.executable,
                "-c",
                MULTIPROCESS_SCRIPT,
                str(tmp_path / name),
                str(directory),
                str(requests),
                action,
            ],
            env=env,
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        ).stdout

    run("first", 3, "quiet")
    text = run("second", 2, "scrape")
    counts = [
        s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.name == "kera_http_request_duration_seconds_count" and s.labels["route"] == "/healthz"
    ]
    assert counts == [5.0]
    assert "kera_outbox_pending_messages" in text  # the database gauges are still there
