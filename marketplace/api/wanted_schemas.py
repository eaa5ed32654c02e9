"""API shapes of wanted posts (contract: api-v1-additions.md, "Wanted posts (demand)")."""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from ..models import WantedStatus
from ..services.validation import MAX_PRICE_CENTS
from ..services.wanted import MAX_RADIUS_KM
from .schemas import Number, Quantity, Request, Unit, decimal_schema, limits

Radius = Annotated[
    Decimal,
    decimal_schema(MAX_RADIUS_KM),
    Field(description="How far to look, km, at most 3 decimal places; default 5 (the Kera area)"),
]
_WINDOW = "needed_by may not be in the past nor before needed_from (422)"


class WantedCreate(Request):
    title: str = Field(**limits(minLength=3, maxLength=140))
    description: str = Field("", **limits(maxLength=5000))
    category: str | None = Field(
        None, description="Category slug from GET /api/v1/categories", max_length=40
    )
    quantity: Quantity
    unit: Unit
    needed_from: date | None = Field(None, description="First day the material is needed")
    needed_by: date = Field(description=f"Last day the material is needed; {_WINDOW}")
    lat: float | None = Field(
        None, description="Where it is needed (WGS84); with lng", **limits(minimum=-90, maximum=90)
    )
    lng: float | None = Field(None, description="With lat", **limits(minimum=-180, maximum=180))
    radius_km: Radius | None = None
    max_price_cents: int | None = Field(
        None,
        description="Highest price per unit, euro cents; null = any",
        **limits(minimum=0, maximum=MAX_PRICE_CENTS),
    )


class WantedUpdate(Request):
    """PATCH: only the fields sent change."""

    title: str | None = Field(None, **limits(minLength=3, maxLength=140))
    description: str | None = Field(None, **limits(maxLength=5000))
    category: str | None = Field(None, max_length=40)
    quantity: Quantity | None = None
    unit: Unit | None = None
    needed_from: date | None = None
    needed_by: date | None = Field(None, description=_WINDOW)
    lat: float | None = Field(None, **limits(minimum=-90, maximum=90))
    lng: float | None = Field(None, **limits(minimum=-180, maximum=180))
    radius_km: Radius | None = None
    max_price_cents: int | None = Field(None, **limits(minimum=0, maximum=MAX_PRICE_CENTS))


class WantedOut(BaseModel):
    id: int
    title: str
    description: str
    category: str | None
    quantity: Number
    quantity_covered: Number
    unit: Unit
    needed_from: date | None
    needed_by: date
    lat: float | None
    lng: float | None
    radius_km: Number
    max_price_cents: int | None
    status: Literal[tuple(s.value for s in WantedStatus)]
    created_at: datetime
    poster: str = Field(description="The poster's organisation name, or `resident`")
    distance_km: float | None = None


class WantedPageOut(BaseModel):
    hits: list[WantedOut]
    total: int
    page: int
    per_page: int
