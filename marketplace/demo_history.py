"""Six months of demo history, dated relative to today, so that the impact page, the city
dashboard and every list look lived-in on first start.

Earlier lots of the demo sites are listed, reserved, collected (some weighed, one handover corrected
afterwards), cancelled, missed (no-show) or left to expire; residents save searches and post what
they need; a builder imports a survey. Everything goes through the services with the clock set to
the past, and the worker's pass (`outbox.run_once`: chores, then deliveries) runs at those moments
too, so every ledger row, listing event and notification is what the app would have written then.

History uses its own lots, whose availability windows all end before today: what is available
and findable today stays exactly the demo's current listings. Idempotent: a lot, saved search,
wanted post or survey import that exists is kept, and its story is not replayed.
"""

import heapq
import itertools
from collections.abc import Callable
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

from . import clock, outbox
from .clock import HELSINKI
from .extensions import db
from .models import Listing, Reservation, Role, SavedSearch, SurveyImport, User, WantedPost
from .services import (
    chores,
    impact,
    ledger,
    notifications,
    pickups,
    saved_searches,
    survey_import,
    wanted,
)
from .services import listings as listing_services
from .services import reservations as reservation_services

HISTORY_DAYS = 182  # about six months
LAST_WINDOW_END_DAYS = 5  # the newest earlier lot's window closed this many days ago
LOT_EVERY = 3  # every third listing of demo.toml had an earlier lot at its site
WINDOW_DAYS = 14
TAKE_SPACING_DAYS = 4
WORKER_PASS_DAYS = 3
EARLIER = {"fi": "aiempi erä", "sv": "tidigare parti", "en": "earlier lot"}

# What became of each lot's reservations, in turn: (outcome, share of the lot or None for "what
# is left", weighed at the gate). Most lots are collected; a few reservations are cancelled,
# missed or left to expire; one lot in seven is never picked up and expires unclaimed.
STORIES = (
    (("collected", Decimal("0.5"), True), ("collected", None, False)),
    (("cancelled", Decimal("0.3"), False), ("collected", None, False)),
    (("collected", None, True),),
    (("no_show", Decimal("0.4"), False), ("collected", None, False)),
    (
        ("collected", Decimal("0.3"), False),
        ("expired", Decimal("0.3"), False),
        ("collected", None, True),
    ),
    (("collected", None, False),),
    (("expired", None, False),),
)
CORRECTION = {
    "lot": 0,  # the first lot's weighed handover is corrected once, a few days later
    "after_days": 5,
    "share": Decimal("0.92"),
    "reason": "Punnituskuitissa oli lavojen paino mukana; korjattu nettopainoon.",
}
SAVED_SEARCHES = (
    ("aino.virtanen@demo.kera.example", "Tiilet pihaan", {"q": ["tiili"]}),
    ("aino.virtanen@demo.kera.example", "Ilmaiset ovet", {"category": ["door"], "free": ["1"]}),
    ("henrik.sjoberg@demo.kera.example", "Virke till förrådet", {"category": ["timber"]}),
    ("priya.nair@demo.kera.example", "Windows", {"category": ["window"]}),
    ("otto.makela@demo.kera.example", "Laatat terassille", {"q": ["laatta"]}),
)
# (poster, title, category, quantity, unit, needed from / by in days from today; closed early)
WANTED = (
    (
        "aino.virtanen@demo.kera.example",
        "Tiiliä kukkapenkin reunaan",
        "brick",
        150,
        "pcs",
        -150,
        -110,
        False,
    ),
    (
        "otto.makela@demo.kera.example",
        "Ikkunoita kasvihuoneeseen",
        "window",
        6,
        "pcs",
        -80,
        -20,
        True,
    ),
    (
        "henrik.sjoberg@demo.kera.example",
        "Begagnade innerdörrar till sommarstugan",
        "door",
        4,
        "pcs",
        -30,
        40,
        False,
    ),
    ("priya.nair@demo.kera.example", "Timber for a garden shed", "timber", 2, "m3", -20, 60, False),
)
SURVEY = {
    "builder": "jari.koskinen@demo.kera.example",
    "days_ago": 70,
    "filename": "kartoitus-keran-hallit-demo.csv",
    "collected": 2,  # the first rows are picked up whole; the rest expire unclaimed
    "rows": (
        ("Punatiili", "Punatiili, hallin 3 väliseinät", "900", "kpl", "2,9", "hyvä", "17 01 02"),
        (
            "Teräspalkki",
            "HEA 160 palkit, hallin 3 katto",
            "36",
            "m",
            "30,4",
            "tyydyttävä",
            "17 04 05",
        ),
        ("Väliovi", "Palo-ovet EI30, hallin 3 toimisto", "5", "kpl", "", "hyvä", "17 02 01"),
        (
            "Kivivilla",
            "Kivivillalevyt 100 mm, hallin 3 seinät",
            "40",
            "m2",
            "",
            "tyydyttävä",
            "17 06 04",
        ),
    ),
}


@contextmanager
def _clock_kept():
    """Restore the caller's clock afterwards: the system clock, or a test's frozen one."""
    frozen = clock._frozen
    try:
        yield
    finally:
        clock.set(frozen)


class Timeline:
    """Steps in time order, each with the clock at its moment. The worker's pass (chores, then
    deliveries) runs every WORKER_PASS_DAYS days and once at the end: a pass per step made the
    demo load take several times longer (browser tests load it per test)."""

    def __init__(self):
        self._heap: list = []
        self._order = itertools.count()

    def at(self, when: datetime, step: Callable[[], None]) -> None:
        heapq.heappush(self._heap, (when, next(self._order), step))

    def run(self, first: date, last: date) -> None:
        day = first
        while day <= last:
            self.at(_moment(day, 21), outbox.run_once)
            day += timedelta(days=WORKER_PASS_DAYS)
        while self._heap:
            when, _n, step = heapq.heappop(self._heap)
            clock.set(when)
            step()
            db.session.remove()
        outbox.run_once()
        db.session.remove()


def _moment(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=HELSINKI).astimezone(UTC)


def load(data: dict, orgs: dict, builders: dict, site_ids: dict, counts: dict) -> None:
    """Replay the history (demo.toml's `data`, with the ids demo.load resolved) into `counts`."""
    today = clock.today()
    timeline = Timeline()
    users = dict(db.session.execute(sa.select(User.email, User.id)).all())  # email -> id
    takers = [u["email"] for u in data["user"] if u["role"] == Role.RESIDENT.value]
    takers += [u["email"] for u in data["user"] if u["role"] == Role.BUILDER.value][::2]
    start = today - timedelta(days=HISTORY_DAYS)
    _searches(timeline, users, start, counts)
    _wanted(timeline, users, today, counts)
    lots = data["listing"][::LOT_EVERY]
    last_start = today - timedelta(days=WINDOW_DAYS + LAST_WINDOW_END_DAYS)
    step = (last_start - start).days / max(len(lots) - 1, 1)
    for number, item in enumerate(lots):
        day = start + timedelta(days=round(number * step))
        org_key = next(s["organization"] for s in data["site"] if s["key"] == item["site"])
        lot = _Lot(number, item, site_ids[item["site"]], builders[org_key], org_key, data, users)
        timeline.at(_moment(day, 8), lambda lot=lot: lot.list(timeline, takers, counts))
    _survey(timeline, data, users, site_ids, today, counts)
    # Everyone has read what came before the last fortnight; newer notifications stay unread.
    read_day = today - timedelta(days=14)
    for email in (u["email"] for u in data["user"]):
        timeline.at(
            _moment(read_day, 20),
            lambda uid=users[email]: notifications.notifications_mark_read(user_id=uid),
        )
    with _clock_kept():
        timeline.run(start - timedelta(days=7), today - timedelta(days=1))


class _Lot:
    """One earlier lot at a demo site and the story of its reservations."""

    def __init__(self, number, item, site_id, builder_id, org_key, data, users):
        self.number, self.item, self.site_id, self.builder_id = number, item, site_id, builder_id
        self.story = STORIES[number % len(STORIES)]
        own = {u["email"] for u in data["user"] if u.get("organization") == org_key}
        self.users, self.own = users, own
        self.title = f"{item['title']} – {EARLIER[item.get('language', 'fi')]}"
        self.listing_id = None

    def list(self, timeline: Timeline, takers: list[str], counts: dict) -> None:
        org_id = db.session.get(User, self.builder_id).organization_id
        if db.session.scalar(
            sa.select(Listing.id).where(
                Listing.organization_id == org_id, Listing.title == self.title
            )
        ):
            counts["kept"] += 1
            return
        item, today = self.item, clock.today()
        values = {
            k: item[k]
            for k in ("description", "category", "quantity", "unit", "condition", "dimensions")
            if k in item
        }
        if "kg_per_unit" in item:
            values["kg_per_unit"] = item["kg_per_unit"]
        listing = listing_services.listing_create(
            user_id=self.builder_id,
            hazard_free=True,
            site_id=self.site_id,
            title=self.title,
            language=item.get("language", "fi"),
            price_cents=0,  # earlier lots went free: no payment step in the story
            available_from=today,
            available_until=today + timedelta(days=WINDOW_DAYS),
            **values,
        )
        counts["created"] += 1
        self.listing_id = listing.id
        candidates = [t for t in takers if t not in self.own]
        for turn, take in enumerate(self.story):
            taker = self.users[candidates[(self.number + turn) % len(candidates)]]
            when = _moment(today + timedelta(days=1 + turn * TAKE_SPACING_DAYS), 10)
            timeline.at(when, lambda t=take, u=taker, n=turn: self.reserve(timeline, t, u, n))
        # The chore that night expires the lot if anything is left of it.
        timeline.at(_moment(today + timedelta(days=WINDOW_DAYS + 1), 3), chores.expire_listings)

    def reserve(self, timeline: Timeline, take, user_id: int, turn: int) -> None:
        outcome, share, weighed = take
        listing = db.session.get(Listing, self.listing_id)
        left = listing.quantity_available
        quantity = left if share is None else _whole(listing, listing.quantity * share)
        quantity = min(quantity, left)
        if quantity <= 0:
            return
        now = clock.now()
        reservation = reservation_services.reservation_create(
            user_id=user_id, listing_id=listing.id, quantity=quantity, pickup_at=_slot(listing)
        )
        # Plain values only in the steps: each step's session is gone when the next one runs.
        rid, expires_at = reservation.id, reservation.expires_at
        pickup = reservation.pickup_at or now + timedelta(days=1)
        if outcome == "cancelled":
            timeline.at(now + timedelta(hours=3), lambda: self.cancel(rid, user_id))
        elif outcome == "collected":
            timeline.at(
                pickup + timedelta(minutes=15),
                lambda: _collect(
                    timeline,
                    rid,
                    self.builder_id,
                    weighed,
                    correct=weighed and self.number == CORRECTION["lot"],
                ),
            )
        elif outcome == "no_show":
            timeline.at(pickup + timedelta(minutes=45), lambda: self.no_show(rid))
        else:  # expired: the chore run just after the hold lapses closes it
            timeline.at(expires_at + timedelta(minutes=5), chores.expire_overdue)

    def cancel(self, reservation_id: int, user_id: int) -> None:
        reservation_services.reservation_cancel(
            user_id=user_id, reservation_id=reservation_id, reason="Suunnitelmat muuttuivat."
        )

    def no_show(self, reservation_id: int) -> None:
        reservation_services.reservation_no_show(
            user_id=self.builder_id, reservation_id=reservation_id
        )


def _slot(listing: Listing) -> datetime | None:
    """The first free pickup slot from tomorrow on (a hold without a time if none is free)."""
    soon = clock.now() + timedelta(hours=18)
    return next((s.start for s in pickups.free_slots(listing, days=7) if s.start >= soon), None)


def _collect(
    timeline: Timeline, reservation_id: int, builder_id: int, weighed: bool, correct: bool
):
    """The seller hands over at the gate (the taker's code), weighing the load or not; the
    corrected handover is corrected a few days later, as its seller would after checking."""
    reservation = db.session.get(Reservation, reservation_id)
    expected, _source = ledger.mass_of(reservation.listing, reservation.quantity, None)
    weighed_kg = (expected * Decimal("0.96")).quantize(Decimal("0.1")) if weighed else None
    _reservation, handover = reservation_services.reservation_collect(
        user_id=builder_id,
        reservation_id=reservation_id,
        code=reservation.code,
        weighed_kg=weighed_kg,
    )
    if correct:
        handover_id, corrected_kg = handover.id, handover.mass_kg * CORRECTION["share"]
        timeline.at(
            clock.now() + timedelta(days=CORRECTION["after_days"]),
            lambda: impact.handover_correct(
                user_id=builder_id,
                handover_id=handover_id,
                reason=CORRECTION["reason"],
                mass_kg=corrected_kg.quantize(Decimal("0.1")),
                weighed=True,
            ),
        )


def _whole(listing: Listing, quantity: Decimal) -> Decimal:
    """A share of a lot as people reserve it: whole pieces, else one decimal; never nothing."""
    step = Decimal("1") if listing.unit == "pcs" else Decimal("0.1")
    return max(quantity.quantize(step), step)


def _searches(timeline: Timeline, users: dict, start: date, counts: dict) -> None:
    for email, name, params in SAVED_SEARCHES:
        user_id = users[email]
        if db.session.scalar(
            sa.select(SavedSearch.id).where(
                SavedSearch.user_id == user_id, SavedSearch.name == name
            )
        ):
            counts["kept"] += 1
            continue
        counts["created"] += 1
        timeline.at(
            _moment(start - timedelta(days=3), 19),
            lambda u=user_id, n=name, p=params: saved_searches.saved_search_create(
                user_id=u, name=n, params=MultiDict([(k, v) for k, vs in p.items() for v in vs])
            ),
        )


def _wanted(timeline: Timeline, users: dict, today: date, counts: dict) -> None:
    for email, title, category, quantity, unit, start, end, closed in WANTED:
        user_id = users[email]
        if db.session.scalar(
            sa.select(WantedPost.id).where(
                WantedPost.owner_id == user_id, WantedPost.title == title
            )
        ):
            counts["kept"] += 1
            continue
        counts["created"] += 1
        posted = today + timedelta(days=start - 5)

        def post(u=user_id, t=title, c=category, q=quantity, un=unit, s=start, e=end, c2=closed):
            created = wanted.wanted_create(
                user_id=u,
                title=t,
                category=c,
                quantity=q,
                unit=un,
                needed_from=(today + timedelta(days=s)).isoformat(),
                needed_by=(today + timedelta(days=e)).isoformat(),
            )
            if c2:  # found what they needed: closed a few weeks later
                wanted_id = created.id
                timeline.at(
                    clock.now() + timedelta(days=25),
                    lambda: wanted.wanted_close(user_id=u, wanted_id=wanted_id),
                )

        timeline.at(_moment(posted, 18), post)


def _survey(timeline, data, users, site_ids, today, counts) -> None:
    builder = db.session.get(User, users[SURVEY["builder"]])
    builder_id, organization_id = builder.id, builder.organization_id
    if db.session.scalar(
        sa.select(SurveyImport.id).where(
            SurveyImport.organization_id == organization_id,
            SurveyImport.filename == SURVEY["filename"],
        )
    ):
        counts["kept"] += 1
        return
    counts["created"] += 1
    org_key = next(u["organization"] for u in data["user"] if u["email"] == SURVEY["builder"])
    site_key = next(s["key"] for s in data["site"] if s["organization"] == org_key)
    day = today - timedelta(days=SURVEY["days_ago"])
    takers = [users[u["email"]] for u in data["user"] if u["role"] == Role.RESIDENT.value]

    def run_import():
        header = "Materiaali;Otsikko;Määrä;Yksikkö;Paino kg/yksikkö;Kunto;Saatavilla alkaen;"
        header += "Saatavilla asti;EWC-koodi\n"
        window = f"{day.isoformat()};{(day + timedelta(days=WINDOW_DAYS)).isoformat()}"
        body = "".join(";".join(row[:6]) + f";{window};{row[6]}\n" for row in SURVEY["rows"])
        result = survey_import.survey_import(
            user_id=builder_id,
            site_id=site_ids[site_key],
            data=(header + body).encode(),
            content_type="text/csv",
            filename=SURVEY["filename"],
            dry_run=False,
        )
        for number, listing_id in enumerate(result.created[: SURVEY["collected"]]):
            taker = takers[number % len(takers)]
            timeline.at(
                _moment(day + timedelta(days=2 + number), 9),
                lambda lid=listing_id, uid=taker: _take_whole(timeline, lid, uid, builder_id),
            )
        timeline.at(_moment(day + timedelta(days=WINDOW_DAYS + 1), 3), chores.expire_listings)

    timeline.at(_moment(day, 7, 30), run_import)


def _take_whole(timeline: Timeline, listing_id: int, user_id: int, builder_id: int) -> None:
    """A survey lot reserved whole and collected at its pickup time, weighed at the gate."""
    listing = db.session.get(Listing, listing_id)
    reservation = reservation_services.reservation_create(
        user_id=user_id,
        listing_id=listing_id,
        quantity=listing.quantity_available,
        pickup_at=_slot(listing),
    )
    rid, pickup = reservation.id, reservation.pickup_at or clock.now() + timedelta(days=1)
    timeline.at(
        pickup + timedelta(minutes=15),
        lambda: _collect(timeline, rid, builder_id, True, correct=False),
    )
