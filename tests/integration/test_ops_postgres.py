"""The PostgreSQL backup procedure of README "Operating", run as written against the local server:
migrate a database, load the demo data, pg_dump -Fc, pg_restore into a second database, and
compare the row count of every table. Uses its own databases (kera_hc_src, kera_hc_dst)."""

import shutil
import subprocess

import flask_migrate
import psycopg
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from marketplace import config as app_config
from marketplace import create_app
from marketplace.extensions import db

from ..conftest import PG_URL

pytestmark = pytest.mark.postgres
SOURCE, TARGET = "kera_hc_src", "kera_hc_dst"


def url_for(database: str) -> sa.URL:
    return make_url(app_config._normalise_db_url(PG_URL)).set(database=database)


def libpq(url: sa.URL) -> str:
    """The URL as pg_dump / pg_restore take it (no SQLAlchemy driver name)."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def recreate(database: str) -> None:
    admin = url_for("postgres")
    with psycopg.connect(libpq(admin), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{database}"')


def counts(url: sa.URL) -> dict[str, int]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            tables = sa.inspect(conn).get_table_names()
            return {
                t: conn.execute(sa.text(f'SELECT count(*) FROM "{t}"')).scalar() for t in tables
            }
    finally:
        engine.dispose()


@pytest.fixture
def tools():
    if not PG_URL:
        pytest.skip("PostgreSQL tests need TEST_DATABASE_URL (set by .ci/run)")
    found = {name: shutil.which(name) for name in ("pg_dump", "pg_restore")}
    if not all(found.values()):
        pytest.skip("pg_dump / pg_restore are not installed")
    return found


def test_pg_dump_and_pg_restore_round_trip_keeps_every_count(tools, tmp_path):
    recreate(SOURCE)
    recreate(TARGET)
    config = app_config.TestConfig(
        INSTANCE_DIR=str(tmp_path),
        SQLALCHEMY_DATABASE_URI=url_for(SOURCE).render_as_string(hide_password=False),
        UPLOAD_DIR=str(tmp_path / "uploads"),
        SEARCH_DB_PATH=str(tmp_path / "search.sqlite3"),
        ARGON2_FAST=True,
    )
    app = create_app(config)
    with app.app_context():
        flask_migrate.upgrade()
        from marketplace import demo, outbox

        demo.load(with_photos=False)
        outbox.run_once("pg-backup-test:1")
        db.session.remove()
        db.engine.dispose()
    dump = tmp_path / "kera.dump"
    # The README's commands, as an operator types them.
    subprocess.run(
        [tools["pg_dump"], "-Fc", "--no-owner", "-f", str(dump), libpq(url_for(SOURCE))],
        check=True,
        timeout=300,
    )
    subprocess.run(
        [
            tools["pg_restore"],
            "--no-owner",
            "--exit-on-error",
            "-d",
            libpq(url_for(TARGET)),
            str(dump),
        ],
        check=True,
        timeout=300,
    )
    source, target = counts(url_for(SOURCE)), counts(url_for(TARGET))
    assert target == source
    for table in ("user_account", "listing", "site", "outbox_message", "worker_heartbeat"):
        assert target[table] > 0, table
    with psycopg.connect(libpq(url_for(TARGET))) as conn:
        revision = conn.execute("SELECT version_num FROM alembic_version").fetchone()[0]
    with app.app_context():
        from marketplace.ops.backup import expected_revisions

        assert {revision} == expected_revisions()
