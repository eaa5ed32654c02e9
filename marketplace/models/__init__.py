"""All models, one module per aggregate; importing this package registers every table."""

from .accounts import ApiToken, Organization, Role, User
from .catalog import MASS_UNITS, UNITS, CarbonFactor, Category, FactorSet
from .city import FactorIsImmutable, StaffAction, YearlyTarget
from .email_links import EmailLink, LinkPurpose
from .impact import Handover, HandoverKind, LedgerIsAppendOnly
from .imports import SurveyImport
from .listings import Condition, Listing, ListingEvent, ListingPhoto, ListingStatus, MassSource
from .messages import ReservationMessage
from .notifications import Notification
from .outbox import OutboxMessage, OutboxStatus
from .payments import Payment, PaymentEvent, PaymentKind, PaymentStatus, StripeEvent
from .places import GazetteerEntry
from .reservations import LATE_CANCEL_HOURS, OPEN, TRANSITIONS, Reservation, ReservationStatus
from .searches import SavedSearch
from .sites import WEEKDAYS, Site
from .wanted import KERA_CENTRE, WantedAlert, WantedPost, WantedReservation, WantedStatus

__all__ = [
    "ApiToken",
    "Organization",
    "Role",
    "User",
    "EmailLink",
    "LinkPurpose",
    "MASS_UNITS",
    "UNITS",
    "CarbonFactor",
    "Category",
    "FactorSet",
    "Condition",
    "Listing",
    "ListingEvent",
    "ListingPhoto",
    "ListingStatus",
    "MassSource",
    "ReservationMessage",
    "Handover",
    "HandoverKind",
    "LedgerIsAppendOnly",
    "Notification",
    "OutboxMessage",
    "OutboxStatus",
    "Payment",
    "PaymentEvent",
    "PaymentKind",
    "PaymentStatus",
    "StripeEvent",
    "GazetteerEntry",
    "LATE_CANCEL_HOURS",
    "OPEN",
    "TRANSITIONS",
    "Reservation",
    "ReservationStatus",
    "SavedSearch",
    "WEEKDAYS",
    "Site",
    "FactorIsImmutable",
    "StaffAction",
    "YearlyTarget",
    "SurveyImport",
    "KERA_CENTRE",
    "WantedAlert",
    "WantedPost",
    "WantedReservation",
    "WantedStatus",
]
