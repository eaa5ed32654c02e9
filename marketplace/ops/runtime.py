"""Process start-up tuning for a serving process: warm the app up, then freeze what it holds.

Why: as soon as the app is created the process holds about 146,000 long-lived objects (modules,
functions, SQLAlchemy's, Jinja's and Babel's structures), and the first requests add the compiled
templates, the catalogues and the warm search engine. Python's cyclic garbage collector walks all
of them in every full (generation-2) collection: about 95 ms on this project's 2-core machine,
paid by one request in about fifteen (docs/performance.md, "Pages at 100,000 listings": home and
search p95 of 250 ms against p50 of 35 ms). None of these objects ever becomes garbage, so after
a warm-up `gc.freeze()` moves them to the permanent generation, which collections skip; the
collector still runs, over the requests' own objects only.

`prepare(app)` is the one start-up function: `wsgi.py` calls it in every process that serves the
app (gunicorn's workers import `wsgi` after the fork, so each freezes its own heap), and
`benchmarks/pages.py` calls it before it measures, so the benchmark starts the app as production
does. The `flask` command (`db upgrade`, `worker`, `seed`, `run`) imports `wsgi` too but does not
call it: those processes serve no pages, and may run before the database exists.
"""

import gc
import logging
import time

from flask import Flask

log = logging.getLogger(__name__)

# What a first visitor would request: the home page in each language (templates, catalogues),
# a text search (the search engine's vocabulary and caches) and the map of every result (the
# engine's per-site counts, 70-300 ms when cold at 100,000 listings).
WARM_UP = [
    ("/", "fi"),
    ("/", "sv"),
    ("/", "en"),
    ("/?q=tiili", "fi"),
    ("/search/sites", "fi"),
]


def warm_up(app: Flask) -> list[tuple[str, int]]:
    """Request the WARM_UP pages in-process, on the app's public address (so the trusted-host
    check passes); returns (url, status) for each. A page that fails (the app's error handler
    answers 500, e.g. while the database is down) is logged and start-up goes on: the warm-up
    only saves the first visitors time, and /readyz reports what is missing."""
    client = app.test_client()
    base_url = app.config.get("PUBLIC_BASE_URL") or "http://localhost"
    answered = []
    for url, locale in WARM_UP:
        response = client.get(url, base_url=base_url, headers={"Accept-Language": locale})
        if response.status_code != 200:
            log.warning("warm-up request %s answered %s", url, response.status_code)
        answered.append((url, response.status_code))
    return answered


def release_connections(app: Flask) -> None:
    """Close the database connections the warm-up opened, so a process forked after this one
    (gunicorn with --preload) never shares a connection with its parent."""
    from ..extensions import db

    with app.app_context():
        db.engine.dispose()


def freeze() -> int:
    """Collect what start-up left as garbage, then move every surviving object to the permanent
    generation; returns how many objects the collector will no longer walk."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


def prepare(app: Flask) -> dict:
    """Warm the app up and freeze its long-lived objects; returns what was done (logged too)."""
    started = time.perf_counter()
    answered = warm_up(app)
    release_connections(app)
    frozen = freeze()
    report = {
        "warm_up": answered,
        "frozen_objects": frozen,
        "seconds": round(time.perf_counter() - started, 2),
    }
    log.info(
        "start-up: warmed up %d pages, %d objects frozen in %.2f s",
        len(answered),
        frozen,
        report["seconds"],
    )
    return report
