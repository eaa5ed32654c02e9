"""Six months of demo history (marketplace/data/demo_history.toml), dated relative to today, so
that the impact page, the city dashboard and every list look lived-in on first start.

Earlier lots of the demo sites are listed, reserved, collected (some weighed, one handover corrected
afterwards), cancelled, missed (no-show) or left to expire, with a few messages between taker and
seller; residents save searches and post what
they need; a builder imports a survey. Everything goes through the services with the clock set to
the past, and the worker's pass (`outbox.run_once`: chores, then deliveries) runs in that past too,
so every ledger row, listing event and notification is what the app would have written then.

History uses its own lots, whose availability windows all end before today: what is available
and findable today stays exactly the demo's current listings. Idempotent: a lot, saved search,
wanted post or survey import that exists is kept, and its story is not replayed.
"""

import heapq
import itertools
import tomllib
from collections.abc import Callable
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

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
    messages,
    notifications,
    pickups,
    saved_searches,
    wanted,
)
from .services import listings as listing_services
from .services import reservations as reservation_services
from .services import survey_import as survey_service

HISTORY_FILE = Path(__file__).resolve().parent / "data" / "demo_history.toml"
UNREAD_DAYS = 14  # notifications of the last fortnight stay unread
WORKER_ID = "demo-history"  # the heartbeat of the worker's passes in the past says who ran them


@contextmanager
def _clock_kept():
    """Restore the caller's clock afterwards: the system clock, or a test's frozen one."""
    frozen = clock._frozen
    try:
        yield
    finally:
        clock.set(frozen)


def _moment(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=HELSINKI).astimezone(UTC)


class Timeline:
    """Steps in time order, each run with the clock at its moment. Steps hold plain values (ids),
    never rows: each step's session is gone when the next one runs."""

    def __init__(self):
        self._heap: list = []
        self._order = itertools.count()

    def at(self, when: datetime, step: Callable[[], object]) -> None:
        heapq.heappush(self._heap, (when, next(self._order), step))

    def run(self, first: date, last: date, every_days: int) -> None:
        """Run every step, with the worker's pass every `every_days` days and once at the end
        (a pass after every step made the load several times slower)."""
        day = first
        while day <= last:
            self.at(_moment(day, 21), lambda: outbox.run_once(WORKER_ID))
            day += timedelta(days=every_days)
        while self._heap:
            when, _n, step = heapq.heappop(self._heap)
            clock.set(when)
            step()
            db.session.remove()
        outbox.run_once(WORKER_ID)
        db.session.remove()


def load(data: dict, builders: dict, site_ids: dict, counts: dict) -> None:
    """Replay the history for demo.toml's `data` (with the builder and site ids demo.load
    resolved), adding what it creates and keeps to `counts`."""
    with open(HISTORY_FILE, "rb") as f:
        history = tomllib.load(f)
    today = clock.today()
    start = today - timedelta(days=history["history_days"])
    users = dict(db.session.execute(sa.select(User.email, User.id)).all())  # e-mail -> id
    timeline = Timeline()
    _searches(timeline, history, users, start, counts)
    _wanted(timeline, history, users, today, counts)
    _lots(timeline, history, data, users, builders, site_ids, start, counts)
    _survey(timeline, history, data, users, site_ids, today, counts)
    read_at = _moment(today - timedelta(days=UNREAD_DAYS), 20)
    for user_id in (users[u["email"]] for u in data["user"]):
        timeline.at(read_at, lambda u=user_id: notifications.notifications_mark_read(user_id=u))
    with _clock_kept():
        timeline.run(
            start - timedelta(days=7), today - timedelta(days=1), history["worker_pass_days"]
        )


def _lots(timeline, history, data, users, builders, site_ids, start, counts) -> None:
    """Every `lot_every`-th demo listing had an earlier lot at its site, spread over the period."""
    # One site after another in turn, so each month sees several sites rather than one.
    by_site: dict[str, list] = {}
    for item in data["listing"][:: history["lot_every"]]:
        by_site.setdefault(item["site"], []).append(item)
    turns = itertools.zip_longest(*by_site.values())
    lots = [item for turn in turns for item in turn if item is not None]
    window = history["window_days"]
    last = clock.today() - timedelta(days=window + history["last_window_end_days"])
    spacing = (last - start).days / max(len(lots) - 1, 1)
    takers = [u["email"] for u in data["user"] if u["role"] == Role.RESIDENT.value]
    takers += [u["email"] for u in data["user"] if u["role"] == Role.BUILDER.value][::2]
    for number, item in enumerate(lots):
        org_key = next(s["organization"] for s in data["site"] if s["key"] == item["site"])
        own = {u["email"] for u in data["user"] if u.get("organization") == org_key}
        lot = {
            "number": number,
            "item": item,
            "title": f"{item['title']} – {history['earlier'][item.get('language', 'fi')]}",
            "site_id": site_ids[item["site"]],
            "builder_id": builders[org_key],
            "story": history["story"][number % len(history["story"])]["takes"],
            "takers": [users[t] for t in takers if t not in own],
        }
        day = start + timedelta(days=round(number * spacing))
        timeline.at(_moment(day, 8), lambda lot=lot: _list(timeline, history, lot, counts))


def _list(timeline: Timeline, history: dict, lot: dict, counts: dict) -> None:
    """List one earlier lot (unless it exists) and schedule its reservations."""
    builder = db.session.get(User, lot["builder_id"])
    if db.session.scalar(
        sa.select(Listing.id).where(
            Listing.organization_id == builder.organization_id, Listing.title == lot["title"]
        )
    ):
        counts["kept"] += 1
        return
    item, today, window = lot["item"], clock.today(), history["window_days"]
    keys = ("description", "category", "quantity", "unit", "condition", "dimensions")
    values = {k: item[k] for k in (*keys, "kg_per_unit") if k in item}
    listing = listing_services.listing_create(
        user_id=lot["builder_id"],
        hazard_free=True,
        site_id=lot["site_id"],
        title=lot["title"],
        language=item.get("language", "fi"),
        price_cents=0,  # earlier lots went free: no payment step in the story
        available_from=today,
        available_until=today + timedelta(days=window),
        **values,
    )
    counts["created"] += 1
    listing_id, correct = listing.id, lot["number"] == history["correction"]["lot"]
    for turn, take in enumerate(lot["story"]):
        user_id = lot["takers"][(lot["number"] + turn) % len(lot["takers"])]
        when = _moment(today + timedelta(days=1 + turn * history["take_spacing_days"]), 10)
        timeline.at(
            when,
            lambda t=take, u=user_id: _reserve(
                timeline, history, listing_id, lot["builder_id"], u, t, correct
            ),
        )
    # That night's chore expires the lot if anything is left of it.
    timeline.at(_moment(today + timedelta(days=window + 1), 3), chores.expire_listings)


def _reserve(timeline, history, listing_id, builder_id, user_id, take, correct) -> None:
    """One reservation of a lot (a share of it, or what is left) and what became of it."""
    listing = db.session.get(Listing, listing_id)
    left = listing.quantity_available
    share = take.get("share")
    quantity = min(left, _whole(listing, listing.quantity * Decimal(share))) if share else left
    if quantity <= 0:
        return
    now = clock.now()
    soon = now + timedelta(hours=18)
    slot = next((s.start for s in pickups.free_slots(listing, days=7) if s.start >= soon), None)
    reservation = reservation_services.reservation_create(
        user_id=user_id, listing_id=listing_id, quantity=quantity, pickup_at=slot
    )
    rid, expires_at = reservation.id, reservation.expires_at
    pickup = reservation.pickup_at or now + timedelta(days=1)
    for note in take.get("messages", []):
        author = user_id if note["from"] == "taker" else builder_id
        when = (now if note["at"] == "reserved" else pickup) + timedelta(minutes=note["minutes"])
        timeline.at(
            when,
            lambda a=author, b=note["body"]: messages.message_post(
                user_id=a, reservation_id=rid, body=b
            ),
        )
    outcome, weighed = take["outcome"], take.get("weighed", False)
    if outcome == "cancelled":
        reason = history["correction"]["cancel_reason"]
        timeline.at(
            now + timedelta(hours=3),
            lambda: reservation_services.reservation_cancel(
                user_id=user_id, reservation_id=rid, reason=reason
            ),
        )
    elif outcome == "no_show":
        timeline.at(
            pickup + timedelta(minutes=45),
            lambda: reservation_services.reservation_no_show(
                user_id=builder_id, reservation_id=rid
            ),
        )
    elif outcome == "expired":  # the chore run just after the hold lapses closes it
        timeline.at(expires_at + timedelta(minutes=5), chores.expire_overdue)
    else:
        fix = history["correction"] if weighed and correct else None
        timeline.at(
            pickup + timedelta(minutes=15),
            lambda: _collect(timeline, rid, builder_id, weighed, fix),
        )


def _collect(timeline, reservation_id: int, builder_id: int, weighed: bool, fix) -> None:
    """The seller hands over at the gate (the taker's code), weighing the load or not; with `fix`
    the handover is corrected a few days later, as a seller does after checking the receipt."""
    reservation = db.session.get(Reservation, reservation_id)
    expected, _source = ledger.mass_of(reservation.listing, reservation.quantity, None)
    weighed_kg = (expected * Decimal("0.96")).quantize(Decimal("0.1")) if weighed else None
    _reservation, handover = reservation_services.reservation_collect(
        user_id=builder_id,
        reservation_id=reservation_id,
        code=reservation.code,
        weighed_kg=weighed_kg,
    )
    if fix:
        handover_id, corrected = handover.id, handover.mass_kg * Decimal(fix["share"])
        timeline.at(
            clock.now() + timedelta(days=fix["after_days"]),
            lambda: impact.handover_correct(
                user_id=builder_id,
                handover_id=handover_id,
                reason=fix["reason"],
                mass_kg=corrected.quantize(Decimal("0.1")),
                weighed=True,
            ),
        )


def _whole(listing: Listing, quantity: Decimal) -> Decimal:
    """A share of a lot as people reserve it: whole pieces, else one decimal; never nothing."""
    step = Decimal("1") if listing.unit == "pcs" else Decimal("0.1")
    return max(quantity.quantize(step), step)


def _searches(timeline, history, users, start: date, counts: dict) -> None:
    """The residents' saved searches, saved before the first lot so its alerts reach them."""
    for saved in history["saved_search"]:
        user_id = users[saved["user"]]
        if db.session.scalar(
            sa.select(SavedSearch.id).where(
                SavedSearch.user_id == user_id, SavedSearch.name == saved["name"]
            )
        ):
            counts["kept"] += 1
            continue
        counts["created"] += 1
        params = MultiDict([(k, v) for k, vs in saved["params"].items() for v in vs])
        timeline.at(
            _moment(start - timedelta(days=3), 19),
            lambda u=user_id, n=saved["name"], p=params: saved_searches.saved_search_create(
                user_id=u, name=n, params=p
            ),
        )


def _wanted(timeline, history, users, today: date, counts: dict) -> None:
    """Wanted posts, posted five days before they were needed; one closed by its poster."""
    for post in history["wanted"]:
        user_id = users[post["user"]]
        if db.session.scalar(
            sa.select(WantedPost.id).where(
                WantedPost.owner_id == user_id, WantedPost.title == post["title"]
            )
        ):
            counts["kept"] += 1
            continue
        counts["created"] += 1
        posted = today + timedelta(days=post["needed_from_days"] - 5)
        timeline.at(_moment(posted, 18), lambda u=user_id, p=post: _post(timeline, today, u, p))


def _post(timeline: Timeline, today: date, user_id: int, post: dict) -> None:
    created = wanted.wanted_create(
        user_id=user_id,
        title=post["title"],
        category=post["category"],
        quantity=post["quantity"],
        unit=post["unit"],
        needed_from=(today + timedelta(days=post["needed_from_days"])).isoformat(),
        needed_by=(today + timedelta(days=post["needed_by_days"])).isoformat(),
    )
    if "closed_after_days" in post:  # found what they needed
        wanted_id = created.id
        timeline.at(
            clock.now() + timedelta(days=post["closed_after_days"]),
            lambda: wanted.wanted_close(user_id=user_id, wanted_id=wanted_id),
        )


def _survey(timeline, history, data, users, site_ids, today: date, counts: dict) -> None:
    """A survey imported at the builder's first site; its first lots are taken whole."""
    survey = history["survey"]
    builder = db.session.get(User, users[survey["builder"]])
    builder_id = builder.id
    if db.session.scalar(
        sa.select(SurveyImport.id).where(
            SurveyImport.organization_id == builder.organization_id,
            SurveyImport.filename == survey["filename"],
        )
    ):
        counts["kept"] += 1
        return
    counts["created"] += 1
    org_key = next(u["organization"] for u in data["user"] if u["email"] == survey["builder"])
    site_id = site_ids[next(s["key"] for s in data["site"] if s["organization"] == org_key)]
    day = today - timedelta(days=survey["days_ago"])
    until = day + timedelta(days=history["window_days"])
    residents = [users[u["email"]] for u in data["user"] if u["role"] == Role.RESIDENT.value]
    whole = {"outcome": "collected", "weighed": True}

    def run_import():
        lines = [survey["header"] + ";Saatavilla alkaen;Saatavilla asti"]
        lines += [f"{row};{day.isoformat()};{until.isoformat()}" for row in survey["rows"]]
        result = survey_service.survey_import(
            user_id=builder_id,
            site_id=site_id,
            data=("\n".join(lines) + "\n").encode(),
            content_type="text/csv",
            filename=survey["filename"],
            dry_run=False,
        )
        for number, listing_id in enumerate(result.created[: survey["collected"]]):
            user_id = residents[number % len(residents)]
            timeline.at(
                _moment(day + timedelta(days=2 + number), 9),
                lambda lid=listing_id, uid=user_id: _reserve(
                    timeline, history, lid, builder_id, uid, whole, False
                ),
            )
        timeline.at(_moment(until + timedelta(days=1), 3), chores.expire_listings)

    timeline.at(_moment(day, 7, 30), run_import)
