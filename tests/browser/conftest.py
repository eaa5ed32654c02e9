"""A live server on loopback with the Kera demo data, and headless Chromium (Debian's package)
driven by Playwright. Skipped when Chromium is not installed."""

import os
import shutil
import threading

import pytest
from werkzeug.serving import make_server

from marketplace import clock, demo
from marketplace.demo import DEMO_PASSWORD
from marketplace.extensions import db

from ..conftest import make_app

CHROMIUM = (
    os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
)
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def demo_folder(tmp_path_factory):
    """The demo data, its six months of history included, loaded once per session (the history
    goes through the services and takes seconds); each test serves a copy of the folder."""
    folder = tmp_path_factory.mktemp("demo")
    clock.set(None)
    app = make_app(folder, RATELIMIT_ENABLED=False)
    with app.app_context():
        demo.load(with_photos=False)
        db.session.remove()
        db.engine.dispose()
    return folder


@pytest.fixture
def live_server(tmp_path, demo_folder):
    """The app with the demo data, served on a free loopback port (the real clock is used)."""
    clock.set(None)
    shutil.copytree(demo_folder, tmp_path / "demo", symlinks=True)
    app = make_app(tmp_path / "demo", RATELIMIT_ENABLED=False)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(10)


@pytest.fixture
def browser():
    if not CHROMIUM:
        pytest.skip("Chromium is not installed (Debian package `chromium`); .ci/run installs it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield instance
        instance.close()


def sign_in(page, base, email):
    """Sign a demo user in through the login form."""
    page.goto(f"{base}/login")
    page.fill("#email", email)
    page.fill("#password", DEMO_PASSWORD)
    page.click("form.narrow button[type=submit], main form button[type=submit]")
    page.wait_for_load_state()
