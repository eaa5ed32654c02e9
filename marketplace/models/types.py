"""Column types that behave the same on SQLite and PostgreSQL.

Quantities, masses and CO2e are exact decimals stored as scaled integers (thousandths), so that
`quantity - reserved - collected >= :wanted` is integer arithmetic in SQL on both databases
(SQLite has no exact NUMERIC). Timestamps are stored as naive UTC and returned aware.
"""

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from sqlalchemy import BigInteger, DateTime
from sqlalchemy.types import TypeDecorator

SCALE = 3  # three decimal places: 0.001 units, one gram, one gram of CO2e
_FACTOR = 10**SCALE


def to_milli(value, scale: int = SCALE) -> int:
    """An exact decimal (at most `scale` decimals) as a scaled integer; ValueError otherwise."""
    try:
        d = Decimal(str(value)) if not isinstance(value, Decimal) else value
        scaled = d.scaleb(scale)
    except (InvalidOperation, TypeError) as exc:
        raise ValueError(f"not a decimal: {value!r}") from exc
    if not scaled.is_finite() or scaled != scaled.to_integral_value():
        raise ValueError(f"more than {scale} decimal places: {value!r}")
    return int(scaled)


def from_milli(value: int, scale: int = SCALE) -> Decimal:
    """A scaled integer back to a Decimal with `scale` decimal places."""
    return Decimal(value).scaleb(-scale)


class Scaled(TypeDecorator):
    """An exact Decimal with `scale` decimal places, stored as a BIGINT."""

    impl = BigInteger
    cache_ok = True

    def __init__(self, scale: int = SCALE):
        super().__init__()
        self.scale = scale

    def process_bind_param(self, value, dialect):
        return None if value is None else to_milli(value, self.scale)

    def process_result_value(self, value, dialect):
        return None if value is None else from_milli(value, self.scale)


def Milli():  # noqa: N802 - reads like a type in column definitions
    """Quantities, kg and kg CO2e: three decimals (thousandths, grams)."""
    return Scaled(SCALE)


class UTCDateTime(TypeDecorator):
    """An aware UTC datetime, stored without zone information."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use clock.now() or an aware datetime")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        return None if value is None else value.replace(tzinfo=UTC)


def string_enum(cls, name: str, length: int = 20) -> sa.Enum:
    """A Python enum stored as its values in a VARCHAR with a CHECK constraint: the same column
    on SQLite and PostgreSQL, and adding a member needs no ALTER TYPE."""
    return sa.Enum(
        cls,
        native_enum=False,
        length=length,
        values_callable=lambda e: [m.value for m in e],
        create_constraint=True,
        name=name,
    )
