"""SQLite backups with sqlite3's online backup API (a consistent copy while the app runs), and
restores that first check the file is a database of this schema. PostgreSQL uses pg_dump and
pg_restore instead (README "Operating")."""

import os
import sqlite3
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

from flask import current_app
from sqlalchemy.engine import make_url

from ..extensions import db

HEADER = b"SQLite format 3\x00"
POSTGRES_PROCEDURE = (
    "this database is not SQLite: back up PostgreSQL with pg_dump -Fc and restore "
    'with pg_restore, as README.md ("Operating", Backups) describes'
)


class BackupRefused(Exception):
    """The backup or restore cannot be done safely; the message says why and what to do."""


def live_path() -> Path:
    """The app's SQLite file; refused for PostgreSQL and in-memory databases."""
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() != "sqlite":
        raise BackupRefused(POSTGRES_PROCEDURE)
    if not url.database or url.database == ":memory:":
        raise BackupRefused("an in-memory database cannot be backed up")
    return Path(url.database).resolve()


def _busy_ms() -> int:
    return int(current_app.config["SQLITE_BUSY_TIMEOUT_S"] * 1000)


def _copy(source: sqlite3.Connection, target_path: Path) -> None:
    """Online backup of `source` into a new file, written whole, then renamed into place."""
    partial = target_path.with_name(target_path.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        with closing(sqlite3.connect(partial)) as target:
            source.backup(target)
            target.execute(
                "PRAGMA journal_mode=DELETE"
            )  # one self-contained file, no -wal beside it
        os.replace(partial, target_path)
    finally:
        partial.unlink(missing_ok=True)


def backup(path: str, *, overwrite: bool = False) -> Path:
    """Copy the live database to `path` (safe while the app and worker run)."""
    live, target = live_path(), Path(path).resolve()
    if target == live:
        raise BackupRefused("the backup must go to another file than the database itself")
    if target.exists() and not overwrite:
        raise BackupRefused(f"{target} exists; choose a new file or pass --force")
    target.parent.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(live, timeout=_busy_ms() / 1000)) as source:
        _copy(source, target)
    return target


def expected_revisions() -> set[str]:
    """The migration heads this code expects (the `alembic_version` of an up-to-date database)."""
    from alembic.script import ScriptDirectory

    migrate = current_app.extensions["migrate"]
    return set(
        ScriptDirectory.from_config(migrate.migrate.get_config(migrate.directory)).get_heads()
    )


def revision(path: str) -> str:
    """The schema revision recorded in the SQLite file at `path` ("none" when it has none)."""
    with closing(sqlite3.connect(f"file:{Path(path).resolve()}?mode=ro", uri=True)) as conn:
        try:
            found = sorted(
                row[0] for row in conn.execute("SELECT version_num FROM alembic_version")
            )
        except sqlite3.OperationalError:
            found = []
    return ", ".join(found) or "none"


def check(path: str) -> str:
    """Refuse `path` unless it is an intact SQLite database at this code's schema revision."""
    source = Path(path)
    if not source.is_file():
        raise BackupRefused(f"{source} is not a file")
    with open(source, "rb") as handle:
        if handle.read(len(HEADER)) != HEADER:
            raise BackupRefused(f"{source} is not a SQLite database")
    try:
        with closing(sqlite3.connect(f"file:{source.resolve()}?mode=ro", uri=True)) as conn:
            if conn.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                raise BackupRefused(f"{source} is damaged (PRAGMA quick_check failed)")
            found = {row[0] for row in conn.execute("SELECT version_num FROM alembic_version")}
    except sqlite3.DatabaseError as exc:
        raise BackupRefused(f"{source} cannot be read as this app's database ({exc})") from exc
    wanted = expected_revisions()
    if found != wanted:
        raise BackupRefused(
            f"{source} is at schema revision {', '.join(sorted(found)) or 'none'}, this code "
            f"expects {', '.join(sorted(wanted))}; restore it with the matching release"
        )
    return ", ".join(sorted(found))


def restore(path: str) -> Path | None:
    """Replace the live database's content with the checked backup at `path`, keeping a copy of
    what it replaced; returns that copy's path (None when there was no database yet)."""
    live = live_path()
    check(path)
    kept = None
    if live.exists():
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        kept = backup(str(live.with_name(f"{live.name}.before-restore-{stamp}")), overwrite=True)
    db.session.remove()
    db.engine.dispose()  # no pooled connection keeps reading the old pages
    with (
        closing(sqlite3.connect(f"file:{Path(path).resolve()}?mode=ro", uri=True)) as source,
        closing(sqlite3.connect(live, timeout=_busy_ms() / 1000)) as target,
    ):
        source.backup(target)  # page by page under the write lock: other connections wait
    return kept
