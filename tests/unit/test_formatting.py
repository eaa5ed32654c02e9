"""The notations of marketplace/formatting.py and the decimal parsing of the forms' one field."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from marketplace import formatting as f
from marketplace.api import csvfiles
from marketplace.locales import LOCALES
from marketplace.web.forms.numbers import parse_decimal

MOMENT = datetime(2026, 12, 7, 10, 30, 59, tzinfo=UTC)  # 12.30 in Helsinki (EET)
EXPECTED = {
    "fi": (
        "7.12.2026 klo 12.30",
        "7.12.2026",
        "12.30",
        "2,4\u00a0t",
        "150,5\u00a0kg",
        "0,40\u00a0€",
        "1\u00a0234,5",
    ),
    "sv": (
        "7.12.2026 kl. 12.30",
        "7.12.2026",
        "12.30",
        "2,4\u00a0t",
        "150,5\u00a0kg",
        "0,40\u00a0€",
        "1\u00a0234,5",
    ),
    "en": (
        "7 Dec 2026, 12:30",
        "7 Dec 2026",
        "12:30",
        "2.4\u00a0t",
        "150.5\u00a0kg",
        "€0.40",
        "1,234.5",
    ),
}


@pytest.mark.parametrize("locale", LOCALES)
def test_every_language_has_its_notation(locale):
    assert set(EXPECTED) == set(LOCALES)
    assert (
        f.format_datetime(MOMENT, locale),
        f.format_date(date(2026, 12, 7), locale),
        f.format_time(MOMENT, locale),
        f.tonnes(Decimal("2400.000"), locale=locale),
        f.kg(Decimal("150.500"), locale=locale),
        f.money(40, locale),
        f.number(Decimal("1234.5"), locale=locale),
    ) == EXPECTED[locale]


def test_naive_times_are_utc_and_a_summer_time_is_eest():
    assert f.format_datetime(datetime(2026, 7, 1, 9, 5), "fi") == "1.7.2026 klo 12.05"
    assert f.format_date(datetime(2026, 12, 31, 22, 30, tzinfo=UTC), "fi") == "1.1.2027"


def test_numbers_round_half_up_and_drop_trailing_zeros():
    assert f.number(Decimal("1310.650") / 1000, 3, "fi") == "1,311"
    assert f.number(Decimal("1200.000"), locale="fi") == "1\u00a0200"
    assert (
        f.number(2.0, locale="en") == "2"
        and f.number(None) == ""
        and f.number("12.50", locale="fi") == "12,5"
    )
    assert f.percent(Decimal("0.125"), locale="fi") == "12,5\u00a0%" and f.percent(None) == "–"
    assert f.editable(Decimal("12.50"), "fi") == "12,50" and f.editable(60.217, "en") == "60.217"


@pytest.mark.parametrize(
    "typed, value",
    [
        ("60,2170", Decimal("60.2170")),
        ("60.2170", Decimal("60.2170")),
        ("1 234,5", Decimal("1234.5")),
        ("1\u00a0234,5", Decimal("1234.5")),
        ("1\u202f234\u202f567", Decimal(1234567)),
        ("\u221212,5", Decimal("-12.5")),
        (",5", Decimal("0.5")),
        ("  7 ", Decimal(7)),
        ("", None),
        ("   ", None),
    ],
)
def test_a_typed_number_means_what_a_finn_means(typed, value):
    assert parse_decimal(typed) == value


@pytest.mark.parametrize(
    "typed",
    [
        "1.234,5",
        "1,234.5",
        "12,5,0",
        "12 34",
        "1e5",
        "NaN",
        "Infinity",
        "٣",
        "12,",
        "-",
        "1" * 41,
        "0x10",
    ],
)
def test_anything_ambiguous_is_refused(typed):
    with pytest.raises(ValueError):
        parse_decimal(typed)


def test_the_spreadsheet_csv_changes_numbers_only():
    assert csvfiles._spreadsheet_cell(Decimal("2400.000")) == "2400,000"
    assert csvfiles._spreadsheet_cell(0.5) == "0,5"
    assert (
        csvfiles._spreadsheet_cell(12) == 12
        and csvfiles._spreadsheet_cell("17 01 01") == "17 01 01"
    )
    assert csvfiles._spreadsheet_cell("2026-12-07T10:30:00+00:00") == "2026-12-07T10:30:00+00:00"
