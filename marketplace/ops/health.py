"""/healthz (the process answers) and /readyz (can it serve: database, search, worker, outbox).

Fatal, 503: the database does not answer `SELECT 1`; the search backend does not answer (the
embedded index cannot be opened and read; Meilisearch's /health fails or times out).
Degraded, still 200: no worker heartbeat within READY_WORKER_MAX_AGE_S; the oldest due outbox
message older than READY_OUTBOX_MAX_AGE_S. Dead letters are reported, not judged (staff retry them).
The body names states and figures only: no URLs, hosts, keys or error messages.
"""

import json
import time
import urllib.error
import urllib.request

import sqlalchemy as sa
from flask import Blueprint, current_app, jsonify

from ..extensions import db
from . import figures

bp = Blueprint("ops", __name__)

OK, DEGRADED, FAILING = "ok", "degraded", "failing"
FATAL = ("database", "search")


@bp.get("/healthz")
def healthz():
    """The process is up and answers; nothing else is touched."""
    return _no_store(jsonify(status=OK))


@bp.get("/readyz")
def readyz():
    """Each check's state and figures; 503 when a fatal check fails."""
    checks = {
        "database": _database(),
        "search": _search(),
        "worker": _worker(),
        "outbox": _outbox(),
    }
    for name, check in checks.items():
        check["fatal"] = name in FATAL
    if any(checks[name]["state"] == FAILING for name in FATAL):
        status = FAILING
    elif any(check["state"] != OK for check in checks.values()):
        status = DEGRADED
    else:
        status = OK
    return _no_store(jsonify(status=status, checks=checks)), 503 if status == FAILING else 200


def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


def _timed(check):
    """Run `check` (returns a dict with "state"); any exception is a failing state named by type."""
    started = time.perf_counter()
    try:
        result = check()
    except Exception as exc:  # noqa: BLE001 - the probe reports failures, it must not raise
        db.session.rollback()
        result = {"state": FAILING, "error": type(exc).__name__}
    result["latency_ms"] = round((time.perf_counter() - started) * 1000, 1)
    return result


def _database():
    def check():
        db.session.execute(sa.text("SELECT 1"))
        db.session.rollback()
        return {"state": OK}

    return _timed(check)


def _search():
    if current_app.config.get("MEILI_ENABLED"):
        meili_url = current_app.config["MEILI_URL"]
        result = _timed(lambda: _meili_health(meili_url))
        return {"backend": "meilisearch", **result}

    def embedded():
        from ..search import service

        return {"state": OK, "documents": service.embedded().count()}

    return {"backend": "embedded", **_timed(embedded)}


def _meili_health(url: str):
    """GET <MEILI_URL>/health with a short timeout (it needs no key)."""
    timeout = current_app.config["READY_SEARCH_TIMEOUT_S"]
    try:
        with urllib.request.urlopen(url.rstrip("/") + "/health", timeout=timeout) as response:
            answer = json.loads(response.read(4096) or b"{}")
    except urllib.error.HTTPError as exc:
        return {"state": FAILING, "error": f"HTTP {exc.code}"}
    except (OSError, ValueError):  # refused, timed out, unresolvable, not JSON
        return {"state": FAILING, "error": "unreachable"}
    if answer.get("status") != "available":
        return {"state": FAILING, "error": "not available"}
    return {"state": OK}


def _worker():
    max_age = current_app.config["READY_WORKER_MAX_AGE_S"]

    def check():
        seen = figures.worker_seen()
        state = OK if seen.fresh else DEGRADED
        return {"state": state, "workers": seen.fresh, "last_seen_age_s": seen.last_seen_age_s}

    return {**_timed(check), "max_age_s": max_age}


def _outbox():
    max_age = current_app.config["READY_OUTBOX_MAX_AGE_S"]

    def check():
        backlog = figures.outbox_backlog()
        state = DEGRADED if backlog.oldest_due_age_s > max_age else OK
        return {
            "state": state,
            "pending": backlog.pending,
            "due": backlog.due,
            "oldest_due_age_s": backlog.oldest_due_age_s,
            "dead": backlog.dead,
        }

    return {**_timed(check), "max_age_s": max_age}
