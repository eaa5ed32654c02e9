"""Pages: my notifications (with the unread count in the header)."""

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user, login_required

from ..queries import reservations as reservation_queries
from ..services import notifications as notification_services
from .forms import ButtonForm

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


@bp.get("/")
@login_required
def index():
    """Latest notifications, newest first; unread ones are marked."""
    return render_template(
        "notifications/index.html",
        button=ButtonForm(),
        notifications=reservation_queries.notifications_of(current_user.id),
    )


@bp.post("/read")
@login_required
def mark_read():
    """Mark everything read."""
    if ButtonForm().validate_on_submit():
        notification_services.notifications_mark_read(user_id=current_user.id)
    return redirect(url_for("notifications.index"))
