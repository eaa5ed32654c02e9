"""What a page shows a person about a service error they can act on. Its own module, so that
page modules import it without importing the package that registers them."""

from flask import flash

from ..errors import Conflict, DomainError, PaymentError, ValidationFailed

# Errors a person can act on: shown on the page. NotFound and Forbidden are not caught by views,
# so they always answer 404 / 403 (authorisation is never turned into a friendly redirect).
USER_ERRORS = (ValidationFailed, Conflict, PaymentError)


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
