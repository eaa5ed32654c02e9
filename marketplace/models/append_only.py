"""Append-only in the database, not only in Python (issue 9): triggers that refuse UPDATE and
DELETE (and, on PostgreSQL, TRUNCATE) on the ledger tables, so that no script, console session
or other program can rewrite the figures the city publishes.

One definition serves both ways the schema is built: the migration that adds the triggers
(migrations/versions/c3a9e1f4b7d2_*.py) and db.create_all() (the DDL events registered in
models/impact.py, for the tests and the fuzzer). A mistake is corrected by appending rows
(services/impact.py); an account deletion keeps the user row, emptied, so no ledger row changes.
"""

import sqlalchemy as sa

LEDGER_TABLES = ("handover", "carbon_factor")  # the ledger, and the factor versions its rows cite
PG_FUNCTION = "ledger_append_only"


def _sqlite(table: str) -> list[str]:
    return [
        f"CREATE TRIGGER IF NOT EXISTS {table}_no_{op.lower()} BEFORE {op} ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{table} rows are append-only: {op} refused'); END"
        for op in ("UPDATE", "DELETE")
    ]


def _postgresql(table: str) -> list[str]:
    return [
        f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}",
        f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION {PG_FUNCTION}()",
        f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}",
        f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {PG_FUNCTION}()",
    ]


PG_FUNCTION_SQL = f"""CREATE OR REPLACE FUNCTION {PG_FUNCTION}() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% rows are append-only: % refused', TG_TABLE_NAME, TG_OP
        USING HINT = 'Correct a handover by appending a reversal and a correction.';
END
$$"""


def create_statements(dialect: str, tables=LEDGER_TABLES) -> list[str]:
    """The SQL that makes `tables` append-only on `dialect` ('sqlite' or 'postgresql')."""
    if dialect == "sqlite":
        return [sql for table in tables for sql in _sqlite(table)]
    if dialect == "postgresql":
        return [PG_FUNCTION_SQL] + [sql for table in tables for sql in _postgresql(table)]
    return []


def drop_statements(dialect: str, tables=LEDGER_TABLES) -> list[str]:
    """The SQL that removes the triggers again (the migration's downgrade)."""
    if dialect == "sqlite":
        return [
            f"DROP TRIGGER IF EXISTS {table}_no_{op}"
            for table in tables
            for op in ("update", "delete")
        ]
    if dialect == "postgresql":
        return [
            f"DROP TRIGGER IF EXISTS {table}_{name} ON {table}"
            for table in tables
            for name in ("append_only", "no_truncate")
        ] + [f"DROP FUNCTION IF EXISTS {PG_FUNCTION}()"]
    return []


def install(target, connection, **_kw) -> None:
    """DDL event handler: after create_all made `target`, make it append-only."""
    for sql in create_statements(connection.dialect.name, (target.name,)):
        connection.execute(sa.text(sql))  # text(): the driver sees '%' escaped, as in migrations
