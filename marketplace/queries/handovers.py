"""One handover with its history: the original ledger row, each reversal and correction after
it, and the net figures they add up to (what every report counts)."""

from dataclasses import dataclass, field
from decimal import Decimal

import sqlalchemy as sa

from ..errors import NotFound
from ..extensions import db
from ..models import Handover, HandoverKind, Listing, Role, User


@dataclass
class HandoverHistory:
    """The original row first, then every later row of its chain in the order written."""

    rows: list[Handover]
    listing: Listing | None = None
    city_ids: set[int] = field(default_factory=set)  # who among the recorders is city staff
    corrections: list[Handover] = field(init=False)

    def __post_init__(self):
        self.corrections = [r for r in self.rows if r.kind == HandoverKind.CORRECTION]

    @property
    def original(self) -> Handover:
        return self.rows[0]

    @property
    def current(self) -> Handover:
        """The row that counts now: the newest correction, or the original."""
        return self.corrections[-1] if self.corrections else self.original

    @property
    def mass_kg(self) -> Decimal:
        return sum((r.mass_kg for r in self.rows), Decimal("0.000"))

    @property
    def co2e_avoided_kg(self) -> Decimal:
        return sum((r.co2e_avoided_kg for r in self.rows), Decimal("0.000"))

    @property
    def quantity(self) -> Decimal:
        return sum((r.quantity for r in self.rows), Decimal("0.000"))

    def reversed_by(self, row: Handover) -> Handover | None:
        """The reversal that cancelled `row`, if any."""
        return next(
            (r for r in self.rows if r.kind == HandoverKind.REVERSAL and r.corrects_id == row.id),
            None,
        )


def history(session, handover_id: int) -> HandoverHistory | None:
    """The chain of the handover that row `handover_id` belongs to (any of its rows will do)."""
    row = session.get(Handover, handover_id)
    seen = set()
    while row is not None and row.kind != HandoverKind.HANDOVER and row.id not in seen:
        seen.add(row.id)
        row = session.get(Handover, row.corrects_id) if row.corrects_id else None
    if row is None or row.kind != HandoverKind.HANDOVER:
        return None
    rows, frontier = [row], [row.id]
    while frontier:
        later = list(session.scalars(sa.select(Handover).where(Handover.corrects_id.in_(frontier))))
        rows += later
        frontier = [r.id for r in later if r.kind == HandoverKind.CORRECTION]
    recorders = {r.recorded_by_id for r in rows if r.recorded_by_id}
    city_ids = set(
        session.scalars(sa.select(User.id).where(User.id.in_(recorders), User.role == Role.CITY))
    )
    return HandoverHistory(
        sorted(rows, key=lambda r: r.id), session.get(Listing, row.listing_id), city_ids
    )


def may_see(user, original: Handover) -> bool:
    """The receiver, the listing's organisation and city staff see a handover."""
    if not getattr(user, "is_authenticated", False):
        return False
    return (
        user.is_city or user.belongs_to(original.organization_id) or user.id == original.receiver_id
    )


def may_correct(user, original: Handover) -> bool:
    """The listing's organisation and city staff correct a handover."""
    return getattr(user, "is_authenticated", False) and (
        user.is_city or user.belongs_to(original.organization_id)
    )


def handover_for(user, handover_id: int) -> HandoverHistory:
    """The handover's history if the user may see it; NotFound otherwise."""
    found = history(db.session, handover_id)
    if found is None or not may_see(user, found.original):
        raise NotFound()
    return found


def of_listing(listing_id: int) -> list[HandoverHistory]:
    """Every handover of a listing with its history, oldest first (for the event-log page)."""
    ids = db.session.scalars(
        sa.select(Handover.id)
        .where(Handover.listing_id == listing_id, Handover.kind == HandoverKind.HANDOVER)
        .order_by(Handover.id)
    )
    return [history(db.session, i) for i in list(ids)]
