"""Template helpers: localised labels for units and conditions, paging links, highlights."""

import html

from flask import current_app, request, url_for
from markupsafe import Markup, escape

from .. import clock, labels
from ..models import LATE_CANCEL_HOURS
from ..services.listings import DEFAULT_WINDOW_DAYS
from .map_links import site_links


def init_app(app):
    """Make the helpers available in every template."""
    app.jinja_env.globals.update(
        unit_label=unit_label,
        condition_label=condition_label,
        status_label=status_label,
        today=clock.today,
        now=clock.now,
        page_url=page_url,
        unit_choices=unit_choices,
        condition_choices=condition_choices,
        event_label=event_label,
        reservation_status_label=reservation_status_label,
        view_url=view_url,
        site_links=site_links,
    )
    app.context_processor(_unread_notifications)
    app.context_processor(_rules)
    app.jinja_env.filters["safe_highlight"] = safe_highlight
    app.jinja_env.filters["nl2br"] = nl2br


def nl2br(text: str) -> Markup:
    """Escaped text with its line breaks kept."""
    return Markup("<br>").join(escape(line) for line in (text or "").replace("\r", "").split("\n"))


def event_label(kind: str) -> str:
    return labels.label(labels.EVENTS, kind)


def _rules() -> dict:
    """The marketplace rules pages state in words, from their one home (never typed in a
    template): late cancellation, the deposit's pickup window, a listing's default window."""
    return {
        "late_cancel_hours": LATE_CANCEL_HOURS,
        "default_window_days": DEFAULT_WINDOW_DAYS,
        "deposit_max_days": current_app.config["DEPOSIT_MAX_DAYS"],
    }


def _unread_notifications() -> dict:
    """The unread count for the header badge (signed-in users only)."""
    from flask_login import current_user

    from ..queries.reservations import unread_count

    if getattr(current_user, "is_authenticated", False):
        return {"unread_notifications": unread_count(current_user.id)}
    return {"unread_notifications": 0}


def unit_label(unit) -> str:
    return labels.label(labels.UNITS, unit)


def condition_label(condition) -> str:
    return labels.label(labels.CONDITIONS, condition)


def status_label(status) -> str:
    return labels.label(labels.LISTING_STATUSES, status)


def reservation_status_label(status) -> str:
    return labels.label(labels.RESERVATION_STATUSES, status)


def unit_choices():
    return [(key, str(name)) for key, name in labels.UNITS.items()]


def condition_choices():
    return [(key, str(name)) for key, name in labels.CONDITIONS.items()]


def page_url(page: int) -> str:
    """The current page's URL with another page number, all other parameters kept."""
    args = request.args.to_dict(flat=False)
    args["page"] = [str(page)]
    return url_for(request.endpoint, **(request.view_args or {}), **args)


def view_url(view: str) -> str:
    """The current search as a list or as a map."""
    args = request.args.to_dict(flat=False)
    args["view"] = [view]
    args.pop("page", None)
    return url_for(request.endpoint or "main.index", **args)


def safe_highlight(text: str) -> Markup:
    """Highlight HTML (escaped text with <mark>) made safe whatever produced it: everything is
    escaped again and only <mark> tags are let back in."""
    escaped = str(escape(html.unescape(text)))
    return Markup(escaped.replace("&lt;mark&gt;", "<mark>").replace("&lt;/mark&gt;", "</mark>"))


def prefill(record):
    """`obj=` for a form that edits `record`: its values on GET only. On POST the form holds
    exactly what was posted; WTForms would keep the record's value for a field missing from the
    request (a Decimal, not text) and validate that instead of reporting the field."""
    return None if request.method == "POST" else record
