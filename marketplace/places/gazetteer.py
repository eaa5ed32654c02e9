"""The local gazetteer: street addresses with coordinates, read when no geocoder is configured.

A search is a street-name prefix (either language), an optional house number and an optional
postcode: "kutojan", "Kutojantie 6", "Vävarvägen 6, 02630 Esbo". Case and diacritics do not
matter. Only rows the loaded file holds are found: an address between two known numbers is not
found rather than placed between them.
"""

import re
from dataclasses import dataclass

import sqlalchemy as sa

from ..extensions import db
from ..models import GazetteerEntry
from .base import Place, search_key

_POSTCODE = re.compile(r"(?<!\d)(\d{5})(?!\d)")
# A house number: 6, 6a, 6 a, 3-5, 12 b 4 is not one (a flat number is not part of it).
_NUMBER = re.compile(r"\d{1,5}(?: ?[a-z])?(?: ?- ?\d{1,5}(?: ?[a-z])?)?")
MIN_STREET_CHARS = 2


@dataclass(frozen=True)
class Query:
    """A typed address taken apart: street-name prefix (as a search key), number, postcode."""

    street: str
    number: str | None
    postcode: str | None


def number_key(number: str) -> str:
    """A house number as compared: "12 A" and "12a" are the same."""
    return search_key(number).replace(" ", "")


def parse_query(text: str) -> Query | None:
    """The parts of a typed address, or None when no street name of 2+ characters is left.

    The postcode may stand anywhere; what follows the first comma (a municipality) is ignored."""
    key = search_key(text)
    postcodes = _POSTCODE.findall(key)
    key = _POSTCODE.sub(" ", key)
    street_part = key.split(",")[0].split()
    number = None
    # The house number is the last one to three words, if they read as one: "12", "12 a".
    for size in (3, 2, 1):
        tail = " ".join(street_part[-size:])
        if len(street_part) > size and _NUMBER.fullmatch(tail):
            number, street_part = number_key(tail), street_part[:-size]
            break
    street = " ".join(street_part).strip(" .-")
    if len(street) < MIN_STREET_CHARS:
        return None
    return Query(street=street, number=number, postcode=postcodes[-1] if postcodes else None)


def search(text: str, *, limit: int) -> list[Place]:
    """Addresses whose street starts with the typed name (Finnish or Swedish), best first."""
    query = parse_query(text)
    if query is None:
        return []
    entry = GazetteerEntry
    statement = sa.select(entry).where(
        sa.or_(_starts(entry.street_key, query.street), _starts(entry.street_sv_key, query.street))
    )
    number = sa.func.lower(sa.func.replace(entry.number, " ", ""))
    if query.number:
        # "Kukkavaasinkatu 3 A" (a stairway of number 3) also finds number 3 itself, listed
        # after an exact "3a" — the label shows which point is offered.
        building = re.match(r"\d+", query.number).group()
        statement = statement.where(number.in_({query.number, building}))
    if query.postcode:
        statement = statement.where(entry.postcode == query.postcode)
    # An exact street name before longer ones, then the numbers in their usual order.
    statement = statement.order_by(
        number != (query.number or ""),
        (entry.street_key != query.street) & (entry.street_sv_key.is_distinct_from(query.street)),
        entry.street_key,
        sa.func.length(entry.number),
        entry.number,
        entry.postcode,
    ).limit(limit)
    return [_place(row, query) for row in db.session.scalars(statement)]


def _starts(column, prefix: str):
    """`column` starts with `prefix`. SQLite does not use an index for LIKE on a case-sensitive
    column, so there the prefix is also given as a range, which it does (the keys are lower case
    and compared byte by byte). PostgreSQL's collations need not order a prefix's strings
    together, so there LIKE stands alone."""
    like = column.startswith(prefix, autoescape=True)
    if db.session.get_bind().dialect.name != "sqlite":
        return like
    after = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    return sa.and_(column >= prefix, column < after, like)


def _place(row: GazetteerEntry, query: Query) -> Place:
    """The result as the reader typed it: the Swedish street name when that is what matched."""
    swedish = (
        row.street_sv
        and row.street_sv_key.startswith(query.street)
        and not row.street_key.startswith(query.street)
    )
    street = row.street_sv if swedish else row.street
    label = f"{street} {row.number}".strip() + f", {row.postcode}"
    return Place(label=label, lat=row.lat, lng=row.lng, source=row.source)
