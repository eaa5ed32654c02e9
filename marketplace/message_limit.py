"""The throttle on writing messages about a reservation: one counter per writer and reservation,
shared by the reservation page's form and POST /api/v1/reservations/{id}/messages (a shared
limit counts in its scope, not per route), so a writer gets MESSAGE_LIMIT in all, not per door.
Its own module because both adapters use it and neither may import the other."""

from flask import current_app, g, request
from flask_login import current_user

from .extensions import limiter


def _writer_and_reservation() -> str:
    """The key: who writes (the API's Bearer user, else the session's) about which reservation."""
    user = g.get("api_user") or current_user
    writer = user.id if getattr(user, "is_authenticated", False) else request.remote_addr
    return f"{writer}:{(request.view_args or {}).get('reservation_id')}"


message_limit = limiter.shared_limit(
    lambda: current_app.config["MESSAGE_LIMIT"],
    scope="reservation-messages",
    key_func=_writer_and_reservation,
    methods=["POST"],
)
