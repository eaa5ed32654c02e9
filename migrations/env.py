"""Alembic environment (Flask-Migrate). After an upgrade, the materials catalogue is synced from
marketplace/data/catalogue.toml, so `flask db upgrade` leaves a usable database."""

import logging
from logging.config import fileConfig

import sqlalchemy as sa
from alembic import context
from flask import current_app
from sqlalchemy.types import TypeDecorator

config = context.config
# Keep the app's loggers: by default fileConfig disables every logger that exists already.
fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")


def get_engine():
    return current_app.extensions["migrate"].db.engine


config.set_main_option(
    "sqlalchemy.url", get_engine().url.render_as_string(hide_password=False).replace("%", "%%")
)
target_db = current_app.extensions["migrate"].db


def render_item(type_, obj, autogen_context):
    """Write our column types as their plain storage types, so migrations never import app code."""
    if type_ == "type" and isinstance(obj, TypeDecorator):
        return f"sa.{type(obj.impl).__name__}()"
    return False


def compare_type(context, inspected_column, metadata_column, inspected_type, metadata_type):
    """Compare our TypeDecorators by their storage type (the database only knows that)."""
    if isinstance(metadata_type, TypeDecorator):
        metadata_type = metadata_type.impl
    return context.impl.compare_type(
        inspected_column, sa.Column(metadata_column.name, metadata_type)
    )


def run_migrations_offline():
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_db.metadata,
        literal_binds=True,
        render_item=render_item,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    autogenerate = getattr(config.cmd_opts, "autogenerate", False)

    def process_revision_directives(context, revision, directives):
        if autogenerate and directives[0].upgrade_ops.is_empty():
            directives[:] = []
            logger.info("No changes in schema detected.")

    conf_args = dict(current_app.extensions["migrate"].configure_args)
    conf_args.pop("compare_type", None)
    conf_args.pop("render_as_batch", None)
    conf_args.setdefault("process_revision_directives", process_revision_directives)
    with get_engine().connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_db.metadata,
            render_item=render_item,
            compare_type=compare_type,
            render_as_batch=True,
            **conf_args,
        )
        with context.begin_transaction():
            context.run_migrations()
        # Only a schema at the head matches the models the sync writes through (a downgrade
        # by one step leaves columns the models still name missing).
        at_head = set(context.get_context().get_current_heads()) == set(context.script.get_heads())
    if not autogenerate and at_head and sa.inspect(get_engine()).has_table("category"):
        from marketplace import catalog_loader

        report = catalog_loader.sync()
        logger.info("catalogue synced: %s categories", report["categories"])


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
