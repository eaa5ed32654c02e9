"""The one source of 'now' for services and the worker, so tests can control time.

Tests call `clock.set(datetime)` / `clock.advance(minutes=...)` (see tests/conftest.py);
production reads the system clock. All datetimes are timezone-aware UTC.
"""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

HELSINKI = ZoneInfo("Europe/Helsinki")
_frozen = None


def now():
    """Current time, aware UTC."""
    return _frozen if _frozen is not None else datetime.now(UTC)


def today():
    """Today's date in Helsinki, where every site of the exchange is."""
    return now().astimezone(HELSINKI).date()


def set(value):  # noqa: A001 - reads naturally as clock.set(...)
    """Freeze the clock at `value` (aware datetime), or unfreeze it with None."""
    global _frozen
    if value is not None and value.tzinfo is None:
        raise ValueError("clock.set needs an aware datetime")
    _frozen = value


def advance(**delta):
    """Move a frozen clock forward by a timedelta's keyword arguments."""
    if _frozen is None:
        raise RuntimeError("clock.advance needs a frozen clock")
    set(_frozen + timedelta(**delta))


def local_date(value: datetime) -> date:
    """The Helsinki calendar date of an aware datetime."""
    return value.astimezone(HELSINKI).date()
