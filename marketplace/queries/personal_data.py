"""Everything the service holds about one person, for "download my data" (GDPR access and
portability). A new kind of personal data gets its key here when it lands; a key is present only
for what exists."""

import sqlalchemy as sa
import sqlalchemy.orm as so

from .. import clock
from ..extensions import db
from ..models import (
    ApiToken,
    Notification,
    Reservation,
    ReservationMessage,
    SavedSearch,
    User,
    WantedPost,
)


def _iso(value):
    return value.isoformat() if value is not None else None


def _number(value):
    return None if value is None else float(value)


def export(user_id: int) -> dict:
    """The user's account, reservations (with the handover that counts), saved searches,
    notifications, API tokens (never their secret), wanted posts and the messages they wrote
    about reservations, as JSON-ready values."""
    user = db.session.get(User, user_id)
    reservations = db.session.scalars(
        sa.select(Reservation)
        .where(Reservation.user_id == user_id)
        .order_by(Reservation.id)
        .options(so.selectinload(Reservation.listing), so.selectinload(Reservation.handovers))
    )
    searches = db.session.scalars(
        sa.select(SavedSearch).where(SavedSearch.user_id == user_id).order_by(SavedSearch.id)
    )
    notes = db.session.scalars(
        sa.select(Notification).where(Notification.user_id == user_id).order_by(Notification.id)
    )
    tokens = db.session.scalars(
        sa.select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.id)
    )
    wanted = db.session.scalars(
        sa.select(WantedPost).where(WantedPost.owner_id == user_id).order_by(WantedPost.id)
    )
    messages = db.session.scalars(
        sa.select(ReservationMessage)
        .where(ReservationMessage.author_id == user_id)
        .order_by(ReservationMessage.id)
    )
    org = user.organization
    return {
        "generated_at": clock.now().isoformat(),
        "account": {
            "id": user.id,
            "email": user.email,
            "display_name": user.display_name,
            "role": user.role.value,
            "locale": user.locale,
            "organization": {"id": org.id, "name": org.name, "business_id": org.business_id}
            if org
            else None,
            "created_at": _iso(user.created_at),
            "last_login_at": _iso(user.last_login_at),
            "email_confirmed_at": _iso(user.email_confirmed_at),
        },
        "reservations": [
            {
                "id": r.id,
                "listing_id": r.listing_id,
                "listing_title": r.listing.title,
                "quantity": float(r.quantity),
                "unit": r.listing.unit,
                "status": r.status.value,
                "pickup_at": _iso(r.pickup_at),
                "message": r.message,
                "cancel_reason": r.cancel_reason,
                "created_at": _iso(r.created_at),
                "closed_at": _iso(r.closed_at),
                "handover_mass_kg": _number(r.handover.mass_kg) if r.handover else None,
            }
            for r in reservations
        ],
        "saved_searches": [
            {"id": s.id, "name": s.name, "params": s.params, "created_at": _iso(s.created_at)}
            for s in searches
        ],
        "notifications": [
            {
                "id": n.id,
                "kind": n.kind,
                "data": n.data,
                "created_at": _iso(n.created_at),
                "read_at": _iso(n.read_at),
            }
            for n in notes
        ],
        "api_tokens": [
            {
                "id": t.id,
                "name": t.name,
                "prefix": t.prefix,
                "created_at": _iso(t.created_at),
                "last_used_at": _iso(t.last_used_at),
                "revoked_at": _iso(t.revoked_at),
            }
            for t in tokens
        ],
        "wanted_posts": [
            {
                "id": w.id,
                "title": w.title,
                "description": w.description,
                "category": w.category_slug,
                "quantity": float(w.quantity),
                "quantity_covered": float(w.quantity_covered),
                "unit": w.unit,
                "needed_from": _iso(w.needed_from),
                "needed_by": _iso(w.needed_by),
                "lat": w.lat,
                "lng": w.lng,
                "radius_km": float(w.radius_km),
                "max_price_cents": w.max_price_cents,
                "status": w.status.value,
                "created_at": _iso(w.created_at),
            }
            for w in wanted
        ],
        "messages": [
            {
                "id": m.id,
                "reservation_id": m.reservation_id,
                "body": m.body,
                "created_at": _iso(m.created_at),
            }
            for m in messages
        ],
    }
