"""`flask seed bulk`: an empty database filled with generated organisations, sites, people and
listings at scale (issue 16), so that pages can be measured at 100,000 listings.

The listings are the search benchmark's documents (benchmarks/generate.py: titles, descriptions,
sites within about 2 km of Kera), so page and search figures speak of the same data. Each one
then gets a history drawn by marketplace/bulk_stories.py: most stay available, some are partly
or wholly reserved, collected (with the ledger's handover row), cancelled, withdrawn or expired,
and one organisation awaits verification (pending review).

A bulk path, not one service call per row: the services take one transaction and a dozen
statements per listing and write an outbox message for each change, which is hours and
hundreds of thousands of messages at this size. The rows are written as the services write
them (the same columns, listing events of the same kinds and data, ledger rows by
`ledger.record_handover`), in batched INSERTs inside ONE transaction, so a failure leaves
nothing behind. The outbox gets nothing: the `listing.changed` messages exist to keep the
search index in step, and the index is rebuilt once at the end by the real reindex; the
notifications and alerts they would fan out to are about people who do not exist.

It refuses a database that has accounts or listings already (seed a fresh database).
"""

import random
import time
from datetime import datetime, timedelta

import sqlalchemy as sa

from . import bulk_rows, bulk_stories, clock
from .extensions import db
from .models import (
    Category,
    Listing,
    ListingEvent,
    Organization,
    Reservation,
    Role,
    Site,
    User,
)
from .models.accounts import new_session_token
from .services.accounts import business_id_valid
from .services.passwords import hash_password

MAX_LISTINGS = 2_000_000
BATCH = 5_000
PASSWORD = "kera-bulk-2026"  # every generated account's password (the benchmark signs in)
EMAIL_DOMAIN = "bulk.kera.example"
# Enough takers that nobody holds more open reservations than MAX_OPEN_RESERVATIONS allows.
RESIDENTS_PER_LISTING = 1 / 40
SEQUENCED = ("organization", "user_account", "site", "listing", "reservation", "listing_event")


class BulkSeedRefused(RuntimeError):
    """The database is not empty, or the size is out of range."""


def check_size(listings: int) -> None:
    """1 … MAX_LISTINGS listings, else BulkSeedRefused with the reason."""
    if not 1 <= listings <= MAX_LISTINGS:
        raise BulkSeedRefused(
            f"--listings must be between 1 and {MAX_LISTINGS:,} (got {listings:,})"
        )


def check_empty() -> None:
    """Refuse a database that holds accounts, organisations or listings already."""
    for model in (Organization, User, Listing):
        found = db.session.scalar(sa.select(sa.func.count()).select_from(model))
        if found:
            raise BulkSeedRefused(
                f"the database already has {found} {model.__tablename__} row(s); "
                "`flask seed bulk` fills an empty database only (make a fresh one, "
                "run `flask db upgrade`, then seed)"
            )


def bulk_seed(listings: int, seed: int = 20261130, echo=lambda _line: None) -> dict:
    """Fill the empty database with `listings` generated listings and their history, then
    rebuild the search indexes. Returns the counts and the seconds each phase took."""
    from benchmarks import generate  # the benchmark's generator: one source for both

    from .search import service, sync

    check_size(listings)
    check_empty()
    started = time.perf_counter()
    now = clock.now()
    writer = _Writer(now, listings)
    story = bulk_stories.Stories(
        random.Random(seed + 2),
        now=now,
        residents=writer.residents,
        categories={c.slug: c for c in db.session.scalars(sa.select(Category))},
    )
    batch = []
    for doc in generate.documents(listings, seed=seed, today=clock.local_date(now)):
        batch.append(doc)
        if len(batch) == BATCH:
            writer.write(batch, story)
            batch = []
            echo(f"  {writer.counts['listings']:,} listings written")
    if batch:
        writer.write(batch, story)
    writer.finish()
    db.session.commit()
    # Statistics, as a live database has them (PostgreSQL's autovacuum analyses; on SQLite,
    # PRAGMA optimize): without them SQLite reads a listing page's 14 pickup-slot counts through
    # the status index, every open reservation each time (90 ms instead of 20 at 100,000).
    db.session.execute(sa.text("ANALYZE"))
    db.session.commit()
    written = time.perf_counter()
    echo(f"  committed in {written - started:.1f} s; rebuilding the search index")
    indexed = {backend.name: sync.reindex(backend) for backend in service.backends()}
    return {
        **writer.counts,
        **story.counts,
        "indexed": indexed,
        "write_s": round(written - started, 1),
        "index_s": round(time.perf_counter() - written, 1),
    }


class _Writer:
    """Batched INSERTs in the session's one transaction, with ids given here so rows can name
    each other without reading anything back."""

    def __init__(self, now: datetime, listings: int):
        self.now = now
        self.password_hash = hash_password(PASSWORD)
        self.organizations: dict[int, int] = {}  # organisation id -> its builder's user id
        self.sites: set[int] = set()
        self.counts = {"organizations": 0, "builders": 0, "residents": 0, "sites": 0}
        self.counts |= {"listings": 0, "reservations": 0, "events": 0, "handovers": 0}
        count = max(10, round(listings * RESIDENTS_PER_LISTING))
        self.residents = list(range(1, count + 1))
        self._users([self._user(i, f"resident{i}", Role.RESIDENT, None) for i in self.residents])
        self.counts["residents"] = count
        self.next_user = count + 1

    def _user(self, user_id: int, name: str, role: Role, organization_id: int | None) -> dict:
        number = name.lstrip("abcdefghijklmnopqrstuvwxyz")
        return {
            "id": user_id,
            "email": f"{name}@{EMAIL_DOMAIN}",
            "display_name": f"{'Rakentaja' if role == Role.BUILDER else 'Asukas'} {number}",
            "password_hash": self.password_hash,
            "role": role,
            "organization_id": organization_id,
            "locale": "fi",
            "session_token": new_session_token(),
            "active": True,
            "created_at": self.now - timedelta(days=400),
            "email_confirmed_at": self.now - timedelta(days=400),
        }

    def _users(self, rows: list[dict]) -> None:
        db.session.execute(sa.insert(User), rows)

    def write(self, docs: list[dict], story) -> None:
        """One batch of generated documents: their new organisations and sites first (foreign
        keys), then the listings, reservations, ledger rows and events."""
        self._organizations({d["organization_id"] for d in docs} - self.organizations.keys())
        self._sites({d["site_id"]: d for d in docs if d["site_id"] not in self.sites})
        rows = story.tell(docs, self.organizations)
        db.session.execute(sa.insert(Listing), rows.listings)
        if rows.reservations:
            db.session.execute(sa.insert(Reservation), rows.reservations)
        bulk_rows.record_handovers(db.session, rows.handovers)
        db.session.execute(sa.insert(ListingEvent), rows.events)
        self.counts["listings"] += len(rows.listings)
        self.counts["reservations"] += len(rows.reservations)
        self.counts["handovers"] += len(rows.handovers)
        self.counts["events"] += len(rows.events)

    def _organizations(self, ids: set[int]) -> None:
        """An organisation per id the generator uses, each with one builder; the last one is
        left unverified, so its listings wait for review."""
        if not ids:
            return
        rows, builders = [], []
        for org_id in sorted(ids):
            rows.append(
                {
                    "id": org_id,
                    "name": f"Kera Purku {org_id} Oy",
                    "business_id": self._business_id(org_id),
                    "verified_at": None
                    if org_id == bulk_stories.UNVERIFIED
                    else self.now - timedelta(days=400),
                    "created_at": self.now - timedelta(days=400),
                }
            )
            self.organizations[org_id] = self.next_user
            builders.append(self._user(self.next_user, f"builder{org_id}", Role.BUILDER, org_id))
            self.next_user += 1
        db.session.execute(sa.insert(Organization), rows)
        self._users(builders)
        self.counts["organizations"] += len(rows)
        self.counts["builders"] += len(builders)

    @staticmethod
    def _business_id(org_id: int) -> str:
        """A valid Y-tunnus, unique per organisation (some bases have no valid check digit)."""
        for base in range(2_600_000 + org_id * 10, 2_600_000 + org_id * 10 + 10):
            for check in range(10):
                if business_id_valid(f"{base}-{check}"):
                    return f"{base}-{check}"
        raise AssertionError("no valid business id in ten bases")  # never: 1 in 11 fails

    def _sites(self, docs: dict[int, dict]) -> None:
        if not docs:
            return
        db.session.execute(
            sa.insert(Site),
            [
                {
                    "id": site_id,
                    "organization_id": d["organization_id"],
                    "name": d["site_name"],
                    "address": f"Keran työmaa {site_id}, 02630 Espoo",
                    "lat": d["_geo"]["lat"],
                    "lng": d["_geo"]["lng"],
                    "opening_hours": bulk_stories.OPENING_HOURS,
                    "pickup_instructions": "Ilmoittaudu työmaan toimistolla.",
                    "staged_release_hours": None,
                    "created_at": self.now - timedelta(days=400),
                }
                for site_id, d in sorted(docs.items())
            ],
        )
        self.sites |= docs.keys()
        self.counts["sites"] += len(docs)

    def finish(self) -> None:
        """PostgreSQL: move each id sequence past the ids given here, so the app's own inserts
        (a new listing tomorrow) do not collide with them."""
        if db.engine.dialect.name != "postgresql":
            return
        for table in SEQUENCED:
            db.session.execute(
                sa.text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))"
                )
            )
