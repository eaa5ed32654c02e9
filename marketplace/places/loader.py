"""Loading the gazetteer from an open address file (`flask places load FILE`).

The file is CSV (comma or semicolon) with a header naming the columns street, number,
postcode, lat and lng (any order; street_sv optional; other columns ignored) and coordinates in
WGS84 decimal degrees. Lines starting with # before the header are comments.

A load replaces the rows of its source (the --source name, by default the file's name), so
loading the same file twice leaves the same rows. An address appears once: the first line
wins, later lines with the same street, number and postcode (another building of the same
address) are skipped by the database's unique key, as is an address another source holds.
A line that cannot be read is reported with its line number and not loaded; the rest of the
file still is.
"""

import csv
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from ..database import write_transaction
from ..models import GazetteerEntry
from .base import FINLAND, search_key

REQUIRED = ("street", "number", "postcode", "lat", "lng")
OPTIONAL = ("street_sv",)
BATCH = 1000
_POSTCODE = re.compile(r"\d{5}", re.ASCII)
_DEGREES = re.compile(r"[+-]?\d{1,3}(?:[.,]\d+)?", re.ASCII)
_MAX = {"street": 120, "street_sv": 120, "number": 20}


class FileRefused(ValueError):
    """The file cannot be loaded at all (no header, a required column missing)."""


@dataclass
class LoadReport:
    """What a load did: rows now held for the source, lines skipped, lines refused and why."""

    source: str
    valid: int = 0  # lines read as an address
    loaded: int = 0  # rows the source holds now
    replaced: int = 0  # rows of the source before the load
    refused: list[tuple[int, str]] = field(default_factory=list)

    @property
    def skipped(self) -> int:
        """Valid lines not loaded: their address was already held (an earlier line of the
        file, another building at the same address, or another source)."""
        return self.valid - self.loaded


def load(lines: Iterable[str], *, source: str) -> LoadReport:
    """Replace the gazetteer rows of `source` with the addresses in `lines` (one transaction)."""
    report = LoadReport(source=source)
    rows = _rows(lines, report)
    with write_transaction() as session:
        report.replaced = session.execute(
            sa.delete(GazetteerEntry).where(GazetteerEntry.source == source)
        ).rowcount
        insert = _insert_ignoring_duplicates(session)
        batch = []
        for row in rows:
            batch.append(row)
            if len(batch) == BATCH:
                session.execute(insert, batch)
                batch = []
        if batch:
            session.execute(insert, batch)
        report.loaded = session.scalar(
            sa.select(sa.func.count()).where(GazetteerEntry.source == source)
        )
    return report


def _insert_ignoring_duplicates(session):
    """INSERT … ON CONFLICT DO NOTHING on the address's unique key (SQLite and PostgreSQL)."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(GazetteerEntry).on_conflict_do_nothing(
        index_elements=["street_key", "number", "postcode"]
    )


def _rows(lines: Iterable[str], report: LoadReport) -> Iterator[dict]:
    """The file's valid rows as column values; refused lines go to the report."""
    lines = iter(lines)
    skipped = 0  # comment and blank lines before the header
    for header_line in lines:
        if header_line.strip() and not header_line.lstrip().startswith("#"):
            break
        skipped += 1
    else:
        raise FileRefused("the file has no header line")
    delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
    header = [name.strip().lower() for name in next(csv.reader([header_line], delimiter=delimiter))]
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise FileRefused(
            f"line {skipped + 1}: the header lacks {', '.join(missing)}"
            f" (it needs {', '.join(REQUIRED)})"
        )
    columns = {name: header.index(name) for name in REQUIRED + OPTIONAL if name in header}
    reader = csv.reader(lines, delimiter=delimiter)
    for values in reader:
        line = skipped + 1 + reader.line_num
        if not any(v.strip() for v in values):
            continue
        try:
            row = _row(values, columns)
        except ValueError as exc:
            report.refused.append((line, str(exc)))
            continue
        report.valid += 1
        yield row | {"source": report.source}


def _row(values: list[str], columns: dict) -> dict:
    """One line's values checked: text lengths, a five-digit postcode, WGS84 degrees in Finland."""
    if len(values) <= max(columns.values()):
        raise ValueError(f"{len(values)} columns, the header names {max(columns.values()) + 1}")
    text = {name: " ".join(values[index].split()) for name, index in columns.items()}
    if not text["street"]:
        raise ValueError("street is empty")
    for name, limit in _MAX.items():
        if len(text.get(name) or "") > limit:
            raise ValueError(f"{name} is longer than {limit} characters")
    if not _POSTCODE.fullmatch(text["postcode"]):
        raise ValueError(f"postcode {text['postcode'][:20]!r} is not five digits")
    lat, lng = _degrees(text["lat"], "lat"), _degrees(text["lng"], "lng")
    if not FINLAND.contains(lat, lng):
        raise ValueError(
            f"lat {lat}, lng {lng} is not in Finland (WGS84 degrees: lat"
            f" {FINLAND.lat_min}–{FINLAND.lat_max}, lng {FINLAND.lng_min}–{FINLAND.lng_max};"
            " are lat and lng swapped?)"
        )
    street_sv = text.get("street_sv") or None
    return {
        "street": text["street"],
        "street_sv": street_sv,
        "street_key": search_key(text["street"]),
        "street_sv_key": search_key(street_sv) if street_sv else None,
        "number": text["number"],
        "postcode": text["postcode"],
        "lat": lat,
        "lng": lng,
    }


def _degrees(value: str, name: str) -> float:
    """Decimal degrees, with a decimal point or comma; metres (ETRS-TM35FIN) are refused."""
    if re.fullmatch(r"[+-]?\d{5,}(?:[.,]\d+)?", value):
        raise ValueError(
            f"{name} {value[:20]!r} looks like metres (ETRS-TM35FIN);"
            " convert the coordinates to WGS84 degrees first"
        )
    if not _DEGREES.fullmatch(value):
        raise ValueError(f"{name} {value[:20]!r} is not a number of degrees")
    return float(value.replace(",", "."))
