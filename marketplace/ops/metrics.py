"""Prometheus metrics (prometheus_client) and the /metrics endpoint.

Series: request latency by route/method/status, search latency by backend, reservations by
outcome (counted when their transaction commits), and gauges read from the database at scrape
time (outbox backlog, age of the oldest due message, dead letters, worker heartbeat age).
Who may read: with METRICS_TOKEN set, a request bearing it; without, direct loopback requests only.
With several gunicorn workers set PROMETHEUS_MULTIPROC_DIR (README "Operating").
"""

import functools
import hmac
import ipaddress
import logging
import time

from flask import Blueprint, Response, abort, current_app, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.process_collector import ProcessCollector

from ..extensions import db
from . import figures

log = logging.getLogger(__name__)
bp = Blueprint("metrics", __name__)

disable_created_metrics()  # no *_created series: they double the output and nobody graphs them
REGISTRY = CollectorRegistry(auto_describe=True)
ProcessCollector(registry=REGISTRY)
REQUEST_SECONDS = Histogram(
    "kera_http_request_duration_seconds",
    "Time to answer a request, by URL rule, method and status.",
    ["route", "method", "status"],
    registry=REGISTRY,
)
SEARCH_SECONDS = Histogram(
    "kera_search_duration_seconds",
    "Time of a listing search, by the backend that answered.",
    ["backend"],
    registry=REGISTRY,
)
RESERVATIONS = Counter(
    "kera_reservations",
    "Reservations by outcome (created, refused with reason, confirmed, "
    "collected, cancelled, no_show, expired).",
    ["outcome", "reason"],
    registry=REGISTRY,
)


def timed_search(fn):
    """Decorator for the search entry point: observe its duration under the answering backend."""

    @functools.wraps(fn)
    def timed(query):
        started = time.perf_counter()
        backend = "meilisearch" if current_app.config.get("MEILI_ENABLED") else "embedded"
        try:
            result = fn(query)
        except Exception:
            SEARCH_SECONDS.labels(backend).observe(time.perf_counter() - started)
            raise
        SEARCH_SECONDS.labels(result.backend or backend).observe(time.perf_counter() - started)
        return result

    return timed


class DatabaseCollector:
    """Gauges computed from the database when scraped (so every process reports the same)."""

    def collect(self):
        try:
            backlog = figures.outbox_backlog()
            worker = figures.worker_seen()
        except Exception as exc:  # noqa: BLE001 - a scrape must answer even with the database down
            db.session.rollback()
            log.warning("metrics: database figures unavailable (%s)", type(exc).__name__)
            return
        gauges = (
            (
                "kera_outbox_pending_messages",
                "Outbox messages not yet delivered (due or later).",
                backlog.pending,
            ),
            ("kera_outbox_due_messages", "Outbox messages due for delivery now.", backlog.due),
            (
                "kera_outbox_oldest_due_age_seconds",
                "Age of the oldest due outbox message (0: none).",
                backlog.oldest_due_age_s,
            ),
            (
                "kera_outbox_dead_messages",
                "Dead-lettered outbox messages (need city staff).",
                backlog.dead,
            ),
        )
        for name, documentation, value in gauges:
            yield GaugeMetricFamily(name, documentation, value=value)
        if worker.last_seen_age_s is not None:
            yield GaugeMetricFamily(
                "kera_worker_heartbeat_age_seconds",
                "Seconds since the most recent worker heartbeat.",
                value=worker.last_seen_age_s,
            )


def _loopback(address: str | None) -> bool:
    try:
        return ipaddress.ip_address(address or "").is_loopback
    except ValueError:
        return False


def _authorised() -> bool:
    token = current_app.config["METRICS_TOKEN"]
    if token:
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(
            given.strip().encode(), token.encode()
        )
    # Without a token: only a scraper on this machine, not a client relayed by a local proxy.
    relayed = "X-Forwarded-For" in request.headers or "Forwarded" in request.headers
    return _loopback(request.remote_addr) and not relayed


@bp.get("/metrics")
def scrape():
    """The metrics in Prometheus' text exposition format."""
    if not _authorised():
        abort(401 if current_app.config["METRICS_TOKEN"] else 403)
    directory = current_app.config["PROMETHEUS_MULTIPROC_DIR"]
    if directory:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry, path=directory)
    else:
        registry = REGISTRY
    scraped = CollectorRegistry()
    scraped.register(DatabaseCollector())
    body = generate_latest(registry) + generate_latest(scraped)
    return Response(body, content_type=CONTENT_TYPE_LATEST, headers={"Cache-Control": "no-store"})
