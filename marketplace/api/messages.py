"""API: messages about a reservation (contract: api-v1-additions.md, "Messages about a
reservation"). The reserver and the listing's organisation read and write; city staff read."""

from flask_babel import gettext as _

from ..message_limit import message_limit
from ..models.messages import SELLER
from ..queries import messages as message_queries
from ..services import messages as message_services
from .auth import current, login_required
from .blueprint import bp
from .io import doc, parse_body, respond
from .message_schemas import ThreadMessageAuthor, ThreadMessageCreate, ThreadMessageOut


def _out(message) -> ThreadMessageOut:
    """A message as the contract shows it: the author's name and side (and, for the seller's
    side, the listing's organisation)."""
    seller = message.side == SELLER
    return ThreadMessageOut(
        id=message.id,
        body=message.body,
        author=ThreadMessageAuthor(
            display_name=message.author.display_name or _("Deleted user"),
            side=message.side,
            organization=message.reservation.listing.organization.name if seller else None,
        ),
        created_at=message.created_at,
    )


@bp.get("/reservations/<int:reservation_id>/messages")
@login_required()
@doc("Messages about a reservation", response=list[ThreadMessageOut], errors=(401, 404))
def messages_list(reservation_id):
    """The conversation, oldest first. The reserver, the listing's organisation and city staff
    may read it; anyone else gets 404."""
    _reservation, thread = message_queries.thread_for(current(), reservation_id)
    return respond([_out(m) for m in thread])


@bp.post("/reservations/<int:reservation_id>/messages")
@login_required()
@message_limit
@doc(
    "Write a message about a reservation",
    body=ThreadMessageCreate,
    response=ThreadMessageOut,
    status=201,
    errors=(401, 403, 404, 415, 422, 429),
)
def messages_create(reservation_id):
    """The reserver or a builder of the listing's organisation writes; the other side is
    notified. City staff get 403 (they may read, not write), anyone else 404. The body is plain
    text, 1-2000 characters after trimming (422 otherwise). Throttled per writer and
    reservation (MESSAGE_LIMIT, 429)."""
    body = parse_body(ThreadMessageCreate)
    message = message_services.message_post(
        user_id=current().id, reservation_id=reservation_id, body=body.body
    )
    return respond(_out(message), 201)
