"""Pages: import a demolition survey for a site (upload → preview with errors → publish), and
the organisation's imports with undo. The rules are services/survey_import.py's."""

import secrets
import time
from datetime import date
from pathlib import Path

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..auth import role_required
from ..errors import ValidationFailed
from ..models import Role
from ..queries import imports as import_queries
from ..queries import sites as site_queries
from ..services import survey_file
from ..services import survey_import as imports
from .feedback import show_errors
from .forms import ButtonForm
from .forms.imports import SurveyForm

bp = Blueprint("imports", __name__, url_prefix="/imports")
# A survey column's name in the reader's language, for the errors of the preview.
COLUMN_LABELS = {
    "file": _l("File"),
    "material": _l("Material"),
    "title": _l("Title"),
    "description": _l("Description"),
    "quantity": _l("Quantity"),
    "unit": _l("Unit"),
    "kg_per_unit": _l("kg per unit"),
    "condition": _l("Condition"),
    "available_from": _l("Available from"),
    "available_until": _l("Available until"),
    "ewc_code": _l("EWC code"),
    "location": _l("Where in the building"),
    "price_cents": _l("Price"),
}
KEEP_SECONDS = 24 * 3600  # a previewed file not published within a day is deleted


def _folder() -> Path:
    folder = Path(current_app.config["UPLOAD_DIR"]) / "surveys"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _keep(data: bytes) -> str:
    """Store the previewed file under a random name bound to this user; drop stale ones."""
    folder = _folder()
    for old in folder.iterdir():
        if old.stat().st_mtime < time.time() - KEEP_SECONDS:
            old.unlink(missing_ok=True)
    key = f"{current_user.id}-{secrets.token_hex(16)}"
    (folder / key).write_bytes(data)
    return key


def _kept(key: str) -> bytes | None:
    owner, _sep, token = (key or "").partition("-")
    if owner != str(current_user.id) or not token.isalnum():
        return None
    path = _folder() / key
    return path.read_bytes() if path.is_file() else None


def _dated(rows: list[dict] | None) -> list[dict] | None:
    """The rows with their dates as dates, for the page's date filter."""
    if rows is None:
        return None
    dated = []
    for row in rows:
        listing = dict(row["listing"])
        for key in ("available_from", "available_until"):
            if listing.get(key):
                listing[key] = date.fromisoformat(listing[key])
        dated.append(row | {"listing": listing})
    return dated


@bp.route("/sites/<int:site_id>", methods=["GET", "POST"])
@role_required(Role.BUILDER)
def upload(site_id):
    """Upload a survey for a site, see every row as a listing (or its errors), publish it."""
    site = site_queries.site_for(current_user, site_id)
    form, rows, counts = SurveyForm(), None, None
    if form.validate_on_submit():
        upload_ = form.survey.data
        data = upload_.read(survey_file.MAX_BYTES + 1) if upload_ else _kept(form.kept.data)
        if not data:
            form.survey.errors = [_("Choose a CSV or XLSX file.")]
        else:
            publish = bool(form.publish.data and not upload_)
            name = upload_.filename if upload_ else ""
            media = survey_file.XLSX if name.lower().endswith(".xlsx") else "text/csv"
            try:
                result = imports.survey_import(
                    user_id=current_user.id,
                    site_id=site.id,
                    data=data,
                    content_type=media,
                    filename=name,
                    dry_run=not publish,
                )
            except ValidationFailed as exc:
                rows = exc.details.get("rows")
                counts = (exc.details.get("valid"), exc.details.get("invalid"))
                if rows is None:
                    show_errors(form, exc)
            else:
                if publish:
                    (_folder() / form.kept.data).unlink(missing_ok=True)
                    flash(
                        _("%(n)d listings were published from the survey.", n=len(result.created)),
                        "success",
                    )
                    return redirect(url_for("imports.index"))
                rows = [imports.row_json(r) for r in result.rows]
                counts = (result.valid, result.invalid)
            if upload_:
                form.kept.data = _keep(data)
    status = 422 if counts and counts[1] else 200
    names = import_queries.category_names(str(get_locale()))
    return render_template(
        "imports/upload.html",
        site=site,
        form=form,
        rows=_dated(rows),
        counts=counts,
        category_names=names,
        column_labels=COLUMN_LABELS,
    ), status


@bp.get("/")
@role_required(Role.BUILDER)
def index():
    """The organisation's survey imports, newest first, with undo."""
    return render_template(
        "imports/index.html",
        form=ButtonForm(),
        imports=import_queries.imports_of(current_user.organization_id),
    )


@bp.post("/<int:import_id>/undo")
@role_required(Role.BUILDER)
def undo(import_id):
    """Withdraw the import's listings that nobody has reserved."""
    if not ButtonForm().validate_on_submit():
        abort(400)
    withdrawn, kept = imports.survey_import_undo(user_id=current_user.id, import_id=import_id)
    flash(
        _(
            "%(withdrawn)d listings withdrawn; %(kept)d kept because they are reserved or "
            "handed over.",
            withdrawn=len(withdrawn),
            kept=len(kept),
        ),
        "success",
    )
    return redirect(url_for("imports.index"))
