"""API: impact figures from the handover ledger, and the ledger itself for city staff."""
import csv
import io
from datetime import date

from flask import Response, request
from flask_babel import gettext as _

from ..errors import Forbidden
from ..models import Role
from ..queries import impact as impact_queries
from . import bp, present, schemas
from .auth import current, login_required
from .io import BadRequest, doc, respond

LEDGER_COLUMNS = ("id", "kind", "corrects_id", "created_at", "listing_id", "reservation_id", "site_id",
                  "organization_id", "category", "ewc_code", "quantity", "unit", "mass_kg", "mass_source",
                  "factor_set", "factor_kg_co2e_per_kg", "factor_source", "co2e_avoided_kg")


def _period() -> tuple[date | None, date | None]:
    values = []
    for name in ("from", "to"):
        raw = request.args.get(name, "").strip()
        try:
            values.append(date.fromisoformat(raw) if raw else None)
        except ValueError:
            raise BadRequest(_("Enter a date as YYYY-MM-DD."), fields={name: _("Enter a date as YYYY-MM-DD.")}) from None
    if values[0] and values[1] and values[0] > values[1]:
        raise BadRequest(_("'from' must not be after 'to'."), fields={"from": _("'from' must not be after 'to'.")})
    return values[0], values[1]


@bp.get("/impact")
@doc("Diverted mass and CO2e avoided", response=schemas.ImpactOut, errors=(400, 403),
     query={"from": "YYYY-MM-DD (inclusive, Helsinki time)", "to": "YYYY-MM-DD (inclusive)",
            "group_by": "category, ewc_code, site (city staff), month"})
def impact():
    """Totals are public; grouping by site needs the city role."""
    start, end = _period()
    group_by = request.args.get("group_by", "").strip()
    if group_by and group_by not in impact_queries.GROUPS:
        raise BadRequest(_("group_by must be one of: %(values)s.", values=", ".join(impact_queries.GROUPS)),
                         fields={"group_by": _("Unknown grouping.")})
    if group_by == "site" and not (current() and current().is_city):
        raise Forbidden(_("Figures by site are for city staff."))
    totals = impact_queries.totals(start, end)
    groups = impact_queries.grouped(group_by, present.locale(), start, end) if group_by else []
    return respond(schemas.ImpactOut(**{"from": start}, to=end, diverted_kg=totals.diverted_kg,
                                     co2e_avoided_kg=totals.co2e_avoided_kg, handovers=totals.handovers,
                                     groups=[schemas.ImpactGroup(**vars(g)) for g in groups]))


@bp.get("/impact/handovers.csv")
@login_required(Role.CITY)
@doc("The handover ledger as CSV (city staff)", errors=(400, 401, 403), query={"from": "YYYY-MM-DD", "to": "YYYY-MM-DD"})
def handovers_csv():
    """Every ledger row, corrections included, with the factor used for each."""
    start, end = _period()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(LEDGER_COLUMNS)
    for h in impact_queries.ledger(start, end):
        writer.writerow([h.id, h.kind.value, h.corrects_id or "", h.created_at.isoformat(), h.listing_id,
                         h.reservation_id or "", h.site_id, h.organization_id, h.category_slug, h.ewc_code,
                         h.quantity, h.unit, h.mass_kg, h.mass_source, h.factor_set_id or "",
                         h.factor_kg_co2e_per_kg if h.factor_kg_co2e_per_kg is not None else "", h.factor_source,
                         h.co2e_avoided_kg])
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=handovers.csv"})
