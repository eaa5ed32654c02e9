"""The accounts migration (issue 9): accounts that existed before e-mail confirmation are marked
confirmed, so nobody who could reserve yesterday is refused today."""

import flask_migrate
import pytest
import sqlalchemy as sa

from marketplace.extensions import db
from tests.integration.test_migrations import DATABASES, bare_app  # noqa: F401 - the fixture

BEFORE = "4228d1e34990"  # the head before the accounts migration
ACCOUNTS = "b7c41e9a0d25"


@pytest.mark.parametrize("bare_app", DATABASES, indirect=True)
def test_existing_accounts_are_confirmed_by_the_migration(bare_app):  # noqa: F811
    flask_migrate.upgrade(revision=BEFORE)
    with db.engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO user_account (email, display_name, password_hash, role, locale, "
                "session_token, active, created_at) VALUES ('old@example.com', 'Old', 'x', "
                "'resident', 'fi', 'tok', true, '2026-01-02 03:04:05')"
            )
        )
    flask_migrate.upgrade(revision=ACCOUNTS)
    with db.engine.connect() as conn:
        confirmed = conn.execute(
            sa.text("SELECT email_confirmed_at, deleted_at FROM user_account")
        ).one()
    assert str(confirmed[0]).startswith("2026-01-02 03:04:05") and confirmed[1] is None
    flask_migrate.downgrade(revision=BEFORE)
    assert "email_link" not in sa.inspect(db.engine).get_table_names()
