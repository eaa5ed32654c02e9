"""City staff pages: carbon-factor versions and masses with their sources, loading a new version
from CSV, choosing the active one, and recomputing a period under another version."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from ...auth import role_required
from ...models import Role
from ...queries import factors as factor_queries
from ...services import factors as factor_services
from ...services.factors import FactorTableInvalid
from ..feedback import USER_ERRORS, show_errors
from ..forms import ButtonForm
from ..forms.staff import CompareForm, FactorUploadForm
from . import bp, period_form


def _render(form: FactorUploadForm, line_errors=(), status: int = 200):
    locale = str(get_locale())
    active = factor_queries.active_set()
    chosen = request.args.get("version") or (active.id if active else None)
    return render_template(
        "staff/factors.html",
        form=form,
        button=ButtonForm(),
        sets=factor_queries.factor_sets(),
        active=active,
        chosen=chosen,
        table=factor_queries.factor_table(chosen, locale),
        masses=factor_queries.mass_table(locale),
        history=factor_queries.history(),
        line_errors=line_errors,
        columns=factor_services.COLUMNS,
    ), status


@bp.get("/factors")
@role_required(Role.CITY)
def factors():
    """The factor table of a version (the active one by default), every version, and the masses."""
    return _render(FactorUploadForm())


@bp.post("/factors")
@role_required(Role.CITY)
def factors_upload():
    """Load a new version from an uploaded CSV; errors are listed by line and nothing is loaded."""
    form = FactorUploadForm()
    line_errors = ()
    if form.validate_on_submit():
        upload = form.file.data
        try:
            loaded = factor_services.factor_set_load(
                user_id=current_user.id,
                version_id=form.version_id.data,
                name=form.name.data,
                rule=form.rule.data or "",
                data=upload.read(factor_services.MAX_BYTES + 1),
                filename=upload.filename or "",
            )
        except FactorTableInvalid as exc:
            line_errors = exc.details.get("lines", ())
            flash(str(exc.message), "error")
        except USER_ERRORS as exc:
            show_errors(form, exc)
        else:
            flash(
                _("Version %(id)s was loaded. It is not active until you choose it.", id=loaded.id),
                "success",
            )
            return redirect(url_for("staff.factors", version=loaded.id))
    return _render(form, line_errors, 422)


@bp.post("/factors/<version_id>/activate")
@role_required(Role.CITY)
def factors_activate(version_id):
    """Make a version the one new handovers use; recorded handovers keep theirs."""
    if ButtonForm().validate_on_submit():
        factor_services.factor_set_activate(user_id=current_user.id, factor_set_id=version_id)
        flash(
            _(
                "New handovers now use version %(id)s. Recorded handovers keep their version.",
                id=version_id,
            ),
            "success",
        )
    return redirect(url_for("staff.factors", version=version_id))


@bp.get("/factors/compare")
@role_required(Role.CITY)
def factors_compare():
    """A period's recorded CO2e beside the same handovers recomputed under a chosen version."""
    sets = [s for s, _used in factor_queries.factor_sets()]
    form = period_form(CompareForm, versions=sets)
    start, end = form.period()
    active = factor_queries.active_set()
    version = (
        form.version.data
        if form.version.data in {s.id for s in sets}
        else (active.id if active else None)
    )
    rows = factor_queries.recompute(version, str(get_locale()), start, end) if version else []
    return render_template(
        "staff/compare.html",
        form=form,
        start=start,
        end=end,
        version=version,
        rows=rows,
        recorded=sum((r.recorded_co2e_kg for r in rows), start=0),
        recomputed=sum((r.recomputed_co2e_kg for r in rows), start=0),
    )
