"""API shapes of the account's own resources: password resets, "download my data" and deleting
the account (contract: api-v1-additions.md, "Accounts and e-mail")."""

from datetime import date, datetime

from pydantic import BaseModel, Field

from .schemas import Request


class PasswordResetCreate(Request):
    email: str = Field(max_length=254, description="The account's e-mail address")


class PasswordResetConfirm(Request):
    token: str = Field(max_length=1000, description="The token of the e-mailed link")
    password: str = Field(
        max_length=1000,
        description="The new password (sign-up's rules: 12–128 characters, not a common password)",
    )


class AccountDelete(Request):
    password: str = Field(max_length=1000, description="The account's current password")


class MessageOut(BaseModel):
    message: str


class ExportOrganization(BaseModel):
    id: int
    name: str
    business_id: str


class ExportAccount(BaseModel):
    id: int
    email: str
    display_name: str
    role: str
    locale: str
    organization: ExportOrganization | None
    created_at: datetime
    last_login_at: datetime | None
    email_confirmed_at: datetime | None


class ExportReservation(BaseModel):
    id: int
    listing_id: int
    listing_title: str
    quantity: float
    unit: str
    status: str
    pickup_at: datetime | None
    message: str
    cancel_reason: str
    created_at: datetime
    closed_at: datetime | None
    handover_mass_kg: float | None


class ExportSavedSearch(BaseModel):
    id: int
    name: str
    params: dict
    created_at: datetime


class ExportNotification(BaseModel):
    id: int
    kind: str
    data: dict
    created_at: datetime
    read_at: datetime | None


class ExportToken(BaseModel):
    id: int
    name: str
    prefix: str = Field(
        description="The token's first characters; the token itself is never stored"
    )
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class ExportWantedPost(BaseModel):
    id: int
    title: str
    description: str
    category: str | None
    quantity: float
    quantity_covered: float
    unit: str
    needed_from: date | None
    needed_by: date
    lat: float | None
    lng: float | None
    radius_km: float
    max_price_cents: int | None
    status: str
    created_at: datetime


class ExportMessage(BaseModel):
    id: int
    reservation_id: int
    body: str
    created_at: datetime


class ExportOut(BaseModel):
    """Everything the service holds about the caller. A kind of data that does not exist yet
    gets its key when it lands."""

    generated_at: datetime
    account: ExportAccount
    reservations: list[ExportReservation]
    saved_searches: list[ExportSavedSearch]
    notifications: list[ExportNotification]
    api_tokens: list[ExportToken]
    wanted_posts: list[ExportWantedPost]
    messages: list[ExportMessage] = Field(
        description="The messages the caller wrote about reservations"
    )
