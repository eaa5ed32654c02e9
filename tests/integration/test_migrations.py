"""Migrations: `flask db upgrade` builds the schema and loads the catalogue, downgrades cleanly, and
the migrated schema matches the models (no drift), on SQLite and on PostgreSQL."""

import logging

import flask_migrate
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.types import TypeDecorator

from marketplace import config as app_config
from marketplace import create_app, models  # noqa: F401 - registers every table on db.metadata
from marketplace.extensions import db
from tests.conftest import PG_URL, pg_url, reset_postgres

DATABASES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


def compare_type(context, inspected_column, metadata_column, inspected_type, metadata_type):
    """As migrations/env.py: our TypeDecorators are compared by their storage type."""
    if isinstance(metadata_type, TypeDecorator):
        metadata_type = metadata_type.impl
    return context.impl.compare_type(
        inspected_column, sa.Column(metadata_column.name, metadata_type)
    )


@pytest.fixture
def bare_app(request, tmp_path):
    """An app on an empty database: no create_all, no catalogue; only migrations build it."""
    if request.param == "postgresql" and not PG_URL:
        pytest.skip("PostgreSQL migration tests need TEST_DATABASE_URL")
    url = (
        pg_url() if request.param == "postgresql" else f"sqlite:///{tmp_path / 'migrated.sqlite3'}"
    )
    config = app_config.TestConfig(
        INSTANCE_DIR=str(tmp_path),
        SQLALCHEMY_DATABASE_URI=url,
        UPLOAD_DIR=str(tmp_path / "up"),
        SEARCH_DB_PATH=str(tmp_path / "search.sqlite3"),
        ARGON2_FAST=True,
    )
    app = create_app(config)
    with app.app_context():
        if request.param == "postgresql":
            reset_postgres(db.engine)
        yield app
        db.session.remove()
        db.engine.dispose()
    # alembic.ini's logging config disables loggers that existed before it ran; undo that.
    for logger in logging.Logger.manager.loggerDict.values():
        if isinstance(logger, logging.Logger):
            logger.disabled = False


def tables() -> set[str]:
    return set(sa.inspect(db.engine).get_table_names())


def model_tables() -> set[str]:
    return set(db.metadata.tables)


@pytest.mark.parametrize("bare_app", DATABASES, indirect=True)
def test_upgrade_creates_the_schema_and_loads_the_catalogue(bare_app):
    assert tables() == set()
    flask_migrate.upgrade()
    assert model_tables() <= tables()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(models.Category)) >= 25
    assert db.session.scalar(sa.select(sa.func.count()).select_from(models.FactorSet)) == 1


@pytest.mark.parametrize("bare_app", DATABASES, indirect=True)
def test_downgrade_to_base_and_upgrade_again(bare_app):
    flask_migrate.upgrade()
    db.session.remove()
    flask_migrate.downgrade(revision="base")
    assert tables() - {"alembic_version"} == set()
    flask_migrate.upgrade()
    assert model_tables() <= tables()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(models.Category)) >= 25


@pytest.mark.parametrize("bare_app", DATABASES, indirect=True)
def test_migrated_schema_matches_the_models(bare_app):
    flask_migrate.upgrade()
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": compare_type})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


@pytest.mark.parametrize("bare_app", DATABASES, indirect=True)
def test_upgrade_twice_is_a_no_op(bare_app):
    flask_migrate.upgrade()
    before = db.session.scalar(sa.select(sa.func.count()).select_from(models.Category))
    db.session.remove()
    flask_migrate.upgrade()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(models.Category)) == before
