"""Shared value rules for services: text, decimals, coordinates, dates. One place for each limit."""

from datetime import date
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l

from ..models.types import to_milli

MAX_QUANTITY = Decimal("1000000000")  # 10^9 units is more than any lot
MAX_KG_PER_UNIT = Decimal("1000000")  # a 1000 t element is the heaviest thing we accept per unit
MAX_PRICE_CENTS = 100_000_000  # 1 000 000 € per unit


class Errors(dict):
    """Collects field errors; `raise_if_any()` raises one ValidationFailed with all of them."""

    def raise_if_any(self, error_class=None):
        from ..errors import ValidationFailed

        if self:
            raise (error_class or ValidationFailed)(fields=dict(self))


def text(errors: Errors, field: str, value, *, required=True, min_len=1, max_len=200) -> str:
    """Trimmed text within limits; NUL and other control characters (but newlines) rejected."""
    value = "" if value is None else str(value)
    value = value.strip()
    if any(ord(c) < 32 and c not in "\n\r\t" for c in value):
        errors[field] = _l("Remove the control characters from this text.")
    elif required and len(value) < min_len:
        errors[field] = (
            _l("This field is required.")
            if min_len <= 1
            else _l("Use at least %(n)d characters.", n=min_len)
        )
    elif len(value) > max_len:
        errors[field] = _l("Use at most %(n)d characters.", n=max_len)
    return value


def decimal(
    errors: Errors, field: str, value, *, required=True, positive=True, maximum=MAX_QUANTITY
):
    """A decimal with at most 3 decimal places in (0, maximum], or None when optional and empty."""
    if value is None or value == "":
        if required:
            errors[field] = _l("This field is required.")
        return None
    if isinstance(value, bool) or isinstance(value, float) and value != value:
        errors[field] = _l("Enter a number.")
        return None
    try:
        number = (
            Decimal(str(value).strip().replace(",", "."))
            if not isinstance(value, Decimal)
            else value
        )
        to_milli(number)
    except (InvalidOperation, ValueError):
        errors[field] = _l("Enter a number with at most 3 decimals.")
        return None
    if not number.is_finite() or (positive and number <= 0) or number < 0:
        errors[field] = _l("Enter a number greater than zero.")
        return None
    if number > maximum:
        errors[field] = _l("Enter at most %(max)s.", max=f"{maximum:,}".replace(",", " "))
        return None
    return number


def integer(
    errors: Errors, field: str, value, *, minimum=0, maximum=MAX_PRICE_CENTS, default=0
) -> int:
    """A whole number within limits (money in cents, ids)."""
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        errors[field] = _l("Enter a whole number.")
        return default
    try:
        number = int(value) if not isinstance(value, float) or value.is_integer() else None
        if number is None:
            raise ValueError
    except (TypeError, ValueError, OverflowError):
        errors[field] = _l("Enter a whole number.")
        return default
    if not minimum <= number <= maximum:
        errors[field] = _l("Enter a number from %(min)d to %(max)d.", min=minimum, max=maximum)
    return number


def coordinate(errors: Errors, field: str, value, *, limit: float) -> float | None:
    """A WGS84 latitude (limit 90) or longitude (limit 180)."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        errors[field] = _l("Enter a coordinate in decimal degrees.")
        return None
    if isinstance(value, bool) or number != number or not -limit <= number <= limit:
        errors[field] = _l("Enter a coordinate between -%(limit)d and %(limit)d.", limit=limit)
        return None
    return number


def iso_date(errors: Errors, field: str, value) -> date | None:
    """A date object from a date or 'YYYY-MM-DD'."""
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        errors[field] = _l("Enter a date as YYYY-MM-DD.")
        return None
