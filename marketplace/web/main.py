"""Pages: the home page (browse and search, list or map), the language switch and the
accessibility statement."""

import dataclasses

from flask import Blueprint, jsonify, redirect, render_template, request, session, url_for
from flask_babel import get_locale, ngettext, pgettext
from flask_babel import gettext as _
from flask_login import current_user

from ..errorhandlers import error_body
from ..locales import LOCALES
from ..models import Condition
from ..models.listings import sees_early
from ..queries import listings as listing_queries
from ..queries import sites as site_queries
from ..queries.result_sites import result_sites
from ..search import parse as search_parse
from ..search import service as search
from ..search.hints import hints
from ..search.query import MAX_FACET_VALUES, SearchQuery
from ..security import safe_next
from ..services import accounts
from .forms import ButtonForm
from .forms.searches import SaveSearchForm

bp = Blueprint("main", __name__)
KERA_STATION = (60.21611, 24.75389)
RADII_KM = (1, 2, 5, 10)
# Shown in the search help: each finds something in the Kera demo data (tests/web/
# test_search_page_phone.py runs them), and shows the phrase and minus syntax.
PHRASE_EXAMPLE = '"punainen poltettu tiili" -betoni'


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
        "hints": _hints_that_find(query) if query.text and not result.total else [],
        "filters_label": _filters_label(active_filters(query)),
        "phrase_example": PHRASE_EXAMPLE,
        "categories": listing_queries.categories(listable_only=True),
        "conditions": list(Condition),
        "sites": site_queries.all_sites(),
        "radii": RADII_KM,
        "station": KERA_STATION,
        "save_form": SaveSearchForm(formdata=None),
        "near": request.args.get("near", ""),
    }
    status = 400 if error else 200
    if request.headers.get("X-Requested-With") == "fetch":  # live results while typing
        return render_template("main/_results.html", **context), status
    return render_template("main/index.html", **context), status


def active_filters(query: SearchQuery) -> int:
    """How many filters narrow the search (for the "Filters (2)" summary); the text and the
    sort are not filters."""
    return (
        len(query.categories)
        + len(query.conditions)
        + sum(
            value is not None and value is not False
            for value in (
                query.site_id,
                query.available_on,
                query.radius_km if query.has_point else None,
                query.bbox,
                query.free_only,
            )
        )
    )


def _filters_label(count: int) -> str:
    """The filter disclosure's summary: "Filters", or "Filters (2)" when two are on."""
    return _("Filters (%(n)d)", n=count) if count else pgettext("disclosure", "Filters")


def _hints_that_find(query: SearchQuery) -> list[str]:
    """Suggestions for an empty result, only those that find something for this user now."""
    found = []
    for hint in hints(query.text, str(get_locale())):
        probe = SearchQuery(text=hint, per_page=1, early_access=query.early_access)
        if search.search(probe).total:
            found.append(hint)
    return found


@bp.get("/search/sites")
def result_map():
    """The map of every result: the search page's parameters in, one entry per site holding
    results out (id, position, name, how many), counted by the search backend, no listing
    loaded. A parameter it cannot read: 400 with the API's error body."""
    try:
        query = search_parse.from_args(_args())
    except search_parse.InvalidParameter as exc:
        body = error_body("bad_request", exc.message, {exc.name: exc.message})
        return jsonify(body), 400
    query = dataclasses.replace(
        query, early_access=sees_early(current_user), facets=("site_id",), page=1, per_page=1
    )
    result = search.search(query)
    counts = result.facets.get("site_id", {})
    sites = result_sites(counts)
    args = request.args.to_dict(flat=False)
    for key in ("page", "view", "site_id", "per_page"):
        args.pop(key, None)
    for site in sites:
        site["count_text"] = ngettext("%(num)d listing", "%(num)d listings", site["count"])
        site["url"] = url_for("main.index", **args, site_id=site["site_id"])
    return jsonify(total=result.total, sites=sites, complete=len(counts) < MAX_FACET_VALUES)


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
