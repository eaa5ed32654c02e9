"""What happened to each bulk-seeded listing (marketplace/bulk_seed.py): the rows the services
would have written for it, as plain dicts for batched INSERTs.

Shares, drawn per listing: 1 % withdrawn, 5 % collected whole and 2 % in part (a collected
reservation and its ledger row), 3 % reserved whole, 6 % in part, 2 % with a cancelled
reservation; the rest stay available. Listings whose window is over are expired (as the
nightly chore leaves them) and the unverified organisation's wait for review. Every figure
obeys the services' rules: reserved + collected <= quantity, the status derived by
`Listing.refresh_status`, at most MAX_OPEN_RESERVATIONS open per taker, pickup times in the
site's free slots (PICKUPS_PER_SLOT), a still-installed lot reserved only with a time on or
after its first day, ledger rows by `ledger.record_handover` at the handover's time.
"""

import secrets
import tomllib
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_DOWN, Decimal

from flask import current_app

from . import clock
from .catalog_loader import plausibility_rules
from .clock import HELSINKI
from .models import MASS_UNITS, Category, Listing, ListingStatus, MassSource, Reservation, Site
from .models import ReservationStatus as S
from .services import ledger, pickups
from .services.reserving import CODE_ALPHABET

MILLI = Decimal("0.001")
# (story, cumulative share) for listings that are open and verified; the rest stay available.
SHARES = (
    ("withdrawn", 0.01),
    ("collected", 0.06),
    ("collected_part", 0.08),
    ("reserved", 0.11),
    ("reserved_part", 0.17),
    ("cancelled", 0.19),
)
TIMED_SHARE = 0.5  # open reservations with a pickup time (the rest hold without one)


@dataclass
class Rows:
    """The rows of one batch, in the order they are inserted."""

    listings: list[dict] = field(default_factory=list)
    reservations: list[dict] = field(default_factory=list)
    handovers: list[tuple] = field(default_factory=list)  # (listing, reservation, builder id)
    events: list[dict] = field(default_factory=list)


class Stories:
    """Draws each listing's history; keeps the counters that span batches (ids, open
    reservations per taker, booked pickup slots)."""

    def __init__(self, rng, *, now, residents, categories: dict[str, Category]):
        from .bulk_seed import UNVERIFIED, configured_limit

        self.rng, self.now, self.today = rng, now, clock.local_date(now)
        self.residents, self.categories, self.unverified = residents, categories, UNVERIFIED
        self.limit, self.turn = configured_limit(), 0
        self.capacity = current_app.config["PICKUPS_PER_SLOT"]
        self.mass_limit = plausibility_rules()[0]
        self.held: Counter = Counter()  # open reservations per taker
        self.booked: Counter = Counter()  # (site id, slot start) -> open reservations
        self.sites: dict[int, Site] = {}
        self.next_reservation, self.next_event = 1, 1
        self.counts: Counter = Counter()
        self.declared = declared_masses()

    def tell(self, docs: list[dict], organizations: dict[int, int]) -> Rows:
        """The rows for a batch of generated documents."""
        from .bulk_seed import started_at

        rows = Rows()
        for doc in docs:
            builder = organizations[doc["organization_id"]]
            created = started_at(doc, self.now)
            listing = self._listing(doc, builder, created)
            self._event(rows, listing, builder, "listing.created", created, quantity=True)
            self._history(rows, listing, builder, created)
            listing["updated_at"] = rows.events[-1]["created_at"]
            rows.listings.append(listing)
            self.counts[f"status_{listing['status']}"] += 1
        return rows

    def _listing(self, doc: dict, builder: int, created: datetime) -> dict:
        category = self.categories[doc["category"]]
        unit = doc["unit"]
        kg, source = self._mass(category, unit)
        quantity = Decimal(str(doc["quantity_available"])).quantize(MILLI)
        if kg and quantity * kg > self.mass_limit:  # the services refuse a heavier lot
            quantity = (self.mass_limit / kg).to_integral_value(ROUND_DOWN)
        return {
            "id": doc["id"],
            "organization_id": doc["organization_id"],
            "site_id": doc["site_id"],
            "created_by_id": builder,
            "category_slug": category.slug,
            "title": doc["title"][:140],
            "description": doc["description"],
            "language": doc["language"],
            "quantity": quantity,
            "quantity_reserved": Decimal(0),
            "quantity_collected": Decimal(0),
            "unit": unit,
            "kg_per_unit": kg,
            "mass_source": source,
            "condition": doc["condition"],
            "dimensions": "",
            "available_from": date.fromisoformat(doc["available_from"]),
            "available_until": date.fromisoformat(doc["available_until"]),
            "price_cents": doc["price_cents"],
            "deposit_cents": 0,
            "late_cancel_fee_percent": 0,
            "status": ListingStatus.AVAILABLE,
            "hazard_free_declared_at": created,
            "hidden_reason": "",
            "mass_flagged_at": None,
            "public_from": Listing.default_public_from(
                created, None, current_app.config["STAGED_RELEASE_HOURS"]
            ),
            "created_at": created,
        }

    def _mass(self, category: Category, unit: str) -> tuple[Decimal, MassSource]:
        """kg per unit as the listing form sets it: exact for kg and t (declared), the
        catalogue's typical figure (estimated), else what the demo's seller of such a lot
        declared (the form asks for a figure when the catalogue has none)."""
        if unit in MASS_UNITS:
            return MASS_UNITS[unit], MassSource.DECLARED
        typical = category.typical_kg(unit)
        if typical is not None:
            return typical, MassSource.ESTIMATED
        return self.declared[(category.slug, unit)], MassSource.DECLARED

    def _history(self, rows: Rows, listing: dict, builder: int, created: datetime) -> None:
        if listing["organization_id"] == self.unverified:
            listing["status"] = ListingStatus.PENDING_REVIEW
            return
        if listing["available_until"] < self.today:
            listing["status"] = ListingStatus.EXPIRED
            night = datetime.combine(listing["available_until"] + timedelta(days=1), time(1))
            when = max(created, min(night.replace(tzinfo=HELSINKI).astimezone(UTC), self.now))
            self._event(rows, listing, None, "listing.expired", when)
            return
        draw = self.rng.random()
        story = next((name for name, share in SHARES if draw < share), "available")
        if story == "withdrawn":
            listing["status"] = ListingStatus.WITHDRAWN
            when = self._between(created, self.now)
            self._event(rows, listing, builder, "listing.withdrawn", when, reason="")
        elif story.startswith("collected") and listing["available_from"] <= self.today:
            whole = story == "collected"
            self._collect(rows, listing, builder, created, self._part(listing, whole))
        elif story.startswith("reserved"):
            self._reserve(rows, listing, self._part(listing, story == "reserved"), created)
        elif story == "cancelled":
            self._cancel(rows, listing, builder, created)
        _refresh(listing)

    def _part(self, listing: dict, whole: bool) -> Decimal:
        """All of the lot, or about half of it (whole units for a lot counted in whole units)."""
        quantity = listing["quantity"]
        if whole:
            return quantity
        half = (quantity / 2).quantize(MILLI, ROUND_DOWN)
        if quantity == quantity.to_integral_value() and quantity >= 2:
            half = half.to_integral_value(ROUND_DOWN)
        return half if half > 0 else quantity

    def _taker(self) -> int | None:
        """The next taker in turn, if they may hold one more open reservation."""
        taker = self.residents[self.turn % len(self.residents)]
        self.turn += 1
        return taker if self.held[taker] < self.limit else None

    def _reserve(self, rows: Rows, listing: dict, quantity: Decimal, created: datetime) -> None:
        """An open (confirmed) reservation; a still-installed lot needs a pickup time."""
        taker = self._taker()
        if taker is None:
            return
        model = self._model(listing)
        pickup_at = None
        still_installed = listing["available_from"] > self.today
        if still_installed or self.rng.random() < TIMED_SHARE:
            pickup_at = self._slot(model)
            if pickup_at is None and still_installed:
                return
        when = self._between(created, self.now)
        reservation = self._reservation(rows, listing, taker, quantity, S.CONFIRMED, when)
        reservation["pickup_at"] = pickup_at
        reservation["expires_at"] = pickups.expiry_for(model, pickup_at)
        listing["quantity_reserved"] += quantity
        self.held[taker] += 1
        self._created_event(rows, listing, taker, reservation)

    def _cancel(self, rows: Rows, listing: dict, builder: int, created: datetime) -> None:
        """A reservation the taker cancelled: the quantity went back to the lot."""
        taker = self.residents[self.rng.randrange(len(self.residents))]
        when = self._between(created, self.now)
        quantity = self._part(listing, False)
        reservation = self._reservation(rows, listing, taker, quantity, S.CANCELLED, when)
        closed = self._between(when, self.now)
        reservation |= {
            "closed_at": closed,
            "cancelled_by_id": taker,
            "cancel_reason": "Ei tarvita",
        }
        self._created_event(rows, listing, taker, reservation)
        self._event(
            rows,
            listing,
            taker,
            "reservation.cancelled",
            closed,
            reservation_id=reservation["id"],
            reason="Ei tarvita",
        )

    def _collect(self, rows, listing, builder, created, quantity: Decimal) -> None:
        """A reservation handed over (collected), with its ledger row."""
        taker = self.residents[self.rng.randrange(len(self.residents))]
        start = max(created, datetime.combine(listing["available_from"], time(6), tzinfo=UTC))
        when = self._between(min(start, self.now - timedelta(hours=2)), self.now)
        reservation = self._reservation(rows, listing, taker, quantity, S.COLLECTED, when)
        closed = self._between(when, self.now)
        reservation["closed_at"] = closed
        listing["quantity_collected"] += quantity
        self._created_event(rows, listing, taker, reservation)
        model = self._model(listing)
        mass_kg, _source = ledger.mass_of(model, quantity, None)
        rows.handovers.append((model, reservation, builder, quantity, closed))
        self._event(
            rows,
            listing,
            builder,
            "reservation.collected",
            closed,
            reservation_id=reservation["id"],
            quantity=str(quantity),
            mass_kg=str(mass_kg),
        )

    def record_handovers(self, session, handovers: list[tuple]) -> None:
        """The ledger rows, written by the ledger's own step at the time of each handover (the
        reservations they name are inserted already)."""
        for model, reservation, builder, quantity, closed in handovers:
            with _clock_at(closed):
                ledger.record_handover(
                    session,
                    listing=model,
                    reservation=Reservation(id=reservation["id"], user_id=reservation["user_id"]),
                    quantity=quantity,
                    weighed_kg=None,
                    recorded_by=_Actor(builder),
                )

    def _reservation(self, rows, listing, taker, quantity, status, when) -> dict:
        reservation = {
            "id": self.next_reservation,
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
        self.next_reservation += 1
        rows.reservations.append(reservation)
        return reservation

    def _created_event(self, rows, listing, taker, reservation) -> None:
        self._event(
            rows,
            listing,
            taker,
            "reservation.created",
            reservation["created_at"],
            reservation_id=reservation["id"],
            quantity=str(reservation["quantity"]),
            status=S.CONFIRMED.value,
        )

    def _event(self, rows, listing, actor, kind, when, *, quantity=False, **data) -> None:
        """A listing event with the kind and data the services write."""
        if quantity:
            data["quantity"] = str(listing["quantity"])
        rows.events.append(
            {
                "id": self.next_event,
                "listing_id": listing["id"],
                "actor_id": actor,
                "kind": kind,
                "data": data,
                "created_at": when,
            }
        )
        self.next_event += 1

    def _model(self, listing: dict) -> Listing:
        """A detached Listing carrying the row's values, for the services' own rules (pickup
        slots, expiry, mass); never added to the session."""
        site = self.sites.get(listing["site_id"])
        if site is None:
            from .bulk_seed import OPENING_HOURS

            site = self.sites[listing["site_id"]] = Site(opening_hours=OPENING_HOURS)
        model = Listing(**{k: v for k, v in listing.items() if k != "status"})
        model.site, model.category = site, self.categories[listing["category_slug"]]
        return model

    def _slot(self, model: Listing) -> datetime | None:
        """A free pickup slot at the site within the next week of the lot's window, booked."""
        first = max(model.available_from, self.today)
        for offset in range(7):
            day = first + timedelta(days=(offset + self.rng.randrange(7)) % 7)
            starts = [s for s in pickups.slot_starts(model, day) if s > self.now]
            for start in starts[self.rng.randrange(len(starts)) :] if starts else ():
                if self.booked[(model.site_id, start)] < self.capacity:
                    self.booked[(model.site_id, start)] += 1
                    return start
        return None

    def _between(self, start: datetime, end: datetime) -> datetime:
        """A moment between start and end (end when they are the wrong way round)."""
        if end <= start:
            return end
        return start + (end - start) * self.rng.random()


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


def _refresh(listing: dict) -> None:
    """The status `Listing.refresh_status` derives from the counters."""
    model = Listing(
        status=listing["status"],
        quantity=listing["quantity"],
        quantity_reserved=listing["quantity_reserved"],
        quantity_collected=listing["quantity_collected"],
    )
    model.refresh_status()
    listing["status"] = model.status


class _Actor:
    """Who recorded a handover, as `ledger.record_handover` reads it (only the id)."""

    def __init__(self, user_id: int):
        self.id = user_id


@contextmanager
def _clock_at(when: datetime):
    """The clock set to a past moment while a step stamps its row, then as it was."""
    frozen = clock._frozen
    clock.set(when)
    try:
        yield
    finally:
        clock.set(frozen)
