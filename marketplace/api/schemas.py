"""API shapes: request bodies (unknown fields rejected) and responses, as pydantic models.

These models are the single source of the OpenAPI document (api/openapi.py). They check shape
only (types); the services check meaning (ranges, ownership, availability).
"""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, WithJsonSchema

from ..models import UNITS, Condition
from ..services.validation import MAX_KG_PER_UNIT, MAX_PRICE_CENTS, MAX_QUANTITY

Number = Annotated[
    Decimal,
    PlainSerializer(
        lambda d: int(d) if d == d.to_integral_value() else float(d),
        return_type=int | float,
        when_used="json",
    ),
]


def decimal_schema(maximum: Decimal) -> WithJsonSchema:
    """How a request decimal is documented: a number or numeric string, > 0, at most 3 decimals."""
    return WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "exclusiveMinimum": 0, "maximum": int(maximum)},
                {"type": "string", "pattern": r"^[0-9]{1,10}(\.[0-9]{1,3})?$"},
            ]
        },
        mode="validation",
    )


def limits(**keywords) -> dict:
    """JSON-schema bounds for the document only: the services enforce them and word the message
    (tests/fuzz/test_openapi_document.py checks that both agree)."""
    return {"json_schema_extra": keywords}


_DECIMALS = "at most 3 decimal places (number or numeric string)"
Quantity = Annotated[
    Decimal, decimal_schema(MAX_QUANTITY), Field(description=f"Decimal, {_DECIMALS}")
]
KgPerUnit = Annotated[
    Decimal, decimal_schema(MAX_KG_PER_UNIT), Field(description=f"kg per unit, {_DECIMALS}")
]
WeighedKg = Annotated[
    Decimal, decimal_schema(MAX_KG_PER_UNIT * 1000), Field(description=f"kg, {_DECIMALS}")
]
_HH_MM = "^([01][0-9]|2[0-3]):[0-5][0-9]$"
Hours = Annotated[str, WithJsonSchema({"type": "string", "pattern": _HH_MM}, mode="validation")]
Unit = Literal[UNITS]  # the enumerations, defined once
ConditionGrade = Literal[tuple(c.value for c in Condition)]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


class Request(BaseModel):
    """A request body: unknown fields are refused (no mass assignment)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)


class TokenCreate(Request):
    email: str = Field(max_length=254)
    password: str = Field(max_length=1000)
    name: str = Field("", max_length=100, description="A label for the token")


# A site's staged-release default, the same field on create and update.
STAGED_RELEASE_HOURS = Field(
    None,
    description=(
        "Staged release: hours each new listing of the site is open only to builders of "
        "verified organisations and city staff (0 = public at once); null: the server's "
        "STAGED_RELEASE_HOURS"
    ),
    **limits(minimum=0, maximum=720),
)


class SiteCreate(Request):
    name: str = Field(**limits(minLength=1, maxLength=120))
    address: str = Field(**limits(minLength=1, maxLength=200))
    lat: float = Field(description="WGS84 latitude, -90..90", **limits(minimum=-90, maximum=90))
    lng: float = Field(
        description="WGS84 longitude, -180..180", **limits(minimum=-180, maximum=180)
    )
    pickup_instructions: str = Field("", **limits(maxLength=2000))
    opening_hours: dict[Weekday, tuple[Hours, Hours]] | None = Field(
        None,
        description='e.g. {"mon": ["07:00", "16:00"]}; a missing day is closed; '
        "opening before closing",
    )
    staged_release_hours: int | None = STAGED_RELEASE_HOURS


class SiteUpdate(Request):
    """PATCH: only the fields sent change."""

    name: str | None = Field(None, **limits(minLength=1, maxLength=120))
    address: str | None = Field(None, **limits(minLength=1, maxLength=200))
    lat: float | None = Field(
        None, description="WGS84 latitude, -90..90", **limits(minimum=-90, maximum=90)
    )
    lng: float | None = Field(
        None, description="WGS84 longitude, -180..180", **limits(minimum=-180, maximum=180)
    )
    pickup_instructions: str | None = Field(None, **limits(maxLength=2000))
    opening_hours: dict[Weekday, tuple[Hours, Hours]] | None = None
    staged_release_hours: int | None = STAGED_RELEASE_HOURS


class ListingCreate(Request):
    title: str = Field(**limits(minLength=3, maxLength=140))
    description: str = Field("", **limits(maxLength=5000))
    category: str = Field(description="Category slug from GET /api/v1/categories")
    quantity: Quantity
    unit: Unit
    kg_per_unit: KgPerUnit | None = Field(
        None, description="Omit to use the catalogue's typical mass"
    )
    condition: ConditionGrade
    site_id: int = Field(
        description="One of the caller's organisation's sites", **limits(minimum=1)
    )
    price_cents: int = Field(
        0,
        description="Price per unit in euro cents; 0 = free",
        **limits(minimum=0, maximum=MAX_PRICE_CENTS),
    )
    available_from: date | None = Field(None, description="Default: today")
    available_until: date | None = Field(
        None,
        description="Default: 30 days after available_from; "
        "not in the past, at most a year after available_from",
    )
    dimensions: str = Field("", **limits(maxLength=120))
    public_from: datetime | None = Field(
        None,
        description=(
            "Staged release: until this moment (ISO 8601; without an offset, Helsinki time) only "
            "builders of verified organisations and city staff see, find and reserve the listing. "
            "Not after available_until. Default: now + the site's staged_release_hours (or the "
            "server's STAGED_RELEASE_HOURS, 0 = public at once)"
        ),
    )
    hazard_free: bool = Field(
        True,
        description=(
            "The seller's declaration that the material is free of asbestos, PCB and other "
            "hazardous substances. Posting through the API makes this declaration (the token page "
            "says so); false is refused."
        ),
    )
    confirm_unusual_mass: bool = Field(
        False,
        description=(
            "Confirm a kg_per_unit outside the category's kg_per_unit_range: the listing is then "
            "created with mass_flagged true for the city's review; without it 422 implausible_mass"
        ),
    )


class ListingUpdate(Request):
    """PATCH: only the fields sent change; null leaves a field as it is."""

    title: str | None = Field(None, **limits(minLength=3, maxLength=140))
    description: str | None = Field(None, **limits(maxLength=5000))
    category: str | None = None
    quantity: Quantity | None = None
    unit: Unit | None = None
    kg_per_unit: KgPerUnit | None = None
    condition: ConditionGrade | None = None
    site_id: int | None = Field(None, **limits(minimum=1))
    price_cents: int | None = Field(None, **limits(minimum=0, maximum=MAX_PRICE_CENTS))
    available_from: date | None = None
    available_until: date | None = None
    dimensions: str | None = Field(None, **limits(maxLength=120))
    public_from: datetime | None = Field(
        None,
        description=(
            "Staged release: until this moment (ISO 8601; without an offset, Helsinki time) only "
            "builders of verified organisations and city staff see, find and reserve the listing. "
            "Not after available_until. Null leaves it as it is"
        ),
    )
    confirm_unusual_mass: bool = Field(
        False,
        description=(
            "Confirm a kg_per_unit outside the category's kg_per_unit_range: the listing is then "
            "created with mass_flagged true for the city's review; without it 422 implausible_mass"
        ),
    )


class OrganizationOut(BaseModel):
    id: int
    name: str


class OrganizationDetailOut(BaseModel):
    id: int
    name: str
    business_id: str
    verified: bool


class UserOut(BaseModel):
    id: int
    email: str
    display_name: str
    role: Literal["builder", "resident", "city"]
    organization: OrganizationOut | None


class TokenOut(BaseModel):
    token: str
    user: UserOut


class CategoryOut(BaseModel):
    slug: str
    name: dict[str, str]
    ewc_code: str
    default_unit: Unit
    kg_per_unit: dict[str, float]
    kg_per_unit_range: dict[str, tuple[float, float]] = Field(
        {}, description="Plausible [min, max] kg per unit for each unit (exact for kg and t)"
    )
    listable: bool


class SiteOut(BaseModel):
    id: int
    name: str
    address: str
    lat: float
    lng: float
    pickup_instructions: str = ""
    opening_hours: dict[str, list[str]] = {}
    staged_release_hours: int | None = None
    organization: OrganizationOut | None = None


class SiteRef(BaseModel):
    id: int
    name: str
    address: str
    lat: float
    lng: float


class PhotoOut(BaseModel):
    id: int
    url: str
    thumb_url: str
    alt: str


class ListingOut(BaseModel):
    id: int
    title: str
    description: str
    category: str
    category_name: str
    ewc_code: str
    quantity: Number
    quantity_available: Number
    quantity_reserved: Number
    quantity_collected: Number
    unit: Unit
    kg_per_unit: Number | None
    mass_source: Literal["declared", "estimated"]
    total_kg: Number | None
    condition: ConditionGrade
    dimensions: str
    price_cents: int
    deposit_cents: int
    currency: Literal["EUR"] = "EUR"
    status: Literal["available", "reserved", "collected", "expired", "withdrawn", "pending_review"]
    site: SiteRef
    organization: OrganizationOut
    photos: list[PhotoOut]
    available_from: date
    available_until: date
    language: str
    mass_flagged: bool = Field(
        False, description="The seller confirmed an implausible kg_per_unit; the city reviews it"
    )
    still_installed: bool = Field(
        False,
        description=(
            "available_from lies in the future: the material is still in the building and is "
            "reserved only for pickups from that day"
        ),
    )
    public_from: datetime = Field(
        description=(
            "Staged release: open to everyone from this moment; before it only builders of "
            "verified organisations and city staff see it"
        )
    )
    created_at: datetime
    updated_at: datetime


class SearchHitOut(BaseModel):
    id: int
    title: str
    category: str
    category_name: str
    quantity_available: Number
    unit: Unit
    condition: ConditionGrade
    price_cents: int
    site: dict
    distance_km: float | None = None
    thumb_url: str | None
    highlight: dict[str, str] = {}
    available_from: date | None = None
    still_installed: bool = Field(
        False, description="Still in the building: pickups only from available_from"
    )


class SearchOut(BaseModel):
    hits: list[SearchHitOut]
    total: int
    page: int
    per_page: int
    facets: dict[str, dict[str, int]]
    backend: str = Field("", description="Which search backend answered")
    notice: str = ""


class ErrorDetail(BaseModel):
    code: str
    message: str
    fields: dict[str, str] | None = None


class ErrorOut(BaseModel):
    error: ErrorDetail


class ReservationCreate(Request):
    quantity: Quantity
    pickup_at: datetime | None = Field(
        None, description="ISO 8601 with offset; one of the site's pickup slots"
    )
    message: str = Field("", **limits(maxLength=1000))


class ReservationCancel(Request):
    reason: str = Field("", **limits(maxLength=500))


class ReservationCollect(Request):
    quantity: Quantity | None = Field(
        None, description="Defaults to the reserved quantity; the rest returns"
    )
    weighed_kg: WeighedKg | None = Field(
        None, description="A weighed mass: mass_source becomes measured"
    )
    code: str | None = Field(None, description="The taker's pickup code, checked when given")
    confirm_unusual_mass: bool = Field(
        False,
        description=(
            "Confirm a weighed_kg more than 3 times above or below the expected mass: recorded and "
            "flagged for the city's review; without it 422 implausible_mass"
        ),
    )


class HandoverOut(BaseModel):
    id: int
    kind: str
    quantity: Number
    unit: Unit
    mass_kg: Number
    mass_source: Literal["measured", "declared", "estimated"]
    ewc_code: str
    category: str
    co2e_avoided_kg: Number
    factor_kg_co2e_per_kg: Number | None
    factor_source: str
    mass_flagged: bool = False
    created_at: datetime


class PaymentOut(BaseModel):
    id: int
    kind: Literal["charge", "deposit"]
    status: str
    amount_cents: int
    currency: Literal["EUR"] = "EUR"
    refunded_cents: int
    captured_cents: int
    receipt_url: str


class CheckoutOut(BaseModel):
    checkout_url: str


class ReservationOut(BaseModel):
    id: int
    listing_id: int
    quantity: Number
    unit: Unit
    status: Literal["pending_payment", "confirmed", "collected", "cancelled", "expired", "no_show"]
    pickup_at: datetime | None
    created_at: datetime
    expires_at: datetime
    message: str
    code: str | None = Field(
        None, description="Shown to the reserver and the listing's organisation"
    )
    cancel_reason: str = ""
    handover: HandoverOut | None = None
    payments: list[PaymentOut] = []
    checkout_url: str | None = Field(
        None, description="Where to pay, for a reservation awaiting payment"
    )


class ImpactGroup(BaseModel):
    key: str
    label: str
    diverted_kg: Number
    co2e_avoided_kg: Number
    handovers: int


class ImpactOut(BaseModel):
    from_: date | None = Field(None, alias="from", serialization_alias="from")
    to: date | None
    diverted_kg: Number
    co2e_avoided_kg: Number
    handovers: int
    groups: list[ImpactGroup]


class LedgerRowOut(BaseModel):
    """One handover-ledger row, as in handovers.csv (same names, same order)."""

    id: int
    kind: Literal["handover", "reversal", "correction"]
    corrects_id: int | None
    created_at: datetime
    listing_id: int
    reservation_id: int | None
    site_id: int
    organization_id: int
    category: str
    ewc_code: str
    quantity: Number
    unit: Unit
    mass_kg: Number
    mass_source: Literal["measured", "declared", "estimated"]
    factor_set: str | None
    factor_kg_co2e_per_kg: Number | None
    factor_source: str
    co2e_avoided_kg: Number


class LedgerOut(BaseModel):
    from_: date | None = Field(None, alias="from", serialization_alias="from")
    to: date | None
    count: int
    handovers: list[LedgerRowOut]


class WasteClassOut(BaseModel):
    ewc_code: str = Field(description="List of Waste code (Commission Decision 2000/532/EC)")
    title: str = Field(description="The code's title in the List of Waste (English)")
    chapter: str
    chapter_title: str
    hazardous: bool
    categories: list[str] = Field(
        description="The exchange's material categories booked under the code"
    )
    handovers: int
    mass_kg: Number
    mass_t: Number


class WasteReportOut(BaseModel):
    """Net mass handed over for reuse per waste class, for the 751/2023 demolition-waste report."""

    from_: date | None = Field(None, alias="from", serialization_alias="from")
    to: date | None
    organization_id: int | None
    site_id: int | None
    total_kg: Number
    total_t: Number
    classes: list[WasteClassOut]


class OpenDataRowOut(BaseModel):
    month: str = Field(description="YYYY-MM, Helsinki time")
    category: str
    category_name_en: str
    ewc_code: str
    handovers: int
    diverted_kg: Number
    diverted_kg_measured: Number
    diverted_kg_declared: Number
    diverted_kg_estimated: Number
    co2e_avoided_kg: Number


class OpenDataFactorSet(BaseModel):
    id: str | None
    name: str
    rows: int


class OpenDataTotals(BaseModel):
    diverted_kg: Number
    co2e_avoided_kg: Number
    handovers: int


class OpenDataOut(BaseModel):
    """Aggregates only: no person, account, reservation or site appears."""

    dataset: str
    title: str
    licence: Literal["CC BY 4.0"]
    licence_url: str
    attribution: str
    generated_at: datetime
    from_: date | None = Field(None, alias="from", serialization_alias="from")
    to: date | None
    columns: dict[str, str]
    factor_sets: list[OpenDataFactorSet]
    totals: OpenDataTotals
    rows: list[OpenDataRowOut]
