"""Pages: saving a search and the list of saved searches (alerts for new listings)."""

from urllib.parse import urlencode

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.datastructures import MultiDict

from ..services import saved_searches
from .feedback import USER_ERRORS
from .forms import ButtonForm
from .forms.searches import SaveSearchForm

bp = Blueprint("searches", __name__, url_prefix="/searches")


@bp.get("/")
@login_required
def index():
    """My saved searches, each with a link that runs it."""
    rows = saved_searches.saved_searches_of(current_user.id)
    links = {
        s.id: url_for("main.index")
        + "?"
        + urlencode([(k, v) for k, vs in s.params.items() for v in vs])
        for s in rows
    }
    return render_template("searches/index.html", searches=rows, links=links, button=ButtonForm())


@bp.post("/")
@login_required
def create():
    """Save the search whose parameters the form carries, under the name given."""
    form = SaveSearchForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            flash(" ".join(str(m) for m in errors), "error")
        return redirect(url_for("searches.index"))
    params = MultiDict(
        [(k, v) for k, v in request.form.items(multi=True) if k not in ("csrf_token", "name")]
    )
    try:
        saved_searches.saved_search_create(
            user_id=current_user.id, name=form.name.data, params=params
        )
        flash(_("Search saved. We will tell you when a new listing matches it."), "success")
    except USER_ERRORS as exc:
        flash(" ".join(str(m) for m in exc.fields.values()) or str(exc.message), "error")
    return redirect(url_for("searches.index"))


@bp.post("/<int:search_id>/delete")
@login_required
def delete(search_id):
    """Stop the alerts of a saved search."""
    if ButtonForm().validate_on_submit():
        saved_searches.saved_search_delete(user_id=current_user.id, search_id=search_id)
        flash(_("The saved search was deleted."), "info")
    return redirect(url_for("searches.index"))
