"""API: impact figures from the handover ledger, the ledger and the waste-class summary for city
staff, and the open-data table (aggregates only, CC BY 4.0) for everyone."""

from datetime import date
from decimal import Decimal

from flask import request
from flask_babel import gettext as _

from .. import clock
from ..client_input import parse_id
from ..errors import Forbidden, Unauthenticated
from ..models import Role
from ..queries import exports as export_queries
from ..queries import impact as impact_queries
from . import csvfiles, parameters, present, schemas
from .auth import current, login_required
from .blueprint import bp
from .io import BadRequest, doc, respond

LEDGER_COLUMNS = (
    "id",
    "kind",
    "corrects_id",
    "created_at",
    "listing_id",
    "reservation_id",
    "site_id",
    "organization_id",
    "category",
    "ewc_code",
    "quantity",
    "unit",
    "mass_kg",
    "mass_source",
    "factor_set",
    "factor_kg_co2e_per_kg",
    "factor_source",
    "co2e_avoided_kg",
)
WASTE_COLUMNS = (
    "period_from",
    "period_to",
    "organization_id",
    "site_id",
    "ewc_code",
    "ewc_title",
    "hazardous",
    "categories",
    "handovers",
    "mass_kg",
    "mass_t",
)
OPEN_DATA_COLUMNS = {
    "month": "Calendar month of the ledger entries, YYYY-MM, Helsinki time",
    "category": "Material category id of the exchange's catalogue (stable slug)",
    "category_name_en": "The category's English name",
    "ewc_code": "List of Waste (EWC) code of the fraction the material would otherwise have become",
    "handovers": "Number of handovers (corrections do not add to it)",
    "diverted_kg": "Net mass handed over for reuse, kg (three decimals = grams)",
    "diverted_kg_measured": "Part of diverted_kg that was weighed at handover",
    "diverted_kg_declared": "Part of diverted_kg computed from the seller's declared mass per unit",
    "diverted_kg_estimated": (
        "Part of diverted_kg computed from the catalogue's typical mass per unit"
    ),
    "co2e_avoided_kg": "Indicative avoided production emissions, kg CO2e (not an offset)",
}


def _period() -> tuple[date | None, date | None]:
    values = []
    for name in ("from", "to"):
        raw = request.args.get(name, "").strip()
        try:
            values.append(date.fromisoformat(raw) if raw else None)
        except ValueError:
            raise BadRequest(
                _("Enter a date as YYYY-MM-DD."), fields={name: _("Enter a date as YYYY-MM-DD.")}
            ) from None
    if values[0] and values[1] and values[0] > values[1]:
        raise BadRequest(
            _("'from' must not be after 'to'."),
            fields={"from": _("'from' must not be after 'to'.")},
        )
    return values[0], values[1]


def _scope() -> dict:
    """organization_id and site_id filters (whole numbers) from the query string."""
    scope = {}
    for name in ("organization_id", "site_id"):
        raw = request.args.get(name, "").strip()
        if raw:
            scope[name] = parse_id(raw)  # ASCII digits, at most 2^63-1: SQLite binds no more
            if scope[name] is None:
                raise BadRequest(
                    _("Enter a whole number."), fields={name: _("Enter a whole number.")}
                )
    return scope


@bp.get("/impact")
@doc(
    "Diverted mass and CO2e avoided",
    response=schemas.ImpactOut,
    errors=(400, 401, 403),
    query=parameters.IMPACT,
)
def impact():
    """Totals are public; grouping by site or organisation needs the city role."""
    start, end = _period()
    group_by = request.args.get("group_by", "").strip()
    if group_by and group_by not in impact_queries.CITY_GROUPS:
        raise BadRequest(
            _("group_by must be one of: %(values)s.", values=", ".join(impact_queries.CITY_GROUPS)),
            fields={"group_by": _("Unknown grouping.")},
        )
    if group_by in ("site", "organization"):
        if current() is None:
            raise Unauthenticated()
        if not current().is_city:
            raise Forbidden(_("Figures by site or organisation are for city staff."))
    totals = impact_queries.totals(start, end)
    groups = impact_queries.grouped(group_by, present.locale(), start, end) if group_by else []
    return respond(
        schemas.ImpactOut(
            **{"from": start},
            to=end,
            diverted_kg=totals.diverted_kg,
            co2e_avoided_kg=totals.co2e_avoided_kg,
            handovers=totals.handovers,
            groups=[schemas.ImpactGroup(**vars(g)) for g in groups],
        )
    )


def _ledger_values(h) -> list:
    return [
        h.id,
        h.kind.value,
        h.corrects_id,
        h.created_at,
        h.listing_id,
        h.reservation_id,
        h.site_id,
        h.organization_id,
        h.category_slug,
        h.ewc_code,
        h.quantity,
        h.unit,
        h.mass_kg,
        h.mass_source,
        h.factor_set_id,
        h.factor_kg_co2e_per_kg,
        h.factor_source,
        h.co2e_avoided_kg,
    ]


@bp.get("/impact/handovers.csv")
@login_required(Role.CITY)
@doc(
    "The handover ledger as CSV (city staff)",
    errors=(400, 401, 403),
    query={**parameters.PERIOD, **parameters.CSV_VARIANT},
    media="text/csv",
)
def handovers_csv():
    """Every ledger row, corrections included, with the factor used for each."""
    start, end = _period()
    variant = csvfiles.variant()
    # The JSON rows' values; csv writes an absent value (None) as an empty cell, and the time
    # goes out in ISO 8601 ("T", not str()'s space).
    rows = (
        [
            value.isoformat() if column == "created_at" else value
            for column, value in zip(LEDGER_COLUMNS, _ledger_values(h), strict=True)
        ]
        for h in impact_queries.ledger(start, end)
    )
    return csvfiles.csv_response(LEDGER_COLUMNS, rows, "handovers.csv", variant)


@bp.get("/impact/handovers.json")
@login_required(Role.CITY)
@doc(
    "The handover ledger as JSON (city staff)",
    response=schemas.LedgerOut,
    errors=(400, 401, 403),
    query=parameters.SCOPE,
)
def handovers_json():
    """The same rows and names as handovers.csv; numbers are JSON numbers, absent values null."""
    start, end = _period()
    rows = [
        schemas.LedgerRowOut(**dict(zip(LEDGER_COLUMNS, _ledger_values(h), strict=True)))
        for h in impact_queries.ledger(start, end, **_scope())
    ]
    return respond(schemas.LedgerOut(**{"from": start}, to=end, count=len(rows), handovers=rows))


def _waste_report():
    start, end = _period()
    scope = _scope()
    classes = export_queries.waste_summary(present.locale(), start, end, **scope)
    return start, end, scope, classes


@bp.get("/impact/waste-report")
@login_required(Role.CITY)
@doc(
    "Net mass per waste class (EWC code), for the Building Act 751/2023 report (city staff)",
    response=schemas.WasteReportOut,
    errors=(400, 401, 403),
    query=parameters.SCOPE,
)
def waste_report():
    """By weight per List of Waste code, in kg and t, for a period, organisation or site."""
    start, end, scope, classes = _waste_report()
    total = sum((c.mass_kg for c in classes), start=Decimal("0.000"))
    return respond(
        schemas.WasteReportOut(
            **{"from": start},
            to=end,
            organization_id=scope.get("organization_id"),
            site_id=scope.get("site_id"),
            total_kg=total,
            total_t=total / 1000,
            classes=[
                schemas.WasteClassOut(
                    **{k: getattr(c, k) for k in schemas.WasteClassOut.model_fields}
                )
                for c in classes
            ],
        )
    )


@bp.get("/impact/waste-report.csv")
@login_required(Role.CITY)
@doc(
    "The waste-class summary as CSV (city staff)",
    errors=(400, 401, 403),
    query={**parameters.SCOPE, **parameters.CSV_VARIANT},
    media="text/csv",
)
def waste_report_csv():
    """One row per EWC code, each repeating the period and filters so that it stands alone."""
    variant = csvfiles.variant()
    start, end, scope, classes = _waste_report()
    rows = (
        [
            start or "",
            end or "",
            scope.get("organization_id", ""),
            scope.get("site_id", ""),
            c.ewc_code,
            c.title,
            "yes" if c.hazardous else "no",
            "; ".join(c.categories),
            c.handovers,
            c.mass_kg,
            c.mass_t.quantize(Decimal("0.000001")),
        ]
        for c in classes
    )
    return csvfiles.csv_response(WASTE_COLUMNS, rows, "waste-report.csv", variant)


def _open_data_body(start, end) -> schemas.OpenDataOut:
    totals = impact_queries.totals(start, end)
    return schemas.OpenDataOut(
        dataset="kera-material-exchange-impact",
        licence="CC BY 4.0",
        title=(
            "Kera Material Exchange: construction material handed over for reuse,"
            " by month and material"
        ),
        licence_url="https://creativecommons.org/licenses/by/4.0/",
        attribution="City of Espoo, Kera Material Exchange",
        generated_at=clock.now(),
        **{"from": start},
        to=end,
        columns=OPEN_DATA_COLUMNS,
        factor_sets=export_queries.factor_sets_used(start, end),
        totals=schemas.OpenDataTotals(
            diverted_kg=totals.diverted_kg,
            co2e_avoided_kg=totals.co2e_avoided_kg,
            handovers=totals.handovers,
        ),
        rows=[
            schemas.OpenDataRowOut(**row.as_dict()) for row in export_queries.open_data(start, end)
        ],
    )


@bp.get("/open-data/impact")
@doc(
    "Open data: reuse by month and material (CC BY 4.0, no personal data)",
    response=schemas.OpenDataOut,
    errors=(400,),
    query=parameters.PERIOD,
)
def open_data():
    """Aggregates only; column names are stable and documented in the README ("Open data")."""
    start, end = _period()
    return respond(_open_data_body(start, end))


@bp.get("/open-data/impact.csv")
@doc(
    "Open data as CSV (CC BY 4.0, no personal data)",
    errors=(400,),
    query={**parameters.PERIOD, **parameters.CSV_VARIANT},
    media="text/csv",
)
def open_data_csv():
    """The rows of /open-data/impact under the same column names; the licence is in a header."""
    start, end = _period()
    variant = csvfiles.variant()
    rows = (
        [row.as_dict()[name] for name in OPEN_DATA_COLUMNS]
        for row in export_queries.open_data(start, end)
    )
    response = csvfiles.csv_response(tuple(OPEN_DATA_COLUMNS), rows, "kera-impact.csv", variant)
    response.headers["Link"] = '<https://creativecommons.org/licenses/by/4.0/>; rel="license"'
    return response
