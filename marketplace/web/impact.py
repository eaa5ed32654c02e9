"""Pages: the public impact figures (diverted mass and CO2e avoided) from the handover ledger, with
the methodology in plain language. Aggregates only: no person, reservation or site appears."""

from datetime import date

from flask import Blueprint, render_template
from flask_babel import get_locale

from .. import clock
from ..queries import exports as export_queries
from ..queries import factors as factor_queries
from ..queries import impact as impact_queries
from ..queries import reports

bp = Blueprint("impact", __name__, url_prefix="/impact")


@bp.get("/")
def index():
    """District totals and trends, how mass and CO2e are obtained, and what is not counted."""
    locale = str(get_locale())
    today = clock.today()
    active = factor_queries.active_set()
    return render_template(
        "impact/index.html",
        totals=impact_queries.totals(),
        this_year=impact_queries.totals(date(today.year, 1, 1), today),
        year=today.year,
        by_category=impact_queries.grouped("category", locale),
        by_month=impact_queries.grouped("month", locale),
        sources=reports.mass_sources(),
        active=active,
        factors=factor_queries.factor_table(active.id if active else None, locale),
        sets_used=export_queries.factor_sets_used(),
    )
