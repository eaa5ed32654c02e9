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

from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_DOWN, Decimal

from flask import current_app

from . import clock
from .bulk_rows import Ids, Rows, declared_masses, derived_status
from .catalog_loader import plausibility_rules
from .clock import HELSINKI
from .models import MASS_UNITS, Category, Listing, ListingStatus, MassSource, Site
from .models import ReservationStatus as S
from .services import ledger, pickups

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
UNVERIFIED = 37  # the generator's organisations are 1 … 37; the last one awaits the city
OPENING_HOURS = {day: ["07:00", "16:00"] for day in ("mon", "tue", "wed", "thu", "fri")}


class Stories:
    """Draws each listing's history; keeps the counters that span batches (ids, open
    reservations per taker, booked pickup slots)."""

    def __init__(self, rng, *, now, residents, categories: dict[str, Category]):
        self.rng, self.now, self.today = rng, now, clock.local_date(now)
        self.residents, self.categories, self.unverified = residents, categories, UNVERIFIED
        self.limit, self.turn = current_app.config["MAX_OPEN_RESERVATIONS"], 0
        self.capacity = current_app.config["PICKUPS_PER_SLOT"]
        self.mass_limit = plausibility_rules()[0]
        self.held: Counter = Counter()  # open reservations per taker
        self.booked: Counter = Counter()  # (site id, slot start) -> open reservations
        self.sites: dict[int, Site] = {}
        self.ids = Ids()  # row ids across batches
        self.counts: Counter = Counter()
        self.declared = declared_masses()

    def tell(self, docs: list[dict], organizations: dict[int, int]) -> Rows:
        """The rows for a batch of generated documents."""
        rows = Rows(self.ids)
        for doc in docs:
            builder = organizations[doc["organization_id"]]
            created = started_at(doc, self.now)
            listing = self._listing(doc, builder, created)
            rows.event(listing, builder, "listing.created", created, quantity=True)
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
            rows.event(listing, None, "listing.expired", when)
            return
        draw = self.rng.random()
        story = next((name for name, share in SHARES if draw < share), "available")
        if story == "withdrawn":
            listing["status"] = ListingStatus.WITHDRAWN
            when = self._between(created, self.now)
            rows.event(listing, builder, "listing.withdrawn", when, reason="")
        elif story.startswith("collected") and listing["available_from"] <= self.today:
            whole = story == "collected"
            self._collect(rows, listing, builder, created, self._part(listing, whole))
        elif story.startswith("reserved"):
            self._reserve(rows, listing, self._part(listing, story == "reserved"), created)
        elif story == "cancelled":
            self._cancel(rows, listing, builder, created)
        listing["status"] = derived_status(listing)

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
        reservation = rows.reservation(listing, taker, quantity, S.CONFIRMED, when)
        reservation["pickup_at"] = pickup_at
        reservation["expires_at"] = pickups.expiry_for(model, pickup_at)
        listing["quantity_reserved"] += quantity
        self.held[taker] += 1
        rows.reservation_created(listing, taker, reservation)

    def _cancel(self, rows: Rows, listing: dict, builder: int, created: datetime) -> None:
        """A reservation the taker cancelled: the quantity went back to the lot."""
        taker = self.residents[self.rng.randrange(len(self.residents))]
        when = self._between(created, self.now)
        quantity = self._part(listing, False)
        reservation = rows.reservation(listing, taker, quantity, S.CANCELLED, when)
        closed = self._between(when, self.now)
        reservation |= {
            "closed_at": closed,
            "cancelled_by_id": taker,
            "cancel_reason": "Ei tarvita",
        }
        rows.reservation_created(listing, taker, reservation)
        rows.event(
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
        reservation = rows.reservation(listing, taker, quantity, S.COLLECTED, when)
        closed = self._between(when, self.now)
        reservation["closed_at"] = closed
        listing["quantity_collected"] += quantity
        rows.reservation_created(listing, taker, reservation)
        model = self._model(listing)
        mass_kg, _source = ledger.mass_of(model, quantity, None)
        rows.handovers.append((model, reservation, builder, quantity, closed))
        rows.event(
            listing,
            builder,
            "reservation.collected",
            closed,
            reservation_id=reservation["id"],
            quantity=str(quantity),
            mass_kg=str(mass_kg),
        )

    def _model(self, listing: dict) -> Listing:
        """A detached Listing carrying the row's values, for the services' own rules (pickup
        slots, expiry, mass); never added to the session."""
        site = self.sites.get(listing["site_id"])
        if site is None:
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


def started_at(doc: dict, now: datetime) -> datetime:
    """When the generated listing was created (the generator's timestamp, never in the future)."""
    return min(datetime.fromtimestamp(doc["created_ts"], UTC), now - timedelta(minutes=5))
