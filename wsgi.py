"""WSGI entry point: `gunicorn 'wsgi:app'` (production reads its settings from the environment).

A process that imports this module to serve the app (gunicorn's workers, any WSGI server) warms
it up and freezes its long-lived objects out of the garbage collector's way
(marketplace/ops/runtime.py says why). The `flask` command imports it only to find the app
(FLASK_APP=wsgi: `db upgrade`, `worker`, `seed`, `run`), marked by the FLASK_RUN_FROM_CLI that
Flask sets before it loads the app; those processes skip the warm-up, which needs a migrated
database and only pays off in a process that serves pages.
"""

import os

from marketplace import create_app
from marketplace.ops import runtime

app = create_app()

if os.environ.get("FLASK_RUN_FROM_CLI") != "true":
    runtime.prepare(app)
