"""API: handing an unclaimed lot on to Materiaalitori (issue 11 item 4), and the city's survey
totals, planned next to handed over (item 5)."""

from flask import request
from flask_babel import get_locale
from flask_babel import gettext as _

from ..client_input import parse_id
from ..models import Role
from ..queries import hand_off as hand_off_queries
from ..queries import listings as listing_queries
from ..queries import survey_totals as totals_queries
from ..services import hand_on
from . import csvfiles, parameters
from . import import_schemas as shapes
from .auth import current, login_required
from .blueprint import bp
from .io import BadRequest, doc, respond


def _plain(value) -> str | None:
    """A Decimal as a JSON string without trailing zeros (40.000 → "40")."""
    return None if value is None else format(value.normalize(), "f")


def _record(listing) -> shapes.HandOffOut:
    record = hand_off_queries.hand_off(listing)
    record = {k: (_plain(v) if k in ("quantity", "total_kg") else v) for k, v in record.items()}
    handed = listing.handed_on_at.isoformat() if listing.handed_on_at else None
    return shapes.HandOffOut(**record, handed_on_at=handed)


@bp.get("/listings/<int:listing_id>/hand-off")
@login_required(Role.BUILDER)
@doc(
    "The lot as Materiaalitori's offer form asks for it (JSON)",
    response=shapes.HandOffOut,
    errors=(401, 403, 404),
)
def hand_off_json(listing_id):
    """Material, EWC code, what is left and its unit, municipality, availability, contact."""
    return respond(_record(listing_queries.managed_listing(current(), listing_id)))


@bp.get("/listings/<int:listing_id>/hand-off.csv")
@login_required(Role.BUILDER)
@doc(
    "The lot as Materiaalitori's offer form asks for it (CSV)",
    errors=(400, 401, 403, 404),
    query=parameters.CSV_VARIANT,
    media="text/csv",
)
def hand_off_csv(listing_id):
    """The same record as one CSV row, in the standard or spreadsheet variant."""
    variant = csvfiles.variant()
    listing = listing_queries.managed_listing(current(), listing_id)
    record = hand_off_queries.hand_off(listing)
    return csvfiles.csv_response(
        hand_off_queries.COLUMNS,
        [[record[c] for c in hand_off_queries.COLUMNS]],
        f"materiaalitori-{listing.id}.csv",
        variant,
    )


@bp.post("/listings/<int:listing_id>/hand-on")
@login_required(Role.BUILDER)
@doc(
    "Record that the lot was handed on to Materiaalitori",
    response=shapes.HandOffOut,
    errors=(401, 403, 404),
)
def hand_on_record(listing_id):
    """Sets `handed_on_at` (the first time) and logs it in the listing's history."""
    listing = hand_on.listing_hand_on(user_id=current().id, listing_id=listing_id)
    return respond(_record(listing_queries.managed_listing(current(), listing.id)))


TOTALS_QUERY = {"site_id": parameters.SCOPE["site_id"]}


def _totals():
    raw = request.args.get("site_id", "").strip()
    site_id = parse_id(raw) if raw else None
    if raw and site_id is None:
        raise BadRequest(_("Enter a whole number."), fields={"site_id": _("Enter a whole number.")})
    return totals_queries.survey_totals(str(get_locale()), site_id)


@bp.get("/imports/totals")
@login_required(Role.CITY)
@doc(
    "Surveys planned next to handovers achieved, per site and EWC code (city staff)",
    response=list[shapes.SurveyTotalOut],
    errors=(400, 401, 403),
    query=TOTALS_QUERY,
)
def survey_totals():
    """Planned: mass of the listings of survey imports; handed over: the ledger's net mass."""
    numbers = ("planned_kg", "handed_over_kg", "handed_over_share")
    return respond(
        [
            shapes.SurveyTotalOut(
                **{
                    c: _plain(v) if c in numbers else v
                    for c, v in zip(totals_queries.COLUMNS, t.row(), strict=True)
                }
            )
            for t in _totals()
        ]
    )


@bp.get("/imports/totals.csv")
@login_required(Role.CITY)
@doc(
    "Surveys planned next to handovers achieved, as CSV (city staff)",
    errors=(400, 401, 403),
    query={**TOTALS_QUERY, **parameters.CSV_VARIANT},
    media="text/csv",
)
def survey_totals_csv():
    """The same rows as CSV, in the standard or spreadsheet variant."""
    variant = csvfiles.variant()
    return csvfiles.csv_response(
        totals_queries.COLUMNS, [t.row() for t in _totals()], "survey-totals.csv", variant
    )
