"""Pages: the home page (browse and search, list or map), the language switch and the
accessibility statement."""

import dataclasses

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_login import current_user

from ..locales import LOCALES
from ..models import Condition
from ..models.listings import sees_early
from ..queries import listings as listing_queries
from ..queries import sites as site_queries
from ..search import parse as search_parse
from ..search import service as search
from ..search.hints import hints
from ..security import safe_next
from ..services import accounts
from .forms import ButtonForm

bp = Blueprint("main", __name__)
KERA_STATION = (60.21611, 24.75389)
RADII_KM = (1, 2, 5, 10)


def _args():
    """The query string, with `near` ("lat,lng" from the distance menu) turned into lat/lng."""
    args = request.args.copy()
    near = args.get("near", "")
    if near and not args.get("lat") and "," in near:
        args["lat"], args["lng"] = (part.strip() for part in near.split(",", 1))
    return args


@bp.get("/")
def index():
    """Latest available listings, or search results: text, filters, distance; list or map."""
    error = None
    try:
        query = search_parse.from_args(_args())
    except search_parse.InvalidParameter as exc:
        error, query = exc, search_parse.SearchQuery()
    query = dataclasses.replace(query, early_access=sees_early(current_user))
    result = search.search(query)
    listings = listing_queries.by_ids([hit.id for hit in result.hits])
    context = {
        "query": query,
        "result": result,
        "listings": listings,
        "hits": {hit.id: hit for hit in result.hits},
        "pages": max(1, -(-result.total // query.per_page)),
        "error": error,
        "view": request.args.get("view", "list"),
        "hints": hints(query.text, str(get_locale())) if query.text and not result.total else [],
        "categories": listing_queries.categories(listable_only=True),
        "conditions": list(Condition),
        "sites": site_queries.all_sites(),
        "radii": RADII_KM,
        "station": KERA_STATION,
        "button": ButtonForm(),
        "near": request.args.get("near", ""),
    }
    status = 400 if error else 200
    if request.headers.get("X-Requested-With") == "fetch":  # live results while typing
        return render_template("main/_results.html", **context), status
    return render_template("main/index.html", **context), status


@bp.post("/language")
def language():
    """Remember the chosen language (and store it on the account when signed in)."""
    form = ButtonForm()
    locale = request.form.get("locale")
    if form.validate_on_submit() and locale in LOCALES:
        session["locale"] = locale
        if current_user.is_authenticated:
            accounts.user_update_profile(
                user_id=current_user.id, display_name=current_user.display_name, locale=locale
            )
    return redirect(safe_next(request.form.get("next"), url_for("main.index")))


@bp.get("/accessibility")
def accessibility():
    """Accessibility statement (saavutettavuusseloste), required by the Finnish Act 306/2019."""
    return render_template("main/accessibility.html")
