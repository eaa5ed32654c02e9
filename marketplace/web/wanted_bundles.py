"""Pages: reserve a proposed bundle for your wanted post, all or nothing (the matches and
bundles themselves are shown on the wanted post's page: templates/wanted/_matches.html)."""

from flask import flash, redirect, request, url_for
from flask_babel import ngettext
from flask_login import current_user

from ..auth import role_required
from ..queries import wanted as wanted_queries
from ..services.wanted_reserve import wanted_reserve
from .feedback import USER_ERRORS
from .forms import ButtonForm
from .wanted import ANYONE, bp


@bp.post("/<int:wanted_id>/reserve")
@role_required(*ANYONE)
def reserve(wanted_id):
    """Reserve every lot of a bundle, or none (each a normal reservation at its own site)."""
    wanted = wanted_queries.owned_by(current_user, wanted_id)
    back = redirect(url_for("wanted.detail", wanted_id=wanted.id))
    if not ButtonForm().validate_on_submit():
        return back
    items = [
        {"listing_id": listing_id, "quantity": quantity}
        for listing_id, quantity in zip(
            request.form.getlist("listing_id"), request.form.getlist("quantity"), strict=False
        )
    ]
    try:
        reservations, _post = wanted_reserve(
            user_id=current_user.id, wanted_id=wanted.id, items=items
        )
    except USER_ERRORS as exc:
        messages = [str(m) for m in exc.fields.values()] or [str(exc.message)]
        flash(" ".join(messages), "error")
        return back
    count = len(reservations)
    flash(ngettext("%(num)d reservation made.", "%(num)d reservations made.", count), "success")
    return back
