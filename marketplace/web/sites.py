"""Pages: a builder organisation's sites, and finding a site's address on the map."""

import logging
from decimal import Decimal, InvalidOperation

from flask import (
    Blueprint,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from .. import formatting, places
from ..auth import role_required
from ..errorhandlers import error_body
from ..errors import ValidationFailed
from ..extensions import limiter
from ..models import WEEKDAYS, Role
from ..queries import sites as site_queries
from ..services import sites as site_services
from .feedback import show_errors
from .forms.sites import EXAMPLE_LAT, EXAMPLE_LNG, WEEKDAY_LABELS, SiteForm
from .helpers import prefill

bp = Blueprint("sites", __name__, url_prefix="/sites")
log = logging.getLogger(__name__)


def _searcher_key() -> str:
    who = current_user.get_id() if current_user.is_authenticated else request.remote_addr
    return f"places:{who}"


def _not_a_search() -> bool:
    """Page views and saving a site do not count against the address-search budget."""
    return request.endpoint != "sites.find_places" and "find_place" not in request.form


# One budget per person for address searches, from the JSON endpoint and the form's button alike
# (a geocoder's operator limits how often we may ask); saving a site does not count.
place_search_limit = limiter.shared_limit(
    lambda: current_app.config["PLACE_SEARCH_LIMIT"],
    scope="place-search",
    key_func=_searcher_key,
    exempt_when=_not_a_search,
)


@bp.get("/")
@role_required(Role.BUILDER, Role.CITY)
def index():
    """The organisation's sites (every site for city staff)."""
    return render_template("sites/index.html", sites=site_queries.sites_for(current_user))


@bp.route("/new", methods=["GET", "POST"])
@role_required(Role.BUILDER)
@place_search_limit
def new():
    """Add a site."""
    form = SiteForm()
    lookup = _address_step(form)
    if lookup is None and form.validate_on_submit():
        try:
            site = site_services.site_create(user_id=current_user.id, **form.data_for_service())
        except ValidationFailed as exc:
            show_errors(form, exc)
        else:
            flash(_("The site %(name)s was added.", name=site.name), "success")
            return redirect(url_for("sites.index"))
    return _form_page(form, None, lookup)


@bp.route("/<int:site_id>/edit", methods=["GET", "POST"])
@role_required(Role.BUILDER)
@place_search_limit
def edit(site_id):
    """Change a site of your organisation."""
    site = site_queries.site_for(current_user, site_id)
    form = SiteForm(obj=prefill(site))
    if not form.is_submitted():
        form.fill_hours(site.opening_hours)
    lookup = _address_step(form)
    if lookup is None and form.validate_on_submit():
        try:
            site_services.site_update(
                user_id=current_user.id, site_id=site.id, **form.data_for_service()
            )
        except ValidationFailed as exc:
            show_errors(form, exc)
        else:
            flash(_("The site was saved."), "success")
            return redirect(url_for("sites.index"))
    return _form_page(form, site, lookup)


@bp.get("/places")
@role_required(Role.BUILDER)
@place_search_limit
def find_places():
    """JSON for the site form's script: {"places": [{label, lat, lng, source}]} for ?q=."""
    try:
        found = places.find_address(request.args.get("q", ""))
    except places.BadQuery as exc:
        return jsonify(error_body("bad_request", str(exc.args[0]))), 400
    except places.LookupFailed as exc:
        log.warning("address search failed: %s", exc)
        return jsonify(error_body("geocoder_unavailable", _unavailable())), 503
    return jsonify({"places": [place.as_json() for place in found]})


def _address_step(form: SiteForm) -> dict | None:
    """The form without JavaScript: "Find the address" lists the places found for the address
    field; choosing one fills the coordinates. None when the form was submitted to be saved."""
    if not form.is_submitted():
        return None
    if "find_place" in request.form:
        try:
            found = places.find_address(form.address.data)
        except places.BadQuery as exc:
            return {"message": str(exc.args[0])}
        except places.LookupFailed as exc:
            log.warning("address search failed: %s", exc)
            return {"message": _unavailable()}
        if not found:
            return {"message": _not_found(form.address.data)}
        return {"places": found}
    if "use_place" in request.form:
        lat, lng, label = (request.form["use_place"].split("|", 2) + ["", ""])[:3]
        try:
            lat, lng = Decimal(lat), Decimal(lng)
        except InvalidOperation:
            lat = lng = Decimal("NaN")
        if not (lat.is_finite() and lng.is_finite()):
            return {"message": _("Choose one of the addresses found.")}
        for field, value in ((form.lat, lat), (form.lng, lng)):
            field.raw_data, field.data = [formatting.editable(value)], value
        return {"message": _("The site is now placed at %(label)s.", label=label[:200])}
    return None


def _not_found(text: str) -> str:
    return _(
        "No address found for “%(text)s”. Check the spelling, or place the site on the map"
        " or type its coordinates.",
        text=" ".join((text or "").split())[:100],
    )


def _unavailable() -> str:
    return _(
        "The address search is not available right now. Place the site on the map or type its"
        " coordinates."
    )


def _form_page(form, site, lookup=None):
    status = 422 if form.errors and not lookup else 200
    return render_template(
        "sites/form.html",
        form=form,
        site=site,
        weekdays=WEEKDAYS,
        weekday_labels=WEEKDAY_LABELS,
        lookup=lookup or {},
        example_lat=EXAMPLE_LAT,
        example_lng=EXAMPLE_LNG,
    ), status
