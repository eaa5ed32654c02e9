"""Numbers, masses, money, dates and times as the reader writes them: `2,4 t`, `0,40 €`,
`7.12.2026 klo 12.30` in Finnish. The one home of these notations for pages, e-mails and the
printable report (the API and the open data keep machine formats: '.', ISO 8601).

Every function takes the locale of the request (or of `force_locale`, as e-mails do) unless one
is given. Times are shown in Helsinki time, where every site of the exchange is.
"""

from datetime import UTC, date, datetime, time
from decimal import ROUND_HALF_UP, Decimal

from babel.dates import format_date as _babel_date
from babel.dates import format_datetime as _babel_datetime
from babel.dates import format_time as _babel_time
from babel.numbers import format_currency, format_decimal, format_percent, get_decimal_symbol
from flask_babel import get_locale

from .clock import HELSINKI
from .locales import FALLBACK, LOCALES

NBSP = "\u00a0"  # between a figure and its unit, so `2,4 t` never breaks across lines
# CLDR's own "medium" patterns carry seconds and its Swedish dates are Sweden's (2026-12-07);
# these are the forms written in Finland (Kotus, Institutet för de inhemska språken), and a plain
# British English one for every other language. No seconds anywhere: nobody collects material to
# the second.
PATTERNS = {
    "fi": {"date": "d.M.y", "time": "H.mm", "datetime": "d.M.y 'klo' H.mm"},
    "sv": {"date": "d.M.y", "time": "H.mm", "datetime": "d.M.y 'kl.' H.mm"},
}
ENGLISH_PATTERNS = {"date": "d MMM y", "time": "HH:mm", "datetime": "d MMM y, HH:mm"}


def init_app(app):
    """Register the filters every template uses for figures and moments."""
    app.jinja_env.filters.update(
        number=number,
        kg=kg,
        tonnes=tonnes,
        money=money,
        percent=percent,
        date=format_date,
        datetime=format_datetime,
        time_local=format_time,
    )


def locale_code(locale=None) -> str:
    """'fi', 'sv' or 'en': the given locale, else the request's (Finnish when unknown)."""
    code = str(locale or get_locale() or FALLBACK).split("_")[0]
    return code if code in LOCALES else FALLBACK


def _decimal(value, digits: int | None) -> Decimal:
    value = value if isinstance(value, Decimal) else Decimal(str(value))
    if digits is not None:
        value = value.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    # normalize() would write 1200 as 1.2E+3; adding 0 after it keeps the plain form
    return value.normalize() + 0 if value == value.to_integral() else value.normalize()


def number(value, digits: int | None = None, locale=None) -> str:
    """A quantity in the reader's notation, at most `digits` decimals: 1 200,5 / 1,200.5."""
    if value is None or value == "":
        return ""
    return format_decimal(
        _decimal(value, digits), locale=locale_code(locale), decimal_quantization=False
    )


def editable(value, locale=None) -> str:
    """A number as the reader types it into a form: the locale's decimal mark, no grouping."""
    if value is None or value == "":
        return ""
    # a Decimal keeps its own places (a price 12.50 stays 12,50); floats are written short
    plain = format(value if isinstance(value, Decimal) else Decimal(str(value)), "f")
    return plain.replace(".", get_decimal_symbol(locale_code(locale)))


def kg(value, digits: int | None = 3, locale=None) -> str:
    """A mass in kilograms with its unit: 150,5 kg (to the gram by default)."""
    return "" if value is None else f"{number(value, digits, locale)}{NBSP}kg"


def tonnes(value_kg, digits: int | None = 1, locale=None) -> str:
    """A mass given in kilograms, written in tonnes: 2,4 t."""
    if value_kg is None:
        return ""
    value = value_kg if isinstance(value_kg, Decimal) else Decimal(str(value_kg))
    return f"{number(value / 1000, digits, locale)}{NBSP}t"


def money(cents: int | None, locale=None) -> str:
    """Euro cents as an amount: 0,40 € / €0.40."""
    if cents is None:
        return ""
    return format_currency(Decimal(cents) / 100, "EUR", locale=locale_code(locale))


def percent(share, digits: int = 1, locale=None) -> str:
    """A share (0.125) as a percentage: 12,5 % / 12.5%; a dash when there is none."""
    if share is None:
        return "–"
    value = _decimal(Decimal(str(share)) * 100, digits) / 100
    return format_percent(value, locale=locale_code(locale), decimal_quantization=False)


def _pattern(code: str, kind: str) -> str:
    return PATTERNS.get(code, ENGLISH_PATTERNS)[kind]


def _helsinki(value: datetime) -> datetime:
    """Stored times are UTC (SQLite hands them back naive); readers live in Helsinki."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(HELSINKI)


def format_date(value, locale=None) -> str:
    """A calendar date: 7.12.2026 / 7 Dec 2026 (a datetime gives its Helsinki date; an ISO
    string, as notifications store dates, is read first)."""
    if not value:
        return ""
    if isinstance(value, str):
        value = date.fromisoformat(value)
    if isinstance(value, datetime):
        value = _helsinki(value).date()
    code = locale_code(locale)
    return _babel_date(value, _pattern(code, "date"), locale=code)


def format_datetime(value, locale=None) -> str:
    """A moment in Helsinki time, without seconds: 7.12.2026 klo 12.30 / 7 Dec 2026, 12:30."""
    if not value:
        return ""
    if isinstance(value, date) and not isinstance(value, datetime):
        return format_date(value, locale)
    code = locale_code(locale)
    return _babel_datetime(_helsinki(value), _pattern(code, "datetime"), locale=code)


def format_time(value, locale=None) -> str:
    """A time of day in Helsinki: 12.30 / 12:30."""
    if not value:
        return ""
    code = locale_code(locale)
    local = _helsinki(value) if isinstance(value, datetime) else value
    if not isinstance(local, (datetime, time)):
        raise TypeError(f"format_time needs a datetime or a time, not {type(value).__name__}")
    return _babel_time(local, _pattern(code, "time"), locale=code)
