"""Per request: an id (a well-formed X-Request-ID from the proxy, else a new one) returned in the
X-Request-ID header, its latency in the metrics, and one access-log line."""

import logging
import re
import time
import uuid

from flask import current_app, g, request, request_started

from . import metrics

log = logging.getLogger("marketplace.access")
HEADER = "X-Request-ID"
WELL_FORMED = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{7,127}")
QUIET = {"ops.healthz", "ops.readyz", "metrics.scrape"}  # polled every few seconds: no access line
UNMATCHED = "<unmatched>"  # 404s: one label, whatever the path


def init_app(app):
    """Stamp each request at its very start (before CSRF and rate limits can refuse it)."""
    request_started.connect(_start, app)
    app.after_request(_finish)


def _start(sender, **extra):
    g.request_started = time.perf_counter()
    g.request_id = _incoming_id() or uuid.uuid4().hex


def _incoming_id() -> str | None:
    """The proxy's id when trusted and well-formed (no spaces, quotes or line breaks)."""
    given = request.headers.get(HEADER, "")
    if current_app.config["TRUST_REQUEST_ID"] and WELL_FORMED.fullmatch(given):
        return given
    return None


def route() -> str:
    """The URL rule that matched (ids stay out of the label), or one label for no match."""
    return request.url_rule.rule if request.url_rule is not None else UNMATCHED


def _finish(response):
    request_id = g.get("request_id")
    if request_id is None:  # not started through the normal path (should not happen)
        return response
    response.headers[HEADER] = request_id
    seconds = time.perf_counter() - g.request_started
    rule = route()
    metrics.REQUEST_SECONDS.labels(rule, request.method, str(response.status_code)).observe(seconds)
    if request.endpoint not in QUIET:
        log.info(
            "%s %s %s %.1f ms",
            request.method,
            request.path,
            response.status_code,
            seconds * 1000,
            extra={
                "method": request.method,
                "path": request.path,
                "route": rule,
                "status": response.status_code,
                "duration_ms": round(seconds * 1000, 1),
            },
        )
    return response
