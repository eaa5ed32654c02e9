"""Pages: the home page (browse and search), the language switch and the accessibility statement."""
from flask import Blueprint, redirect, render_template, request, session, url_for
from flask_login import current_user

from ..models import Condition
from ..queries import listings as listing_queries
from ..queries import sites as site_queries
from ..search import parse as search_parse
from ..search import service as search
from ..security import safe_next
from ..services import accounts
from .forms import ButtonForm

bp = Blueprint("main", __name__)


@bp.get("/")
def index():
    """Latest available listings, filtered by category, condition, site and price."""
    error = None
    try:
        query = search_parse.from_args(request.args)
    except search_parse.InvalidParameter as exc:
        error, query = exc, search_parse.SearchQuery()
    result = search.search(query)
    listings = listing_queries.by_ids([hit.id for hit in result.hits])
    hits = {hit.id: hit for hit in result.hits}
    pages = max(1, -(-result.total // query.per_page))
    return render_template(
        "main/index.html", query=query, result=result, listings=listings, hits=hits, pages=pages,
        categories=listing_queries.categories(listable_only=True), conditions=list(Condition),
        sites=site_queries.all_sites(), error=error), 400 if error else 200


@bp.post("/language")
def language():
    """Remember the chosen language (and store it on the account when signed in)."""
    form = ButtonForm()
    locale = request.form.get("locale")
    if form.validate_on_submit() and locale in ("fi", "sv", "en"):
        session["locale"] = locale
        if current_user.is_authenticated:
            accounts.user_update_profile(user_id=current_user.id, display_name=current_user.display_name,
                                         locale=locale)
    return redirect(safe_next(request.form.get("next"), url_for("main.index")))


@bp.get("/accessibility")
def accessibility():
    """Accessibility statement (saavutettavuusseloste), required by the Finnish Act 306/2019."""
    return render_template("main/accessibility.html")
