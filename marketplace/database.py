"""Database engine behaviour shared by SQLite and PostgreSQL, and the write transaction.

SQLite: WAL, a busy timeout and foreign keys on every connection; pysqlite's own transaction
handling is switched off so that we emit BEGIN ourselves, and write use cases open with
BEGIN IMMEDIATE (a deferred read-then-write transaction fails with SQLITE_BUSY_SNAPSHOT under
concurrency, and FOR UPDATE does nothing on SQLite).
PostgreSQL: plain READ COMMITTED; the services use conditional UPDATEs and row locks.
"""

import sqlite3
from contextlib import contextmanager

from flask import current_app
from sqlalchemy import event
from sqlalchemy.engine import Engine

from .extensions import db

IMMEDIATE = "kera_begin_immediate"


@event.listens_for(Engine, "connect")
def _sqlite_on_connect(dbapi_connection, connection_record):
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    dbapi_connection.isolation_level = None  # we emit BEGIN ourselves (see _sqlite_on_begin)
    timeout_ms = int(_busy_timeout_s() * 1000)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={timeout_ms}")
    if cursor.execute("PRAGMA journal_mode").fetchone()[0] != "memory":
        cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_on_begin(conn):
    if conn.dialect.name != "sqlite":
        return
    immediate = conn.get_execution_options().get(IMMEDIATE)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def _busy_timeout_s():
    try:
        return current_app.config.get("SQLITE_BUSY_TIMEOUT_S", 30)
    except RuntimeError:  # outside an app context (Alembic offline tools)
        return 30


@contextmanager
def write_transaction(*, relocks: bool = False):
    """Run one use case in one write transaction; commit on success, roll back on error.

    Any read-only transaction left open by the request (loading the user, say) is ended first,
    so that on SQLite the write transaction starts with BEGIN IMMEDIATE and holds the write lock
    from its first read.

    `relocks=True` says the use case reads again, row-locked and overwriting what the session
    holds (populate_existing), everything it decides on. On PostgreSQL the request's read
    transaction is then continued instead: under READ COMMITTED each statement sees what was
    committed before it began, so nothing older is seen, and the ROLLBACK and BEGIN, two round
    trips, are saved (the reservation, issue 16). SQLite always ends it.
    """
    session = db.session()  # the request's Session behind the scoped proxy
    if session.in_transaction() and not (relocks and _continues(session)):
        session.rollback()
    if not session.in_transaction():
        session.connection(execution_options={IMMEDIATE: True})
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise


def _continues(session) -> bool:
    """A healthy transaction on PostgreSQL holding no unsaved changes, which a write may
    continue (an object changed before the use case began is not committed with it: the
    transaction is ended as usual)."""
    return (
        db.engine.dialect.name == "postgresql"
        and session.get_transaction().is_active
        and not (session.new or session.dirty or session.deleted)
    )
