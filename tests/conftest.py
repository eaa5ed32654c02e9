"""Fixtures: an app per test on a fresh file-backed SQLite database (PostgreSQL too for tests
that ask for `any_db` when TEST_DATABASE_URL is set), a client, a CLI runner and a clock."""

import os
from contextlib import contextmanager
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from flask.globals import _cv_app
from flask.testing import FlaskClient

from marketplace import catalog_loader, clock, create_app
from marketplace.config import TestConfig
from marketplace.extensions import db

from . import factories
from .helpers import sign_in

PG_URL = os.environ.get("TEST_DATABASE_URL", "")
NOON = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)  # a Monday, 12:00 in Helsinki


class IsolatedClient(FlaskClient):
    """Each request runs in its own app context (its own `g`, user and db session), as in
    production, even while the test itself holds an app context to call services."""

    def open(self, *args, **kwargs):
        token = _cv_app.set(None)
        try:
            return super().open(*args, **kwargs)
        finally:
            _cv_app.reset(token)


def make_app(tmp_path, database_url: str | None = None, **overrides):
    """A fully initialised app with an empty schema and the catalogue loaded."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    url = database_url or f"sqlite:///{tmp_path / 'test.sqlite3'}"
    config = TestConfig(
        INSTANCE_DIR=str(tmp_path),
        SQLALCHEMY_DATABASE_URI=url,
        UPLOAD_DIR=str(tmp_path / "uploads"),
        SEARCH_DB_PATH=str(tmp_path / "search.sqlite3"),
        ARGON2_FAST=True,
        **overrides,
    )
    app = create_app(config)
    app.test_client_class = IsolatedClient
    with app.app_context():
        if url.startswith("postgresql"):
            reset_postgres(db.engine)
        db.create_all()
        catalog_loader.sync()
    return app


def reset_postgres(engine) -> None:
    """An empty public schema: PostgreSQL tests share one database, run after run."""
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))


def pg_url() -> str:
    from marketplace.config import _normalise_db_url

    return _normalise_db_url(PG_URL)


@contextmanager
def running_app(tmp_path, database_url: str | None = None, **overrides):
    """make_app's app inside its app context; its sessions and connections are closed after."""
    app = make_app(tmp_path, database_url, **overrides)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def app(tmp_path):
    with running_app(tmp_path) as app:
        yield app


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def any_database_url(request):
    """None (a fresh SQLite file) and, when TEST_DATABASE_URL is set, PostgreSQL: for a test
    that starts its app itself (with settings of its own)."""
    if request.param == "postgresql" and not PG_URL:
        pytest.skip("PostgreSQL tests need TEST_DATABASE_URL (set by .ci/run)")
    return pg_url() if request.param == "postgresql" else None


@pytest.fixture
def any_db(tmp_path, any_database_url):
    """The same test on SQLite and, when TEST_DATABASE_URL is set, on PostgreSQL."""
    with running_app(tmp_path, any_database_url) as app:
        yield app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture(autouse=True)
def frozen_clock():
    """Every test starts on a Monday at noon (Helsinki) unless it moves the clock."""
    clock.set(NOON)
    yield clock
    clock.set(None)


@pytest.fixture
def make():
    """Factories: make.builder(), make.resident(), make.site(...), make.listing(...)."""
    return factories


class AuthActions:
    def __init__(self, client):
        self.client = client

    def login(self, user, password=factories.PASSWORD):
        return sign_in(self.client, user, password)

    def logout(self):
        return self.client.post("/logout")


@pytest.fixture
def auth(client):
    return AuthActions(client)
