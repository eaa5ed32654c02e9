"""A database of N generated listings for timing `flask search reindex` at scale.

    python -m benchmarks.reindex --n 1000000 --folder /tmp/kera-reindex   # fill (streamed)
    DATABASE_URL=sqlite:////tmp/kera-reindex/bench.sqlite3 \\
    SEARCH_DB_PATH=/tmp/kera-reindex/search.sqlite3 APP_ENV=development \\
        /usr/bin/time -v .venv/bin/flask search reindex                    # the measured run

The listings are the search benchmark's documents (benchmarks.generate, same seed), written
through the real schema in batches, so neither this nor the reindex holds them all in memory.
"""

import argparse
import os
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa

from marketplace import catalog_loader, clock, create_app
from marketplace.config import TestConfig
from marketplace.extensions import db
from marketplace.models import Category, Listing, Organization, Site

from .generate import documents

BATCH = 5000


def listing_row(d: dict, categories: dict, now: datetime) -> dict:
    """The listing row of a generated document."""
    return {
        "id": d["id"],
        "organization_id": d["organization_id"],
        "site_id": d["site_id"],
        "category_slug": d["category"],
        "title": d["title"],
        "description": d["description"],
        "language": d["language"],
        "quantity": Decimal(str(d["quantity_available"])),
        "unit": d["unit"],
        "kg_per_unit": categories[d["category"]].typical_kg(d["unit"]),
        "mass_source": "estimated",
        "condition": d["condition"],
        "available_from": date.fromisoformat(d["available_from"]),
        "available_until": date.fromisoformat(d["available_until"]),
        "price_cents": d["price_cents"],
        "hazard_free_declared_at": now,
        "public_from": now - timedelta(days=1),
        "created_at": datetime.fromtimestamp(d["created_ts"], UTC),
    }


def fill(folder: str, n: int, seed: int, log=print) -> None:
    """Create the database in `folder` and write `n` listings, BATCH at a time."""
    os.makedirs(folder, exist_ok=True)
    config = TestConfig(
        INSTANCE_DIR=folder,
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{os.path.join(folder, 'bench.sqlite3')}",
        SEARCH_DB_PATH=os.path.join(folder, "search.sqlite3"),
    )
    with create_app(config).app_context():
        db.create_all()
        catalog_loader.sync()
        categories = {c.slug: c for c in db.session.scalars(sa.select(Category))}
        now, organizations, sites, batch = clock.now(), set(), set(), []
        started = time.perf_counter()

        def flush():
            db.session.execute(sa.insert(Listing), [listing_row(d, categories, now) for d in batch])
            db.session.commit()
            batch.clear()

        for d in documents(n, seed=seed):
            if d["organization_id"] not in organizations:
                organizations.add(d["organization_id"])
                org = d["organization_id"]
                db.session.add(
                    Organization(
                        id=org,
                        name=f"Rakennus {org} Oy",
                        business_id=f"{org:07d}-0",
                        verified_at=now,
                    )
                )
            if d["site_id"] not in sites:
                sites.add(d["site_id"])
                db.session.add(
                    Site(
                        id=d["site_id"],
                        organization_id=d["organization_id"],
                        name=d["site_name"],
                        address="Kera, Espoo",
                        lat=d["_geo"]["lat"],
                        lng=d["_geo"]["lng"],
                        opening_hours={},
                    )
                )
                db.session.flush()
            batch.append(d)
            if len(batch) == BATCH:
                flush()
        if batch:
            flush()
        db.session.execute(sa.text("ANALYZE"))
        db.session.commit()
        log(f"wrote {n} listings in {time.perf_counter() - started:.0f} s to {folder}")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=20261130)
    parser.add_argument("--folder", required=True)
    args = parser.parse_args(argv)
    fill(args.folder, args.n, args.seed)


if __name__ == "__main__":
    main()
