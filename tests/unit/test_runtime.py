"""Start-up tuning (marketplace/ops/runtime.py): a serving process warms the app up and freezes
its long-lived objects out of the garbage collector's way; the `flask` command does not."""

import gc
import os
import subprocess
import sys
from pathlib import Path

import pytest

from marketplace.ops import runtime

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def unfreezes():
    """Give the objects prepare() froze back to the collector after the test."""
    yield
    gc.unfreeze()


def test_prepare_warms_every_page_up_then_freezes(app, unfreezes):
    gc.unfreeze()
    report = runtime.prepare(app)
    assert [url for url, _status in report["warm_up"]] == [url for url, _ in runtime.WARM_UP]
    assert {status for _url, status in report["warm_up"]} == {200}
    assert report["frozen_objects"] == gc.get_freeze_count() > 10_000


def test_a_failing_warm_up_page_is_logged_and_start_up_goes_on(app, unfreezes, caplog):
    def broken():
        raise RuntimeError("database unreachable")

    app.view_functions["main.index"] = broken  # the app's error handler answers 500
    report = runtime.prepare(app)
    assert ("/", 500) in report["warm_up"] and ("/search/sites", 200) in report["warm_up"]
    assert "warm-up request / answered 500" in caplog.text
    assert gc.get_freeze_count() > 0


def _freeze_count_after_importing_wsgi(tmp_path, **env) -> int:
    """Import wsgi in a fresh interpreter (a development app on an empty SQLite file) and
    return gc.get_freeze_count() there."""
    environment = {
        **os.environ,
        "APP_ENV": "development",
        "INSTANCE_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "LOG_LEVEL": "CRITICAL",
        **env,
    }
    environment.pop("FLASK_RUN_FROM_CLI", None)
    environment.update(env)
    done = subprocess.run(
        [sys.executable, "-c", "import gc, wsgi; print(gc.get_freeze_count())"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return int(done.stdout.strip().splitlines()[-1])


def test_the_wsgi_entry_point_freezes_a_serving_process(tmp_path):
    assert _freeze_count_after_importing_wsgi(tmp_path) > 10_000


def test_the_flask_command_imports_wsgi_without_the_warm_up(tmp_path):
    assert _freeze_count_after_importing_wsgi(tmp_path, FLASK_RUN_FROM_CLI="true") == 0
