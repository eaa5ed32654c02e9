"""Places: the local gazetteer of street addresses that address search reads without a geocoder.

Operators load it from an open address file (`flask places load FILE`); a row is a point that
file gives, never one computed here.
"""

import sqlalchemy as sa
import sqlalchemy.orm as so

from ..extensions import db


class GazetteerEntry(db.Model):
    """One street address with its coordinates, as the loaded file gives them."""

    __tablename__ = "gazetteer_entry"
    # One row per address: loading the same file twice updates rows instead of adding them.
    __table_args__ = (sa.UniqueConstraint("street_key", "number", "postcode"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    street: so.Mapped[str] = so.mapped_column(sa.String(120))
    # The Swedish name of the street where the file has one (bilingual municipalities).
    street_sv: so.Mapped[str | None] = so.mapped_column(sa.String(120))
    # Lower case, diacritics removed (places.search_key): what a search prefix is matched on.
    street_key: so.Mapped[str] = so.mapped_column(sa.String(120), index=True)
    street_sv_key: so.Mapped[str | None] = so.mapped_column(sa.String(120), index=True)
    # House number as written ("7", "12 A"); empty when the file gives the street only.
    number: so.Mapped[str] = so.mapped_column(sa.String(20), default="")
    postcode: so.Mapped[str] = so.mapped_column(sa.String(5))
    lat: so.Mapped[float]
    lng: so.Mapped[float]
    # Where the row came from (the file's name or the operator's --source), shown with results.
    source: so.Mapped[str] = so.mapped_column(sa.String(200))
