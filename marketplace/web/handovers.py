"""Pages: a handover with its history, and its correction (reached from the reservation's
handover section, the listing's event log and the city's review list)."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import formatting
from ..queries import handovers as handover_queries
from ..queries import listings as listing_queries
from ..services import impact as impact_services
from .feedback import USER_ERRORS, show_errors
from .forms.handovers import CorrectionForm

bp = Blueprint("handovers", __name__, url_prefix="/handovers")


@bp.route("/<int:handover_id>", methods=["GET", "POST"])
@login_required
def detail(handover_id):
    """Net figures and every correction (receiver, the listing's organisation, city staff); the
    organisation and city staff also get the correction form."""
    history = handover_queries.handover_for(current_user, handover_id)
    if handover_id != history.original.id:  # a correction's row: the handover's own address
        return redirect(url_for("handovers.detail", handover_id=history.original.id))
    may_correct = handover_queries.may_correct(current_user, history.original)
    categories = listing_queries.categories()
    form = CorrectionForm(
        categories=[c for c in categories if c.listable],
        current=history.current,
        locale=formatting.locale_code(),
    )
    names = {c.slug: c.name(formatting.locale_code()) for c in categories}
    status = 200
    if may_correct and form.is_submitted():
        if form.validate():
            try:
                impact_services.handover_correct(
                    user_id=current_user.id,
                    handover_id=history.original.id,
                    reason=form.reason.data,
                    mass_kg=form.mass_kg.data,
                    quantity=form.quantity.data,
                    weighed=form.weighed.data,
                    category=form.category.data
                    if form.category.data != history.current.category_slug
                    else None,
                )
            except USER_ERRORS as exc:
                show_errors(form, exc)
            else:
                flash(
                    _("Corrected. The ledger keeps the earlier figures and your reason."), "success"
                )
                return redirect(url_for("handovers.detail", handover_id=history.original.id), 303)
        status = 422
    elif form.is_submitted():
        abort(403)  # the receiver sees the history but corrects nothing
    return render_template(
        "handovers/detail.html", h=history, form=form, may_correct=may_correct, names=names
    ), status
