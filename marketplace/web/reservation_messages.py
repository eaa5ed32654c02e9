"""Pages: the conversation about a reservation, shown at the end of the reservation page
(templates/reservations/_messages.html) and written through its form. Joins reservations.bp.

The reservation page's view does not load the thread: the partial asks for it through the
`message_thread(r)` template global defined here, so the page and its conversation stay in
separate modules (and a reservation page without the partial costs no query for it)."""

from types import SimpleNamespace

from flask import abort, flash, g, make_response, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..message_limit import message_limit
from ..models.messages import MAX_BODY, may_write
from ..queries import messages as message_queries
from ..queries import reservations as reservation_queries
from ..services import messages as message_services
from .feedback import USER_ERRORS, show_errors
from .forms.messages import MessageForm
from .reservations import bp, detail


@bp.app_template_global()
def message_thread(reservation) -> SimpleNamespace:
    """What the partial shows: the messages in order, whether the reader may write (the two
    sides; city staff read only), and the form (with its errors after a refused post)."""
    return SimpleNamespace(
        messages=message_queries.thread(reservation),
        can_write=may_write(reservation, current_user),
        form=g.get("message_form") or MessageForm(formdata=None),
        max_body=MAX_BODY,
    )


@bp.post("/reservations/<int:reservation_id>/messages")
@login_required
@message_limit
def message_post(reservation_id):
    """Write to the other side of a reservation; back to the conversation, or the page again
    with the form's error (422)."""
    reservation = reservation_queries.reservation_for(current_user, reservation_id)  # 404
    if not may_write(reservation, current_user):
        abort(403)  # city staff read the conversation; they do not write in it
    form = MessageForm()
    if form.validate_on_submit():
        try:
            message_services.message_post(
                user_id=current_user.id, reservation_id=reservation_id, body=form.body.data or ""
            )
        except USER_ERRORS as exc:
            show_errors(form, exc)
        else:
            flash(_("Message sent. The other side is notified."), "success")
            return redirect(
                url_for("reservations.detail", reservation_id=reservation_id, _anchor="messages")
            )
    g.message_form = form
    response = make_response(detail(reservation_id))
    response.status_code = 422
    return response
