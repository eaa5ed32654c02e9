"""Pages (on the accounts blueprint): the privacy notice, "download my data" and deleting the
account."""

import json

from flask import Response, flash, redirect, render_template, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user

from .. import clock
from ..errors import OrganizationHasOpenListings, ValidationFailed
from ..locales import FALLBACK, LOCALES
from ..queries import personal_data
from ..services import erasure
from .accounts import bp
from .feedback import show_errors
from .forms.recovery import DeleteAccountForm


@bp.get("/privacy")
def privacy():
    """The privacy notice (tietosuojaseloste): what is stored, why and for how long."""
    locale = str(get_locale())
    return render_template(
        "accounts/privacy.html",
        body=f"accounts/privacy/{locale if locale in LOCALES else FALLBACK}.html",
    )


@bp.get("/account/export")
@login_required
def export():
    """Download my data: everything the service holds about me, as one JSON file."""
    body = json.dumps(personal_data.export(current_user.id), ensure_ascii=False, indent=2)
    name = f"kera-my-data-{clock.today().isoformat()}.json"
    return Response(
        body,
        mimetype="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )


@bp.route("/account/delete", methods=["GET", "POST"])
@login_required
def delete_account():
    """Delete my account, after the password; says what happens first."""
    form = DeleteAccountForm()
    if form.validate_on_submit():
        try:
            erasure.account_delete(user_id=current_user.id, password=form.password.data)
        except OrganizationHasOpenListings as exc:
            flash(str(exc.message), "error")
            return render_template("accounts/delete.html", form=form), 409
        except ValidationFailed as exc:
            show_errors(form, exc)
        else:
            logout_user()
            session.clear()
            flash(_("Your account was deleted. Thank you for passing material on."), "info")
            return redirect(url_for("main.index"))
    return render_template("accounts/delete.html", form=form), 422 if form.errors else 200
