"""Carbon-factor versions: load a new version from a CSV file, choose the active one.

A version, once loaded, never changes (models/city.py refuses updates of its factors), so every
handover's recorded figure can be recomputed from the version it names. Only new handovers use
the active version; nothing already in the ledger is rewritten.
"""

import csv
import hashlib
import io
import re
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..auth import acting_user
from ..catalog_loader import read_catalogue
from ..database import write_transaction
from ..errors import NotFound, ValidationFailed
from ..models import CarbonFactor, Category, FactorSet, Role, StaffAction, User
from ..models.types import to_milli
from . import validation as v

COLUMNS = ("category_slug", "kg_co2e_per_kg", "source", "reference", "confidence", "note")
CONFIDENCE = ("verified", "secondary", "estimate")
VERSION_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{1,39}$")
MAX_FACTOR = Decimal("100")  # kg CO2e per kg; the highest ICE row we know is ~13 (aluminium)
MAX_BYTES = 200_000


class FactorTableInvalid(ValidationFailed):
    """The uploaded file has errors; `details["lines"]` lists (line number, message) pairs."""

    default_message = _l("The factor table has errors; nothing was loaded.")


def _city(session, user_id: int) -> User:
    return acting_user(session, user_id, Role.CITY)


def parse_table(text: str, known: set[str]) -> tuple[list[dict], list[tuple[int, str]]]:
    """Rows and (line, message) errors of a factor CSV; line 1 is the header."""
    text = text.lstrip("\ufeff")
    delimiter = (
        ";" if text.split("\n", 1)[0].count(";") > text.split("\n", 1)[0].count(",") else ","
    )
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = [h.strip().lower() for h in next(reader, [])]
    if sorted(header) != sorted(COLUMNS):
        return [], [
            (
                1,
                str(
                    _l(
                        "The header must name exactly these columns: %(columns)s.",
                        columns=", ".join(COLUMNS),
                    )
                ),
            )
        ]
    rows, errors, seen = [], [], {}
    for values in reader:
        line = reader.line_num
        if not any(value.strip() for value in values):
            continue
        if len(values) != len(header):
            errors.append(
                (
                    line,
                    str(
                        _l(
                            "Expected %(n)d values, found %(found)d.",
                            n=len(header),
                            found=len(values),
                        )
                    ),
                )
            )
            continue
        row = {name: value.strip() for name, value in zip(header, values, strict=True)}
        errors.extend((line, str(message)) for message in _row_errors(row, known, seen, line))
        rows.append(row)
    if not rows and not errors:
        errors.append((2, str(_l("The file has no factors."))))
    return rows, errors


def _row_errors(row: dict, known: set[str], seen: dict, line: int) -> list:
    problems = []
    slug = row["category_slug"]
    if slug not in known:
        problems.append(_l("Unknown category “%(slug)s”.", slug=slug[:40]))
    elif slug in seen:
        problems.append(_l("“%(slug)s” is already on line %(line)d.", slug=slug, line=seen[slug]))
    seen.setdefault(slug, line)
    try:
        factor = Decimal(row["kg_co2e_per_kg"].replace(",", "."))
        to_milli(factor, 6)
        if not factor.is_finite() or factor < 0 or factor > MAX_FACTOR:
            raise ValueError
        row["kg_co2e_per_kg"] = factor
    except (InvalidOperation, ValueError):
        problems.append(
            _l(
                "kg_co2e_per_kg must be a number from 0 to %(max)s with at most 6 decimals.",
                max=MAX_FACTOR,
            )
        )
    if not row["source"] or len(row["source"]) > 20:
        problems.append(_l("source must be a source id of 1–20 characters (e.g. S10)."))
    if len(row["reference"]) > 300:
        problems.append(_l("reference must be at most 300 characters."))
    if row["confidence"] not in CONFIDENCE:
        problems.append(_l("confidence must be one of: %(values)s.", values=", ".join(CONFIDENCE)))
    if len(row["note"]) > 2000:
        problems.append(_l("note must be at most 2000 characters."))
    return problems


def factor_set_load(
    *, user_id: int, version_id: str, name: str, data: bytes, rule: str = "", filename: str = ""
) -> FactorSet:
    """Load a new, inactive factor-set version from CSV bytes; any error loads nothing."""
    errors = v.Errors()
    version_id = v.text(errors, "version_id", version_id, max_len=40).lower()
    name = v.text(errors, "name", name, min_len=3, max_len=300)
    rule = v.text(errors, "rule", rule, required=False, max_len=5000)
    if "version_id" not in errors and not VERSION_ID.match(version_id):
        errors["version_id"] = _l(
            "Use 2–40 lower-case letters, digits, dots, dashes or underscores."
        )
    if len(data) > MAX_BYTES:
        errors["file"] = _l("The file is too large (at most %(n)d kB).", n=MAX_BYTES // 1000)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        errors["file"] = _l("Save the file as UTF-8 text (CSV).")
        text = ""
    errors.raise_if_any()
    with write_transaction() as session:
        user = _city(session, user_id)
        if session.get(FactorSet, version_id) is not None:
            v.Errors(
                version_id=_l(
                    "Version “%(id)s” exists already; versions never change, choose a new id.",
                    id=version_id,
                )
            ).raise_if_any()
        known = set(session.scalars(sa.select(Category.slug)))
        rows, line_errors = parse_table(text, known)
        if line_errors:
            raise FactorTableInvalid(
                fields={"file": "; ".join(f"{n}: {m}" for n, m in line_errors[:20])},
                lines=line_errors,
            )
        factor_set = FactorSet(
            id=version_id, name=name, rule=rule, sources=_sources(session, rows), active=False
        )
        session.add(factor_set)
        for row in rows:
            session.add(
                CarbonFactor(
                    factor_set=factor_set,
                    category_slug=row["category_slug"],
                    kg_co2e_per_kg=row["kg_co2e_per_kg"],
                    source=row["source"],
                    reference=row["reference"],
                    confidence=row["confidence"],
                    note=row["note"],
                )
            )
        session.add(
            StaffAction(
                actor_id=user.id,
                kind="factor_set.loaded",
                subject=version_id,
                data={
                    "factors": len(rows),
                    "filename": filename[:200],
                    "sha256": hashlib.sha256(data).hexdigest(),
                },
            )
        )
    return factor_set


def _sources(session, rows: list[dict]) -> dict:
    """The full references of the source ids the rows cite, as far as they are known."""
    known = dict(read_catalogue().get("sources", {}))
    for held in session.scalars(sa.select(FactorSet.sources)):
        known.update(held or {})
    return {row["source"]: known[row["source"]] for row in rows if row["source"] in known}


def factor_set_activate(*, user_id: int, factor_set_id: str) -> FactorSet:
    """Make a version the one new handovers are computed with (exactly one is active)."""
    with write_transaction() as session:
        user = _city(session, user_id)
        chosen = session.get(FactorSet, factor_set_id)
        if chosen is None:
            raise NotFound()
        previous = session.scalar(sa.select(FactorSet.id).where(FactorSet.active))
        session.execute(
            sa.update(FactorSet)
            .where(FactorSet.id != chosen.id)
            .values(active=False)
            .execution_options(synchronize_session=False)
        )
        chosen.active = True
        session.add(
            StaffAction(
                actor_id=user.id,
                kind="factor_set.activated",
                subject=chosen.id,
                data={"previous": previous},
            )
        )
    return chosen
