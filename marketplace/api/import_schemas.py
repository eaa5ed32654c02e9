"""API shapes of survey imports (contract: "Bulk supply: demolition-survey import") and of the
hand-on and planned-versus-handed-over views."""

from pydantic import BaseModel, Field


class ImportListingPreview(BaseModel):
    """A row as the listing it would become (fields missing when the row could not be read)."""

    title: str
    category: str | None = None
    quantity: str | None = None
    unit: str | None = None
    kg_per_unit: str | None = None
    total_kg: str | None = None
    condition: str | None = None
    available_from: str | None = None
    available_until: str | None = None
    still_installed: bool | None = None
    price_cents: int | None = None


class ImportRowOut(BaseModel):
    line: int = Field(description="line of the file (1 = the first line, the header)")
    ok: bool
    errors: dict[str, str] = Field(description="column → message")
    code: str | None = Field(
        None, description="validation_failed, hazardous_material, implausible_mass; null when ok"
    )
    listing: ImportListingPreview


class ImportPreviewOut(BaseModel):
    rows: list[ImportRowOut]
    valid: int
    invalid: int


class ImportCreatedOut(BaseModel):
    import_id: int
    created: list[int]


class ImportUndoOut(BaseModel):
    withdrawn: list[int]
    kept: list[int]


class HandOffOut(BaseModel):
    """One lot as Materiaalitori's offer form asks for it."""

    material: str
    material_fi: str
    ewc_code: str
    quantity: str
    unit: str
    total_kg: str | None
    municipality: str
    address: str
    available_from: str
    available_until: str
    title: str
    description: str
    contact_organization: str
    contact_business_id: str
    contact_name: str
    contact_email: str
    kera_listing_id: int
    handed_on_at: str | None = None


class SurveyTotalOut(BaseModel):
    site_id: int
    site: str
    organization: str
    ewc_code: str
    ewc_title: str
    planned_kg: str
    handed_over_kg: str
    handed_over_share: str | None
