"""Survey import use cases: preview a demolition survey as listings, publish it all at once (all
or nothing, one transaction), and undo it. Every row is checked by the rules of a typed listing
(services/listings.py `listing_values`); this module adds only what a file needs."""

from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from .. import clock
from ..auth import acting_user
from ..database import write_transaction
from ..errors import Forbidden, NotFound, ValidationFailed
from ..models import Category, Listing, ListingStatus, Role, Site, SurveyImport
from . import survey_file, survey_rows
from .listings import listing_take_down, listing_values, listings_add

# A typed listing's field → the survey column its error belongs to.
_COLUMN_OF = {"category": "material", "site_id": "material", "language": "material"}


@dataclass
class RowResult:
    """One survey row as it would become a listing, or why it cannot."""

    line: int
    ok: bool
    errors: dict[str, str]
    listing: dict
    code: str | None = None


@dataclass
class ImportResult:
    """Every row's result; after a real run also the import and the listings it created."""

    rows: list[RowResult]
    import_id: int | None = None
    created: list[int] = field(default_factory=list)

    @property
    def valid(self) -> int:
        return sum(r.ok for r in self.rows)

    @property
    def invalid(self) -> int:
        return len(self.rows) - self.valid


def _builder(session, user_id: int):
    return acting_user(
        session, user_id, Role.BUILDER, denied=Forbidden(_l("Only builders can list material."))
    )


def _preview(values: dict, today) -> dict:
    kg = values.get("kg_per_unit")
    return {
        "title": values["title"],
        "category": values["category_slug"],
        "quantity": str(values["quantity"]),
        "unit": values["unit"],
        "kg_per_unit": None if kg is None else str(kg),
        "total_kg": None if kg is None else str(values["quantity"] * kg),
        "condition": values["condition"].value,
        "available_from": values["available_from"].isoformat(),
        "available_until": values["available_until"].isoformat(),
        "still_installed": values["available_from"] > today,
        "price_cents": values["price_cents"],
    }


def _check_rows(session, user, site: Site, rows) -> list[tuple[RowResult, dict | None]]:
    locale = str(get_locale() or user.locale)
    categories = {c.slug: c for c in session.scalars(sa.select(Category))}
    index = survey_rows.material_index(list(categories.values()))
    today, checked = clock.today(), []
    for line, raw in rows:
        fields, errors, code = survey_rows.row_fields(raw, index, categories, locale)
        values = None
        try:
            values = listing_values(session, user, fields | {"site_id": site.id})
        except ValidationFailed as exc:
            for name, message in exc.fields.items():
                errors.setdefault(_COLUMN_OF.get(name, name), str(message))
            code = code or exc.code
        errors = {k: str(v) for k, v in errors.items()}
        ok = values is not None and not errors
        preview = (
            _preview(values, today)
            if values is not None
            else {"title": fields["title"], "category": fields["category"]}
        )
        checked.append(
            (
                RowResult(line, ok, errors, preview, None if ok else code or "validation_failed"),
                values,
            )
        )
    return checked


def survey_import(
    *,
    user_id: int,
    site_id: int,
    data: bytes,
    content_type: str,
    filename: str = "",
    dry_run: bool = True,
) -> ImportResult:
    """Check every row of a survey file; unless `dry_run`, publish them all as listings of the
    site in this one transaction, or none (422 `validation_failed` with every row's result)."""
    with write_transaction() as session:
        user = _builder(session, user_id)
        site = session.get(Site, site_id)
        if site is None or site.organization_id != user.organization_id:
            raise NotFound()
        checked = _check_rows(session, user, site, survey_file.read(data, content_type))
        result = ImportResult([row for row, _ in checked])
        if dry_run:
            return result
        if result.invalid:
            raise ValidationFailed(
                _l(
                    "%(n)d of the survey's rows are not valid; nothing was imported.",
                    n=result.invalid,
                ),
                rows=[row_json(r) for r in result.rows],
                valid=result.valid,
                invalid=result.invalid,
            )
        record = SurveyImport(
            organization_id=user.organization_id,
            site_id=site.id,
            created_by_id=user.id,
            filename=filename[:200],
            row_count=len(checked),
        )
        session.add(record)
        session.flush()
        listings = listings_add(
            session, user, [values for _row, values in checked], import_id=record.id
        )
        result.created = [listing.id for listing in listings]
        result.import_id = record.id
    return result


def row_json(row: RowResult) -> dict:
    """A row's result as the contract shows it."""
    return {
        "line": row.line,
        "ok": row.ok,
        "errors": row.errors,
        "code": row.code,
        "listing": row.listing,
    }


def survey_import_undo(*, user_id: int, import_id: int) -> tuple[list[int], list[int]]:
    """Withdraw, in one transaction, an import's open listings that nobody has reserved or
    collected from; the others are kept. (withdrawn ids, kept ids)."""
    with write_transaction() as session:
        user = _builder(session, user_id)
        record = session.get(SurveyImport, import_id)
        if record is None or not record.can_manage(user):
            raise NotFound()
        withdrawn, kept = [], []
        query = sa.select(Listing).where(Listing.import_id == import_id).order_by(Listing.id)
        for listing in session.scalars(query):
            if listing.status == ListingStatus.WITHDRAWN:
                continue
            if listing.is_open and listing.quantity_reserved == 0 == listing.quantity_collected:
                listing_take_down(session, listing, user, "survey import undone")
                withdrawn.append(listing.id)
            else:
                kept.append(listing.id)
        record.undone_at = record.undone_at or clock.now()
    return withdrawn, kept
