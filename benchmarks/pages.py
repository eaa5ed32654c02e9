"""Page times at scale (issue 16 point 5): `python -m benchmarks.pages` (run by `make bench`).

Seeds an app with `flask seed bulk --listings N` (N = 100,000; 10,000 with --quick) into a
database of its own under benchmarks/results/ (kept and reused by the next run with the same N
and seed: seeding 100,000 listings takes minutes), then measures the server-side time of each
page through Flask's test client, in-process: the request goes through the whole app (routing,
sign-in, the queries, templates, the response) but not through a socket or a WSGI server, so
the figure is the app's own time, which is what a page target is about. Pages:

    home      /                                   newest listings, no search
    search    /?q=…  (mix.py: one text per kind, plain and within 1 km of Kera)
    listing   /listings/<id>                      ten findable listings
    map       /search/sites?q=…                   the search page's map of every result
    pickups   /pickups?site_id=…                  signed-in builder, the busiest site

Each round requests every URL of a page `repeat` times; p50 and p95 per page and round, then
medians over the rounds, with the SQL statements per request and the process's CPU time per
request (on a shared machine the wall time mostly measures the queue for a core; the CPU time
is what the page itself costs). Target: p95 <= 50 ms each, wall time.
Before measuring, the app is started as wsgi.py starts it in production: runtime.prepare warms
it up and freezes its long-lived objects out of the garbage collector's way.
Results: benchmarks/results/pages-<n>-<time>.json.

    python -m benchmarks.pages                     # 100,000 listings, 5 rounds
    python -m benchmarks.pages --quick             # 10,000 listings, 3 rounds
    python -m benchmarks.pages --n 200 --rounds 1 --repeat 1 --workdir /tmp/pages
"""

import argparse
import json
import os
import statistics
import time
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa
from flask_migrate import upgrade

from marketplace import bulk_seed, clock, config, create_app
from marketplace.extensions import db
from marketplace.models import OPEN, Listing, Reservation, User
from marketplace.ops import runtime

from . import mix
from .generate import KERA
from .search import RESULTS, percentile

ROOT = Path(__file__).resolve().parent.parent
TARGET_P95_MS = 50.0
SEARCH_TEXTS = [texts[0] for texts in mix.TEXTS.values()]
GEO = f"&lat={KERA[0]}&lng={KERA[1]}&radius_km=1&sort=distance"


def options(argv=None):
    parser = argparse.ArgumentParser(description="Page times at scale (issue 16)")
    parser.add_argument("--n", type=int, default=None, help="listings (default 100000)")
    parser.add_argument("--quick", action="store_true", help="10,000 listings, 3 rounds")
    parser.add_argument("--rounds", type=int, default=None)
    parser.add_argument("--repeat", type=int, default=None, help="requests per URL and round")
    parser.add_argument("--seed", type=int, default=20261130)
    parser.add_argument(
        "--workdir", default=None, help="where the seeded database lives (reused when present)"
    )
    args = parser.parse_args(argv)
    args.n = args.n or (10_000 if args.quick else 100_000)
    args.rounds = args.rounds or (3 if args.quick else 5)
    args.repeat = args.repeat or (5 if args.quick else 10)
    args.workdir = Path(args.workdir or RESULTS / f"pages-db-{args.n}-{args.seed}")
    return args


def make_app(workdir: Path):
    """The app on the benchmark's own SQLite database and search index (the test settings:
    no rate limits, no CSRF; nothing else differs for a GET)."""
    workdir.mkdir(parents=True, exist_ok=True)
    return create_app(
        config.TestConfig(
            INSTANCE_DIR=str(workdir),
            SQLALCHEMY_DATABASE_URI=f"sqlite:///{workdir / 'db.sqlite3'}",
            UPLOAD_DIR=str(workdir / "uploads"),
            SEARCH_DB_PATH=str(workdir / "search.sqlite3"),
        )
    )


def seeded(app, n: int, seed: int) -> dict:
    """Migrate and bulk-seed an empty database, or reuse one already seeded with `n`."""
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        have = db.session.scalar(sa.select(sa.func.count()).select_from(Listing))
        if have == n:
            return {"reused": True}
        if have:
            raise SystemExit(f"{app.config['INSTANCE_DIR']} holds {have} listings, not {n}")
        started = time.perf_counter()
        report = bulk_seed.bulk_seed(n, seed=seed, echo=print)
        return {"reused": False, "seed_s": round(time.perf_counter() - started, 1), **report}


def urls(app) -> tuple[dict[str, list[str]], str]:
    """The URLs of each page, and the e-mail address of the builder of the busiest site."""
    with app.app_context():
        site_id, email = db.session.execute(
            sa.select(Listing.site_id, User.email)
            .join(Reservation, Reservation.listing_id == Listing.id)
            .join(User, User.organization_id == Listing.organization_id)
            .where(Reservation.status.in_(OPEN))
            .group_by(Listing.site_id, User.email)
            .order_by(sa.func.count().desc(), Listing.site_id)
            .limit(1)
        ).one()
        findable = list(
            db.session.scalars(
                sa.select(Listing.id)
                .where(Listing.findable_clause(clock.today()))
                .order_by(Listing.id)
            )
        )
    step = max(1, len(findable) // 10)
    pages = {
        "home": ["/"],
        "search": [f"/?q={t}" for t in SEARCH_TEXTS] + [f"/?q={t}{GEO}" for t in SEARCH_TEXTS],
        "listing": [f"/listings/{i}" for i in findable[::step][:10]],
        "pickups": [f"/pickups?site_id={site_id}"],
    }
    if "main.result_map" in app.view_functions:  # the search page's map (issue 13)
        pages["map"] = ["/search/sites"] + [f"/search/sites?q={t}" for t in SEARCH_TEXTS]
    return pages, email


class StatementCounter:
    """SQL statements sent by the app's engine while it is on."""

    def __init__(self, engine):
        self.count = 0
        sa.event.listen(engine, "before_cursor_execute", self._one)

    def _one(self, *_args):
        self.count += 1


def measure(app, pages: dict, email: str, rounds: int, repeat: int) -> dict:
    """Per page and round: p50 and p95 (ms) and SQL statements per request."""
    client = app.test_client()
    signed_in = client.post("/login", data={"email": email, "password": bulk_seed.PASSWORD})
    if signed_in.status_code != 302:
        raise SystemExit(f"could not sign in as {email}: {signed_in.status_code}")
    with app.app_context():
        counter = StatementCounter(db.engine)
    per_page = {page: [] for page in pages}
    for round_ in range(rounds + 1):  # round 0 warms the caches and is not counted
        for page, page_urls in pages.items():
            latencies, cpu, statements = [], [], []
            for url in page_urls:
                for _ in range(repeat):
                    before = counter.count
                    started, started_cpu = time.perf_counter(), time.process_time()
                    response = client.get(url)
                    latencies.append((time.perf_counter() - started) * 1000)
                    cpu.append((time.process_time() - started_cpu) * 1000)
                    statements.append(counter.count - before)
                    if response.status_code != 200:
                        raise SystemExit(f"{url}: {response.status_code}")
            if round_:
                per_page[page].append(
                    {
                        "p50_ms": percentile(latencies, 50),
                        "p95_ms": percentile(latencies, 95),
                        "cpu_p50_ms": percentile(cpu, 50),
                        "cpu_p95_ms": percentile(cpu, 95),
                        "sql_max": max(statements),
                        "requests": len(latencies),
                    }
                )
    return per_page


def summary(per_page: dict) -> dict:
    """Medians over rounds, the target and the ratio to it."""
    result = {}
    for page, rounds in per_page.items():
        p95 = statistics.median(r["p95_ms"] for r in rounds)
        result[page] = {
            "p50_ms": round(statistics.median(r["p50_ms"] for r in rounds), 2),
            "p95_ms": round(p95, 2),
            "target_p95_ms": TARGET_P95_MS,
            "ratio": round(p95 / TARGET_P95_MS, 2),
            "met": p95 <= TARGET_P95_MS,
            "cpu_p50_ms": round(statistics.median(r["cpu_p50_ms"] for r in rounds), 2),
            "cpu_p95_ms": round(statistics.median(r["cpu_p95_ms"] for r in rounds), 2),
            "sql_per_request": max(r["sql_max"] for r in rounds),
        }
    return result


def table(run: dict) -> str:
    """The result as a plain-text table."""
    lines = [
        f"Pages at {run['n']:,} listings ({run['rounds']} rounds x {run['repeat']} requests per"
        f" URL, medians over rounds; Flask test client, in-process; load {run['load_start']}"
        f" -> {run['load_end']})",
        f"{'page':10} {'p50 ms':>8} {'p95 ms':>8} {'target':>8} {'ratio':>6}"
        f" {'CPU p50':>8} {'CPU p95':>8} {'SQL':>4}",
    ]
    for page, row in run["pages"].items():
        lines.append(
            f"{page:10} {row['p50_ms']:8.1f} {row['p95_ms']:8.1f} {row['target_p95_ms']:8.0f}"
            f" {row['ratio']:6.2f} {row['cpu_p50_ms']:8.1f} {row['cpu_p95_ms']:8.1f}"
            f" {row['sql_per_request']:4} " + ("MET" if row["met"] else "NOT MET")
        )
    if "map" not in run["pages"]:
        lines.append("map: not measured (no /search/sites endpoint in this tree)")
    return "\n".join(lines)


def main(argv=None) -> dict:
    args = options(argv)
    app = make_app(args.workdir)
    seeding = seeded(app, args.n, args.seed)
    pages, email = urls(app)
    startup = runtime.prepare(app)  # warm-up and gc.freeze(), as wsgi.py starts production
    load_start = Path("/proc/loadavg").read_text().split()[:3]
    per_page = measure(app, pages, email, args.rounds, args.repeat)
    run = {
        "n": args.n,
        "seed": args.seed,
        "rounds": args.rounds,
        "repeat": args.repeat,
        "cpus": os.cpu_count(),
        "load_start": " ".join(load_start),
        "load_end": " ".join(Path("/proc/loadavg").read_text().split()[:3]),
        "seeding": seeding,
        "startup": startup,
        "urls": pages,
        "pages": summary(per_page),
        "rounds_raw": per_page,
    }
    print(table(run))
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"pages-{args.n}-{datetime.now():%Y%m%d-%H%M%S}.json"
    out.write_text(json.dumps(run, indent=2, default=str))
    print(f"  results: {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}")
    return run


if __name__ == "__main__":
    main()
