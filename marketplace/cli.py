"""Flask commands: users, tokens, demo data, catalogue, worker, search, backup and restore."""

import click
from flask import Flask

from .errors import ValidationFailed
from .places.cli import places


def init_app(app: Flask):
    """Register the command groups."""
    app.cli.add_command(users)
    app.cli.add_command(seed)
    app.cli.add_command(catalog)
    app.cli.add_command(worker)
    app.cli.add_command(search)
    app.cli.add_command(backup)
    app.cli.add_command(restore)
    app.cli.add_command(places)


def _fail(exc: ValidationFailed):
    details = "; ".join(f"{k}: {v}" for k, v in exc.fields.items()) or str(exc.message)
    raise click.ClickException(details)


@click.group()
def users():
    """Manage accounts."""


@users.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(["builder", "resident", "city"]), required=True)
@click.option("--org", "org_name", default="", help="Organisation name (builders)")
@click.option("--business-id", default="", help="Finnish business ID (builders), e.g. 1234567-1")
@click.option(
    "--password", default=None, help="Password; a random one is generated and printed if omitted"
)
@click.option("--name", "display_name", default="", help="Display name")
def users_create(email, role, org_name, business_id, password, display_name):
    """Create an account. City staff accounts can only be created here."""
    from .services import accounts

    if role == "builder" and not business_id:
        raise click.UsageError("builders need --business-id (and --org for a new organisation)")
    try:
        user, used = accounts.user_create(
            email=email,
            role=role,
            password=password,
            display_name=display_name,
            organization_name=org_name,
            business_id=business_id,
        )
    except ValidationFailed as exc:
        _fail(exc)
    click.echo(f"created {user.role.value} {user.email} (id {user.id})")
    if password is None:
        click.echo(f"password: {used}")


@users.command("token")
@click.argument("email")
@click.option("--name", default="cli", help="A label for the token")
def users_token(email, name):
    """Print a new API token for EMAIL."""
    import sqlalchemy as sa

    from .extensions import db
    from .models import User
    from .services import accounts

    user = db.session.scalar(sa.select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise click.ClickException(f"no user {email}")
    _token, raw = accounts.token_create(user_id=user.id, name=name)
    click.echo(raw)


@click.group()
def seed():
    """Load data."""


@seed.command("demo")
@click.option("--photos/--no-photos", default=True, help="Generate placeholder photos")
def seed_demo(photos):
    """Load the Kera demo data (idempotent: what exists is kept)."""
    from . import demo

    report = demo.load(with_photos=photos)
    click.echo(f"demo data: {report['created']} created, {report['kept']} already there")
    click.echo(f"demo logins (password for all: {demo.DEMO_PASSWORD}):")
    for email, role in report["logins"]:
        click.echo(f"  {role:9} {email}")


@seed.command("bulk")
@click.option("--listings", type=int, required=True, help="How many listings, e.g. 100000")
@click.option("--seed", "seed_", type=int, default=20261130, help="Random seed (same data)")
def seed_bulk(listings, seed_):
    """Fill an EMPTY database with generated listings and their history, then reindex."""
    from . import bulk_seed

    try:
        bulk_seed.check_size(listings)
        report = bulk_seed.bulk_seed(listings, seed=seed_, echo=click.echo)
    except bulk_seed.BulkSeedRefused as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(
        f"bulk data: {report['listings']:,} listings, {report['reservations']:,} reservations, "
        f"{report['handovers']:,} handovers, {report['sites']} sites, "
        f"{report['organizations']} organisations, {report['residents']:,} residents "
        f"in {report['write_s']} s; index {report['indexed']} in {report['index_s']} s"
    )
    click.echo(f"every account's password: {bulk_seed.PASSWORD}")


@click.group()
def catalog():
    """The materials catalogue."""


@catalog.command("sync")
def catalog_sync():
    """Load marketplace/data/catalogue.toml into the database (also done by `flask db upgrade`)."""
    from . import catalog_loader

    report = catalog_loader.sync()
    click.echo(
        f"{report['categories']} categories, {report['factors']} carbon factors"
        + (" (new factor set loaded)" if report["factor_set_created"] else "")
    )


@click.command("worker")
@click.option("--once", is_flag=True, help="Run the chores and deliver what is due, then exit")
@click.option(
    "--poll",
    default=2.0,
    help="Seconds between runs of the chores (messages are delivered as soon as they are due)",
)
def worker(once, poll):
    """Deliver outbox messages and run the scheduled chores."""
    from . import outbox

    if once:
        click.echo(f"delivered {outbox.run_once()} message(s)")
    else:
        outbox.run_forever(poll_seconds=poll)


@click.group()
def search():
    """The search indexes."""


@search.command("reindex")
def search_reindex():
    """Rebuild every index from the database (Meilisearch: a fresh index, then a swap)."""
    from .search import service, sync

    for backend in service.backends():
        click.echo(f"{backend.name}: {sync.reindex(backend)} documents")


@search.command("status")
def search_status():
    """Compare the number of searchable listings with each index."""
    from .search import sync

    report = sync.status()
    for name, count in report.items():
        click.echo(f"{name:12} {count}")
    if len(set(report.values())) > 1:
        raise click.ClickException("the indexes are out of step; run `flask search reindex`")


@search.command("settings")
def search_settings():
    """Create the indexes and apply their settings (idempotent)."""
    from .search import service

    for backend in service.backends():
        backend.apply_settings()
        click.echo(f"{backend.name}: settings applied")


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--force", is_flag=True, help="Overwrite PATH if it exists")
def backup(path, force):
    """Copy the SQLite database to PATH while the app runs (PostgreSQL: use pg_dump)."""
    from .ops import backup as backups

    try:
        written = backups.backup(path, overwrite=force)
    except backups.BackupRefused as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"backed up to {written} (schema {backups.revision(str(written))})")
    click.echo("Photos live in UPLOAD_DIR: copy that folder too.")


@click.command("restore")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation")
def restore(path, yes):
    """Replace the SQLite database with the (checked) backup at PATH; PostgreSQL: pg_restore."""
    from .ops import backup as backups

    try:
        backups.live_path()
        revision = backups.check(path)
        if not yes:
            click.confirm("Replace every row of the database with the backup?", abort=True)
        kept = backups.restore(path)
    except backups.BackupRefused as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"restored {path} (schema {revision})")
    if kept:
        click.echo(f"the replaced database was kept as {kept}")
    click.echo("Now run `flask search reindex`: the search index is rebuilt from the database.")
