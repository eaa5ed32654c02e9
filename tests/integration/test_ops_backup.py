"""flask backup / flask restore on SQLite: a round trip with the demo data keeps every table's row
count, a backup taken while a writer holds the database is consistent, and a restore refuses files
that are not a backup of this schema (and PostgreSQL, which has pg_dump/pg_restore)."""

import sqlite3
import threading
from contextlib import closing
from pathlib import Path

import flask_migrate
import pytest

from marketplace import config as app_config
from marketplace import create_app, outbox
from marketplace.extensions import db
from marketplace.services import reservations

from .. import factories


def sqlite_app(folder: Path, url: str | None = None):
    """An app on its own SQLite file in `folder` (empty: migrations or a restore create it)."""
    folder.mkdir(parents=True, exist_ok=True)
    config = app_config.TestConfig(
        INSTANCE_DIR=str(folder),
        SQLALCHEMY_DATABASE_URI=url or f"sqlite:///{folder / 'kera.sqlite3'}",
        UPLOAD_DIR=str(folder / "uploads"),
        SEARCH_DB_PATH=str(folder / "search.sqlite3"),
        ARGON2_FAST=True,
    )
    return create_app(config)


def cli(app, *args, input=None, timeout=120):
    """`flask ...` as a shell runs it: in an app context of its own, on a thread of its own."""
    results = []

    def run():
        with app.app_context():
            results.append(app.test_cli_runner().invoke(args=list(args), input=input))

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout)
    assert not thread.is_alive(), f"flask {' '.join(args)} did not finish within {timeout} s"
    return results[0]


def counts(path: Path) -> dict[str, int]:
    """Rows in every table of a SQLite file."""
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
        names = [
            row[0]
            for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return {
            name: conn.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for name in names
        }


@pytest.fixture
def source(tmp_path):
    """A migrated database with the demo data, one reservation and a worker pass."""
    app = sqlite_app(tmp_path / "source")
    with app.app_context():
        flask_migrate.upgrade()
    result = cli(app, "seed", "demo", "--no-photos")
    assert result.exit_code == 0, result.output
    with app.app_context():
        listing = db.session.execute(
            db.text("SELECT id FROM listing WHERE status = 'available' ORDER BY id LIMIT 1")
        ).scalar()  # the demo's history lots before it are closed
        taker = factories.resident()
        reservations.reservation_create(user_id=taker.id, listing_id=listing, quantity=1)
        outbox.run_once("backup-test:1")
        db.session.remove()
    return app, tmp_path / "source" / "kera.sqlite3"


def test_backup_then_restore_into_a_scratch_database_keeps_every_count(source, tmp_path):
    app, live = source
    backup = tmp_path / "backups" / "kera-backup.sqlite3"
    result = cli(app, "backup", str(backup))
    assert result.exit_code == 0, result.output
    assert f"backed up to {backup}" in result.output and "UPLOAD_DIR" in result.output

    scratch = sqlite_app(tmp_path / "scratch")
    result = cli(scratch, "restore", str(backup), "--yes")
    assert result.exit_code == 0, result.output
    assert "flask search reindex" in result.output

    restored = counts(tmp_path / "scratch" / "kera.sqlite3")
    assert restored == counts(live)
    for table in (
        "user_account",
        "organization",
        "site",
        "listing",
        "reservation",
        "outbox_message",
    ):
        assert restored[table] > 0, table
    # This test's worker pass and the demo history's passes (marketplace/demo_history.py).
    assert restored["worker_heartbeat"] == 2 and restored["alembic_version"] == 1

    # The documented follow-up: rebuild the search index, then the restored data is searchable.
    assert cli(scratch, "search", "reindex").exit_code == 0
    listed = scratch.test_client().get("/api/v1/listings?per_page=100").get_json()
    with scratch.app_context():
        offered = db.session.execute(
            db.text("SELECT count(*) FROM listing WHERE status IN ('available', 'reserved')")
        ).scalar()
    assert listed["total"] == offered > 0  # the history's closed lots are not found


def test_restore_over_a_live_database_keeps_what_it_replaced(source, tmp_path):
    app, live = source
    assert cli(app, "backup", str(tmp_path / "one.sqlite3")).exit_code == 0
    before = counts(live)
    with app.app_context():
        factories.resident()  # a change after the backup
    assert counts(live)["user_account"] == before["user_account"] + 1
    result = cli(app, "restore", str(tmp_path / "one.sqlite3"), "--yes")
    assert result.exit_code == 0, result.output
    assert counts(live) == before
    kept = list(live.parent.glob("kera.sqlite3.before-restore-*"))
    assert len(kept) == 1 and f"kept as {kept[0]}" in result.output
    assert counts(kept[0])["user_account"] == before["user_account"] + 1
    with app.app_context():  # the app reads the restored rows
        assert (
            db.session.execute(db.text("SELECT count(*) FROM user_account")).scalar()
            == (before["user_account"])
        )


def test_a_backup_taken_during_a_write_is_consistent(source, tmp_path):
    app, live = source
    writer = sqlite3.connect(live, isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("DELETE FROM listing_event")  # uncommitted, holding the write lock
        result = cli(app, "backup", str(tmp_path / "during.sqlite3"), timeout=30)
        assert result.exit_code == 0, result.output
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    copied = counts(tmp_path / "during.sqlite3")
    assert copied == counts(live) and copied["listing_event"] > 0
    with closing(sqlite3.connect(tmp_path / "during.sqlite3")) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # one file, no -wal
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_backup_does_not_overwrite_unless_forced(source, tmp_path):
    app, _live = source
    target = tmp_path / "existing.sqlite3"
    target.write_text("keep me")
    result = cli(app, "backup", str(target))
    assert result.exit_code != 0 and "--force" in result.output
    assert target.read_text() == "keep me"
    assert cli(app, "backup", str(target), "--force").exit_code == 0
    assert target.read_bytes().startswith(b"SQLite format 3\x00")


def test_restore_refuses_files_that_are_not_a_backup_of_this_schema(source, tmp_path):
    app, live = source
    before = counts(live)
    text_file = tmp_path / "notes.txt"
    text_file.write_text("not a database")
    no_schema = tmp_path / "empty.sqlite3"
    with closing(sqlite3.connect(no_schema)) as conn:
        conn.execute("CREATE TABLE t (x)")
    other_revision = tmp_path / "old.sqlite3"
    assert cli(app, "backup", str(other_revision)).exit_code == 0
    with closing(sqlite3.connect(other_revision)) as conn, conn:
        conn.execute("UPDATE alembic_version SET version_num = '8e170ff7b0b8'")
    cases = {
        tmp_path / "missing.sqlite3": "is not a file",
        text_file: "is not a SQLite database",
        no_schema: "cannot be read as this app's database",
        other_revision: "at schema revision 8e170ff7b0b8",
    }
    for path, reason in cases.items():
        result = cli(app, "restore", str(path), "--yes")
        assert result.exit_code != 0 and reason in result.output, (path, result.output)
    assert counts(live) == before
    assert not list(live.parent.glob("*.before-restore-*"))


def test_restore_asks_before_replacing(source, tmp_path):
    app, live = source
    assert cli(app, "backup", str(tmp_path / "b.sqlite3")).exit_code == 0
    result = cli(app, "restore", str(tmp_path / "b.sqlite3"), input="n\n")
    assert result.exit_code != 0 and "Aborted" in result.output
    assert not list(live.parent.glob("*.before-restore-*"))


def test_postgresql_is_refused_with_the_pg_dump_procedure(tmp_path):
    app = sqlite_app(tmp_path, url="postgresql+psycopg://kera:pw@127.0.0.1:1/kera")
    for args in (
        ("backup", str(tmp_path / "x.sqlite3")),
        ("restore", str(tmp_path / "x.sqlite3"), "--yes"),
    ):
        result = cli(app, *args)
        assert result.exit_code != 0
        assert "pg_dump -Fc" in result.output and "pg_restore" in result.output
        assert "README.md" in result.output
