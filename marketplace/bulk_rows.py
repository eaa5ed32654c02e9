"""The rows a bulk-seeded listing's history writes (marketplace/bulk_stories.py), as the
services write them: listing events of the same kinds and data, reservations, and ledger rows
by the ledger's own step at the time of each handover."""

import secrets
import tomllib
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from . import clock
from .models import Listing, Reservation
from .models import ReservationStatus as S
from .services import ledger, pickups
from .services.reserving import CODE_ALPHABET


@dataclass
class Ids:
    """The next id of each table whose rows name each other, across batches."""

    reservation: int = 1
    event: int = 1


@dataclass
class Rows:
    """The rows of one batch, in the order they are inserted."""

    ids: Ids
    listings: list[dict] = field(default_factory=list)
    reservations: list[dict] = field(default_factory=list)
    handovers: list[tuple] = field(default_factory=list)  # see record_handovers
    events: list[dict] = field(default_factory=list)

    def event(self, listing, actor, kind, when, *, quantity=False, **data) -> None:
        """A listing event with the kind and data the services write."""
        if quantity:
            data["quantity"] = str(listing["quantity"])
        self.events.append(
            {
                "id": self.ids.event,
                "listing_id": listing["id"],
                "actor_id": actor,
                "kind": kind,
                "data": data,
                "created_at": when,
            }
        )
        self.ids.event += 1

    def reservation(self, listing, taker, quantity, status, when) -> dict:
        """A reservation row made at `when` (a hold without a time until the caller sets one)."""
        row = {
            "id": self.ids.reservation,
            "listing_id": listing["id"],
            "user_id": taker,
            "quantity": quantity,
            "status": status,
            "pickup_at": None,
            "message": "",
            "code": "".join(secrets.choice(CODE_ALPHABET) for _ in range(6)),
            "expires_at": when + pickups.HOLD_WITHOUT_TIME,
            "created_at": when,
            "updated_at": when,
        }
        self.ids.reservation += 1
        self.reservations.append(row)
        return row

    def reservation_created(self, listing, taker, reservation) -> None:
        """The event `reserving.reserve` writes for a confirmed reservation."""
        self.event(
            listing,
            taker,
            "reservation.created",
            reservation["created_at"],
            reservation_id=reservation["id"],
            quantity=str(reservation["quantity"]),
            status=S.CONFIRMED.value,
        )


def record_handovers(session, handovers: list[tuple]) -> None:
    """The ledger rows of (listing model, reservation row, builder id, quantity, when), written
    by `ledger.record_handover` at the time of each handover (its reservation is inserted)."""
    for model, reservation, builder, quantity, closed in handovers:
        with clock_at(closed):
            ledger.record_handover(
                session,
                listing=model,
                reservation=Reservation(id=reservation["id"], user_id=reservation["user_id"]),
                quantity=quantity,
                weighed_kg=None,
                recorded_by=Actor(builder),
            )


def declared_masses() -> dict[tuple[str, str], Decimal]:
    """(category, unit) -> the kg per unit a demo listing of that kind declares (the generated
    listings are variations of the demo's, marketplace/data/demo.toml)."""
    from benchmarks import generate

    with open(generate.DEMO_FILE, "rb") as f:
        templates = tomllib.load(f)["listing"]
    return {
        (t["category"], t["unit"]): Decimal(str(t["kg_per_unit"]))
        for t in templates
        if t.get("kg_per_unit") is not None
    }


def derived_status(listing: dict):
    """The status `Listing.refresh_status` derives from the row's counters."""
    model = Listing(
        status=listing["status"],
        quantity=listing["quantity"],
        quantity_reserved=listing["quantity_reserved"],
        quantity_collected=listing["quantity_collected"],
    )
    model.refresh_status()
    return model.status


class Actor:
    """Who recorded a handover, as `ledger.record_handover` reads it (only the id)."""

    def __init__(self, user_id: int):
        self.id = user_id


@contextmanager
def clock_at(when: datetime):
    """The clock set to a past moment while a step stamps its row, then as it was."""
    frozen = clock._frozen
    clock.set(when)
    try:
        yield
    finally:
        clock.set(frozen)
