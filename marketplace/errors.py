"""Domain errors raised by services. Web forms and the API translate them in one place each.

Each error carries a stable `code` (the API contract's error code), an HTTP `status` and a
translatable message; validation errors also carry per-field messages.
"""

from flask_babel import lazy_gettext as _l


class DomainError(Exception):
    """Base class: a use case refused because a rule of the marketplace was broken."""

    code = "bad_request"
    status = 400
    default_message = _l("The request could not be processed.")

    def __init__(self, message=None, *, fields=None, **details):
        self.message = message if message is not None else self.default_message
        self.fields = dict(fields or {})
        self.details = details
        super().__init__(str(self.message))


class ValidationFailed(DomainError):
    code = "validation_failed"
    status = 422
    default_message = _l("Some values are not valid.")


class UnknownField(ValidationFailed):
    code = "unknown_field"
    default_message = _l("The request contains fields that cannot be set.")


class HazardousMaterial(ValidationFailed):
    code = "hazardous_material"
    default_message = _l("Hazardous materials cannot be listed on the exchange.")


class ImplausibleMass(ValidationFailed):
    code = "implausible_mass"
    default_message = _l(
        "This mass is far from what such material weighs. Check it, or confirm it if it is right."
    )


class NotFound(DomainError):
    code = "not_found"
    status = 404
    default_message = _l("Not found.")


class Forbidden(DomainError):
    code = "forbidden"
    status = 403
    default_message = _l("You are not allowed to do that.")


class Unauthenticated(DomainError):
    code = "unauthenticated"
    status = 401
    default_message = _l("Sign in or send a valid API token.")


class Conflict(DomainError):
    code = "conflict"
    status = 409
    default_message = _l("That conflicts with the current state.")


class InvalidTransition(Conflict):
    code = "invalid_transition"
    default_message = _l("That change is not allowed in the current state.")


class InsufficientQuantity(Conflict):
    code = "insufficient_quantity"
    default_message = _l("Not enough quantity left.")


class ListingNotAvailable(Conflict):
    code = "listing_not_available"
    default_message = _l("This listing is not available.")


class LimitReached(Conflict):
    code = "limit_reached"
    default_message = _l("You have reached a limit.")


class PaymentError(DomainError):
    code = "payment_failed"
    status = 502
    default_message = _l("The payment service did not answer. Nothing was charged; try again.")


class Unconfirmed(Forbidden):
    code = "unconfirmed"
    default_message = _l(
        "Confirm your e-mail address first: open the link we sent you. "
        "Your account page can send it again."
    )


class InvalidToken(DomainError):
    code = "invalid_token"
    status = 400
    default_message = _l(
        "This link is not valid: it has expired, has been used already, or is "
        "incomplete. Ask for a new one."
    )


class OrganizationHasOpenListings(Conflict):
    code = "organization_has_open_listings"
    default_message = _l(
        "You are the last member of your organisation and it still has open "
        "listings. Withdraw them first (or ask the city to add another member), "
        "then delete your account."
    )
