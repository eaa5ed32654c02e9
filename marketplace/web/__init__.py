"""HTML pages: one blueprint per area, forms in web/forms/."""
from flask import flash

from ..errors import Conflict, DomainError, PaymentError, ValidationFailed

# Errors a person can act on: shown on the page. NotFound and Forbidden are not caught by views,
# so they always answer 404 / 403 (authorisation is never turned into a friendly redirect).
USER_ERRORS = (ValidationFailed, Conflict, PaymentError)


def init_app(app):
    """Register the page blueprints."""
    from . import (accounts, helpers, impact, listings, main, media, notifications, payments, reservations,
                   searches, sites, staff)

    helpers.init_app(app)
    for module in (main, accounts, sites, listings, media, reservations, notifications, impact, staff, payments,
                   searches):
        app.register_blueprint(module.bp)


def show_errors(form, exc: DomainError) -> None:
    """Put a service's field errors next to the matching form fields; anything else is flashed."""
    unplaced = []
    for name, message in exc.fields.items():
        field = form._fields.get(name.split(".")[0])
        if field is not None:
            field.errors = list(field.errors) + [str(message)]
        else:
            unplaced.append(str(message))
    if unplaced or not exc.fields:
        flash(" ".join(unplaced) if unplaced else str(exc.message), "error")
