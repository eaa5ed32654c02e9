"""`flask places load FILE`: fill the gazetteer that address search reads without a geocoder."""

from pathlib import Path

import click

from . import loader

SHOWN_REFUSALS = 50  # a country-wide file with a systematic problem would print millions


@click.group("places")
def places():
    """The local gazetteer of street addresses."""


@places.command("load")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--source",
    help="Name of the data and its licence, shown with results (default: the file's name)",
)
@click.option("--encoding", default="utf-8-sig", show_default=True, help="The file's text encoding")
def places_load(path: Path, source: str | None, encoding: str):
    """Load street addresses from a CSV file with the columns street, number, postcode, lat,
    lng (WGS84 degrees; street_sv optional). Loading a file again replaces its rows."""
    source = (source or path.name).strip()[:200]
    try:
        with path.open(encoding=encoding, newline="") as lines:
            report = loader.load(lines, source=source)
    except (loader.FileRefused, UnicodeDecodeError) as exc:
        raise click.ClickException(f"{path}: {exc}") from None
    for line, reason in report.refused[:SHOWN_REFUSALS]:
        click.echo(f"{path}:{line}: {reason}", err=True)
    if len(report.refused) > SHOWN_REFUSALS:
        click.echo(f"… and {len(report.refused) - SHOWN_REFUSALS} more lines refused", err=True)
    click.echo(
        f"{source}: {report.loaded} addresses loaded ({report.replaced} replaced),"
        f" {report.skipped} already held, {len(report.refused)} lines refused"
    )
    if report.refused:
        raise SystemExit(1)
