"""Append-only in the database, not only in Python (issue 9): raw SQL that updates, deletes or
truncates ledger rows fails on SQLite and on PostgreSQL, with the schema of db.create_all() (as the
tests build it) and of the migrations (tests/integration/test_migrations.py builds that one)."""

import flask_migrate
import pytest
import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.models import CarbonFactor, Handover
from marketplace.services import reservations as reservation_services
from tests import factories


def _handover() -> int:
    builder = factories.builder()
    listing = factories.listing(builder, quantity="10", unit="pcs")
    reservation = reservation_services.reservation_create(
        user_id=factories.resident().id, listing_id=listing.id, quantity=5
    )
    _r, handover = reservation_services.reservation_collect(
        user_id=builder.id, reservation_id=reservation.id
    )
    return handover.id


def _refused(sql: str, **params) -> None:
    """`sql` fails in the database itself, and the row is still there as it was."""
    with pytest.raises(sa.exc.DBAPIError) as error, db.engine.begin() as connection:
        connection.execute(sa.text(sql), params)
    assert "append-only" in str(error.value)


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE handover SET mass_kg = 1 WHERE id = :id",
        "UPDATE handover SET receiver_id = NULL WHERE id = :id",
        "DELETE FROM handover WHERE id = :id",
    ],
)
def test_raw_sql_cannot_change_or_remove_a_ledger_row(any_db, statement):
    handover_id = _handover()
    before = db.session.execute(
        sa.select(Handover.mass_kg, Handover.receiver_id).where(Handover.id == handover_id)
    ).one()
    db.session.rollback()
    _refused(statement, id=handover_id)
    after = db.session.execute(
        sa.select(Handover.mass_kg, Handover.receiver_id).where(Handover.id == handover_id)
    ).one()
    assert after == before and before.mass_kg == 15  # 5 bricks × 3.0 kg


def test_carbon_factors_cannot_be_rewritten_either(any_db):
    factor_id = db.session.scalar(sa.select(sa.func.min(CarbonFactor.id)))
    db.session.rollback()
    _refused("UPDATE carbon_factor SET kg_co2e_per_kg = 0 WHERE id = :id", id=factor_id)
    _refused("DELETE FROM carbon_factor WHERE id = :id", id=factor_id)


def test_appending_still_works(any_db):
    _handover()
    _handover()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Handover)) == 2


@pytest.mark.postgres
def test_truncate_is_refused_on_postgresql(any_db):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("TRUNCATE is PostgreSQL's")
    _handover()
    db.session.rollback()
    _refused("TRUNCATE handover CASCADE")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Handover)) == 1


def test_the_migration_installs_the_same_triggers(tmp_path):
    """A migrated SQLite database refuses the change too (PostgreSQL: test_migrations' schema)."""
    from marketplace import create_app
    from marketplace.config import TestConfig

    url = f"sqlite:///{tmp_path / 'migrated.sqlite3'}"
    app = create_app(
        TestConfig(
            INSTANCE_DIR=str(tmp_path),
            SQLALCHEMY_DATABASE_URI=url,
            ARGON2_FAST=True,
            UPLOAD_DIR=str(tmp_path / "up"),
            SEARCH_DB_PATH=str(tmp_path / "s.sqlite3"),
        )
    )
    with app.app_context():
        flask_migrate.upgrade()
        names = set(
            db.session.scalars(sa.text("SELECT name FROM sqlite_master WHERE type = 'trigger'"))
        )
        assert {
            "handover_no_update",
            "handover_no_delete",
            "carbon_factor_no_update",
            "carbon_factor_no_delete",
        } <= names
        db.session.remove()
        # Down to the revision before the triggers' migration (later ones sit on top of it).
        flask_migrate.downgrade(revision="b7c41e2f9a10")
        names = set(
            db.session.scalars(sa.text("SELECT name FROM sqlite_master WHERE type = 'trigger'"))
        )
        assert not any(n.startswith(("handover_", "carbon_factor_")) for n in names)
        db.session.remove()
        db.engine.dispose()
