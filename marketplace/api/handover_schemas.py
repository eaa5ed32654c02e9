"""API shapes of a handover with its corrections (issue 9, contract "Handover corrections")."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from .schemas import HandoverOut, Number, Quantity, Request, WeighedKg, limits

MassSourceName = Literal["measured", "declared", "estimated"]


class CorrectionCreate(Request):
    reason: str = Field(
        description="Why the figures change; kept in the ledger and shown with the history",
        **limits(minLength=3, maxLength=500),
    )
    mass_kg: WeighedKg | None = Field(
        None, description="The corrected mass of the whole handover, kg"
    )
    quantity: Quantity | None = Field(
        None, description="The corrected quantity, in the listing's unit"
    )
    category: str | None = Field(None, description="The corrected material (category slug)")
    weighed: bool = Field(
        False, description="mass_kg was weighed (mass_source measured, else declared)"
    )


class CorrectionOut(BaseModel):
    id: int = Field(description="The ledger row with the corrected figures")
    reverses_id: int = Field(
        description="The ledger row it replaces (cancelled by a reversing row)"
    )
    mass_kg: Number
    quantity: Number
    category: str
    mass_source: MassSourceName
    co2e_avoided_kg: Number
    reason: str
    corrected_by: Literal["organization", "city"] = Field(description="Who corrected it")
    created_at: datetime


class HandoverDetailOut(HandoverOut):
    """The handover as it counts now: net quantity, mass and CO2e of all its ledger rows; `kind`,
    `id` and `created_at` are the original's."""

    listing_id: int
    reservation_id: int | None
    original_mass_kg: Number
    corrections: list[CorrectionOut]


class CorrectionResult(BaseModel):
    handover: HandoverDetailOut
    correction: CorrectionOut
