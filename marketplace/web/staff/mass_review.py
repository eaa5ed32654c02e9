"""City staff page: the review list of unusual masses (issue 9), and marking one reviewed."""

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ...auth import role_required
from ...models import Role
from ...queries import mass_review as review_queries
from ...services import mass_review as review_services
from ..forms import ButtonForm
from . import bp


@bp.get("/masses")
@role_required(Role.CITY)
def mass_review():
    """Listings and handovers whose unusual mass was confirmed, until reviewed."""
    return render_template(
        "staff/mass_review.html",
        listings=review_queries.flagged_listings(),
        handovers=review_queries.flagged_handovers(),
        button=ButtonForm(),
    )


@bp.post("/masses/<kind>/<int:subject_id>/reviewed")
@role_required(Role.CITY)
def mass_reviewed(kind, subject_id):
    """Take a listing or handover off the list (the review is logged as a staff action)."""
    if kind not in review_services.KINDS:
        abort(404)
    if ButtonForm().validate_on_submit():
        review_services.mass_reviewed(user_id=current_user.id, kind=kind, subject_id=subject_id)
        flash(_("Marked as reviewed."), "success")
    return redirect(url_for("staff.mass_review"))
