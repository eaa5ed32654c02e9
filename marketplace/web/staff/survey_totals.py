"""City staff page: surveys planned next to handovers achieved, per site and EWC code (issue 11
item 5)."""

from flask import render_template
from flask_babel import get_locale

from ...auth import role_required
from ...models import Role
from ...queries import survey_totals as totals_queries
from . import bp


@bp.get("/surveys")
@role_required(Role.CITY)
def survey_totals():
    """What the imported surveys announced, and what the ledger shows was handed over."""
    return render_template(
        "staff/survey_totals.html", totals=totals_queries.survey_totals(str(get_locale()))
    )
