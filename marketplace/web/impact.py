"""Pages: the public impact figures (diverted mass and CO2e avoided) from the handover ledger."""
from flask import Blueprint, render_template
from flask_babel import get_locale

from ..queries import impact as impact_queries

bp = Blueprint("impact", __name__, url_prefix="/impact")


@bp.get("/")
def index():
    """District totals, by material and by month."""
    locale = str(get_locale())
    return render_template("impact/index.html", totals=impact_queries.totals(),
                           by_category=impact_queries.grouped("category", locale),
                           by_month=impact_queries.grouped("month", locale))
