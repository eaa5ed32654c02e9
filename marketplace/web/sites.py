"""Pages: a builder organisation's sites."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..auth import role_required
from ..errors import ValidationFailed
from ..models import WEEKDAYS, Role
from ..queries import sites as site_queries
from ..services import sites as site_services
from .feedback import show_errors
from .forms.sites import WEEKDAY_LABELS, SiteForm
from .helpers import prefill

bp = Blueprint("sites", __name__, url_prefix="/sites")


@bp.get("/")
@role_required(Role.BUILDER, Role.CITY)
def index():
    """The organisation's sites (every site for city staff)."""
    return render_template("sites/index.html", sites=site_queries.sites_for(current_user))


@bp.route("/new", methods=["GET", "POST"])
@role_required(Role.BUILDER)
def new():
    """Add a site."""
    form = SiteForm()
    if form.validate_on_submit():
        try:
            site = site_services.site_create(user_id=current_user.id, **form.data_for_service())
        except ValidationFailed as exc:
            show_errors(form, exc)
        else:
            flash(_("The site %(name)s was added.", name=site.name), "success")
            return redirect(url_for("sites.index"))
    return _form_page(form, None)


@bp.route("/<int:site_id>/edit", methods=["GET", "POST"])
@role_required(Role.BUILDER)
def edit(site_id):
    """Change a site of your organisation."""
    site = site_queries.site_for(current_user, site_id)
    form = SiteForm(obj=prefill(site))
    if not form.is_submitted():
        form.fill_hours(site.opening_hours)
    if form.validate_on_submit():
        try:
            site_services.site_update(
                user_id=current_user.id, site_id=site.id, **form.data_for_service()
            )
        except ValidationFailed as exc:
            show_errors(form, exc)
        else:
            flash(_("The site was saved."), "success")
            return redirect(url_for("sites.index"))
    return _form_page(form, site)


def _form_page(form, site):
    return render_template(
        "sites/form.html", form=form, site=site, weekdays=WEEKDAYS, weekday_labels=WEEKDAY_LABELS
    ), 422 if form.errors else 200
