"""Template helpers: localised labels for units and conditions, paging links, highlights."""
import html

from flask import request, url_for
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

from .. import clock

UNIT_LABELS = {"pcs": _l("pcs"), "m": "m", "m2": "m²", "m3": "m³", "kg": "kg", "t": "t"}
CONDITION_LABELS = {"new": _l("New"), "like_new": _l("Like new"), "good": _l("Good"), "fair": _l("Fair"),
                    "for_parts": _l("For parts")}
STATUS_LABELS = {"available": _l("Available"), "reserved": _l("Fully reserved"), "collected": _l("Collected"),
                 "expired": _l("Expired"), "withdrawn": _l("Withdrawn")}


def init_app(app):
    """Make the helpers available in every template."""
    app.jinja_env.globals.update(unit_label=unit_label, condition_label=condition_label,
                                 status_label=status_label, today=clock.today, now=clock.now, page_url=page_url,
                                 unit_choices=unit_choices, condition_choices=condition_choices,
                                 event_label=event_label)
    app.jinja_env.filters["time_local"] = lambda d: d.astimezone(clock.HELSINKI).strftime("%H:%M") if d else ""
    app.context_processor(_unread_notifications)
    app.jinja_env.filters["safe_highlight"] = safe_highlight
    app.jinja_env.filters["nl2br"] = nl2br


def nl2br(text: str) -> Markup:
    """Escaped text with its line breaks kept."""
    return Markup("<br>").join(escape(line) for line in (text or "").replace("\r", "").split("\n"))


EVENT_LABELS = {
    "listing.created": _l("Listed"), "listing.updated": _l("Edited"), "listing.withdrawn": _l("Withdrawn"),
    "listing.expired": _l("Expired"), "listing.photo_added": _l("Photo added"),
    "listing.photo_removed": _l("Photo removed"), "listing.hidden": _l("Hidden by the city"),
    "reservation.created": _l("Reserved"), "reservation.cancelled": _l("Reservation cancelled"),
    "reservation.expired": _l("Reservation expired"), "reservation.no_show": _l("No-show"),
    "reservation.collected": _l("Handed over"), "reservation.paid": _l("Paid"),
}


def event_label(kind: str) -> str:
    return str(EVENT_LABELS.get(kind, kind))


def _unread_notifications() -> dict:
    """The unread count for the header badge (signed-in users only)."""
    from flask_login import current_user

    from ..queries.reservations import unread_count

    if getattr(current_user, "is_authenticated", False):
        return {"unread_notifications": unread_count(current_user.id)}
    return {"unread_notifications": 0}


def unit_label(unit) -> str:
    return str(UNIT_LABELS.get(str(unit), unit))


def condition_label(condition) -> str:
    return str(CONDITION_LABELS.get(getattr(condition, "value", condition), condition))


def status_label(status) -> str:
    return str(STATUS_LABELS.get(getattr(status, "value", status), status))


def unit_choices():
    return [(key, str(label)) for key, label in UNIT_LABELS.items()]


def condition_choices():
    return [(key, str(label)) for key, label in CONDITION_LABELS.items()]


def page_url(page: int) -> str:
    """The current page's URL with another page number, all other parameters kept."""
    args = request.args.to_dict(flat=False)
    args["page"] = [str(page)]
    return url_for(request.endpoint, **(request.view_args or {}), **args)


def safe_highlight(text: str) -> Markup:
    """Highlight HTML (escaped text with <mark>) made safe whatever produced it: everything is
    escaped again and only <mark> tags are let back in."""
    escaped = str(escape(html.unescape(text)))
    return Markup(escaped.replace("&lt;mark&gt;", "<mark>").replace("&lt;/mark&gt;", "</mark>"))
