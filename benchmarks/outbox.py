"""Benchmark of the outbox worker: `python -m benchmarks.outbox` (part of `make bench`).

Loads N generated listings (benchmarks.generate, the search benchmark's data) into a database of
the real schema (SQLite, and PostgreSQL when --pg or BENCH_DATABASE_URL names a database whose
name starts with "bench": its schema is dropped and made again), gives each listing a word of its
own (`lot<id>z`) and builds the embedded index from the database. Then, per round:

- drain: the writes reservations and listing edits make (services/reserving.reserve, and
  listing_log.record_event for an edit) fill the outbox: per reservation `listing.changed` (the
  search index and wanted-post alerts), `reservation.created` (in-app notifications) and, while
  the worker runs, `notification.created` (the e-mail copy, written as a file without
  MAIL_SERVER). Workers in their own processes run the `flask worker` code path
  (outbox.run_once) until nothing is due: messages per second, and how many times each message's
  handler completed (a message delivered twice is a double delivery). 1 worker on SQLite;
  1 and 2 on PostgreSQL.
- lag: one worker process runs outbox.run_forever (what `flask worker` runs) while this process
  reserves the rest of distinct listings at --rate per second; each reservation makes its
  listing unfindable, and a thread searches the listing's word through the embedded backend's
  query path until the listing is gone: the lag from commit to searchable, p50 and p95.

Each figure is the median over the rounds; the load average is reported beside it, and for the
drains also messages per CPU second of the workers themselves (a figure other processes on a
busy machine disturb less than the wall-clock rate; PostgreSQL's own CPU is not in it).

    python -m benchmarks.outbox                 # 20,000 listings, 3 rounds
    python -m benchmarks.outbox --quick         # 5,000 listings, 2 rounds, shorter phases
"""

import argparse
import json
import logging
import multiprocessing
import os
import random
import statistics
import tempfile
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from marketplace import catalog_loader, clock, create_app, mail, outbox
from marketplace.config import TestConfig, _normalise_db_url
from marketplace.database import write_transaction
from marketplace.extensions import db
from marketplace.models import Listing, OutboxMessage, OutboxStatus, Role, User
from marketplace.search import service as search_service
from marketplace.search import sync
from marketplace.search.query import SearchQuery
from marketplace.services.listing_log import record_event
from marketplace.services.reserving import reserve

from .matching import load
from .search import RESULTS, percentile

TARGET_RATE, TARGET_LAG_P95_S = 1000.0, 1.0
SPAWN = multiprocessing.get_context("spawn")  # each worker a fresh process, as `flask worker`


def make_bench_app(settings: dict):
    """The app every process of the benchmark runs. E-mail copies of notifications are on (the
    mail part of the mix): rendered as with MAIL_SERVER, then written to files, not sent."""
    app = create_app(TestConfig(**settings))
    app.config.update(MAIL_ENABLED=True, MAX_OPEN_RESERVATIONS=10**9)
    mail._send_smtp = mail._write_files  # no SMTP server here: the file transport instead
    logging.getLogger("marketplace.mail").setLevel(logging.WARNING)  # a line per e-mail
    return app


def prepare(settings: dict, n: int, seed: int, log) -> None:
    """A fresh schema, N listings with a word of their own, builders, takers, the index."""
    app = make_bench_app(settings)
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(sa.text("DROP SCHEMA public CASCADE"))
                conn.execute(sa.text("CREATE SCHEMA public"))
        db.create_all()
        catalog_loader.sync()
        started = time.perf_counter()
        docs = load(n, seed)
        db.session.execute(
            sa.update(Listing).values(
                description=Listing.description + " lot" + sa.cast(Listing.id, sa.String) + "z"
            )
        )
        people = [
            {"email": f"b{o}@bench.example", "role": Role.BUILDER, "organization_id": o}
            for o in sorted({d["organization_id"] for d in docs})
        ] + [{"email": f"t{i}@bench.example", "role": Role.RESIDENT} for i in range(50)]
        now = clock.now()
        for p in people:
            db.session.add(
                User(display_name=p["email"], password_hash="-", email_confirmed_at=now, **p)
            )
        db.session.commit()
        count = sync.reindex(search_service.embedded())
        outbox.run_once("warm-up")  # the chores' first pass (expired listings) and its messages
        log(f"{n} listings, {count} findable, indexed in {time.perf_counter() - started:.1f} s")


def findable_ids() -> list[int]:
    """Listings reservable without a pickup time and still findable, in id order."""
    listings = db.session.scalars(sa.select(Listing).order_by(Listing.id))
    today = clock.today()
    return [
        listing.id
        for listing in listings
        if listing.is_findable(today) and listing.available_from <= today
    ]


def takers() -> list[int]:
    return list(db.session.scalars(sa.select(User.id).where(User.role == Role.RESIDENT)))


def fill(reservations: int, rng: random.Random, edits_only: bool = False) -> int:
    """Reservations of one unit (every tenth change an edit instead; with `edits_only` every
    change an edit: the search index's part of the mix alone); returns the last message id
    before them."""
    first = db.session.scalar(sa.select(sa.func.coalesce(sa.func.max(OutboxMessage.id), 0)))
    ids, users = findable_ids(), takers()
    for start in range(0, reservations, 200):
        with write_transaction() as session:
            for i in range(start, min(start + 200, reservations)):
                listing = session.get(Listing, rng.choice(ids))
                left = listing.quantity_available  # a lot reserved down to a fraction: the rest
                if edits_only or i % 10 == 9 or left <= 0:
                    record_event(session, listing, None, "listing.updated", {})
                    continue
                user = session.get(User, rng.choice(users))
                reserve(session, user=user, listing=listing, quantity=min(Decimal(1), left))
    db.session.rollback()
    return first


def count_deliveries(wiring) -> Counter:
    """Wrap every handler (and batch handler) so that completed deliveries are counted by id."""
    counts: Counter = Counter()

    def single(handler):
        def counted(message):
            handler(message)
            counts[message.id] += 1

        return counted

    def batched(handler):
        def counted(messages, *args, **kwargs):
            handler(messages, *args, **kwargs)
            counts.update(m.id for m in messages)

        return counted

    wiring.by_name = {name: single(h) for name, h in wiring.by_name.items()}
    if getattr(wiring, "batches", None):
        wiring.batches = {name: batched(h) for name, h in wiring.batches.items()}
    return counts


def due() -> int:
    db.session.rollback()
    return db.session.scalar(
        sa.select(sa.func.count()).where(
            OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.available_at <= clock.now()
        )
    )


def drain_worker(settings: dict, name: str, ready, go, out_path: str) -> None:
    """One worker process: wait for the start, deliver until nothing is due, report."""
    app = make_bench_app(settings)
    with app.app_context():
        counts = count_deliveries(outbox.wiring())
        ready.set()
        go.wait()
        cpu = time.process_time()
        while outbox.run_once(worker_id=name) or due():
            time.sleep(0.002)  # another worker still holds the last batch
        finished, cpu = time.time(), time.process_time() - cpu
    with open(out_path, "w") as f:
        json.dump({"finished": finished, "cpu_s": cpu, "deliveries": counts}, f)


def drain(
    settings: dict, workers: int, reservations: int, rng, folder: str, edits_only=False
) -> dict:
    """Fill the outbox, drain it with `workers` processes: rate, mix, double deliveries."""
    first = fill(reservations, rng, edits_only)
    ready, go = [SPAWN.Event() for _ in range(workers)], SPAWN.Event()
    paths = [os.path.join(folder, f"worker{i}.json") for i in range(workers)]
    procs = [
        SPAWN.Process(target=drain_worker, args=(settings, f"w{i}", ready[i], go, paths[i]))
        for i in range(workers)
    ]
    for p in procs:
        p.start()
    for r in ready:
        r.wait(120)
    started = time.time()
    go.set()
    for p in procs:
        p.join()
    reports = [json.load(open(path)) for path in paths]
    elapsed = max(r["finished"] for r in reports) - started
    cpu = sum(r["cpu_s"] for r in reports)  # the workers' own CPU time (not PostgreSQL's)
    deliveries: Counter = Counter()
    for r in reports:
        deliveries.update({int(k): v for k, v in r["deliveries"].items()})
    db.session.rollback()
    rows = db.session.execute(
        sa.select(OutboxMessage.id, OutboxMessage.topic, OutboxMessage.status).where(
            OutboxMessage.id > first
        )
    ).all()
    done = [r for r in rows if r.status == OutboxStatus.DONE]
    return {
        "messages": len(done),
        "not_done": len(rows) - len(done),
        "seconds": round(elapsed, 2),
        "per_s": round(len(done) / elapsed, 1),
        "per_worker_cpu_s": round(len(done) / cpu, 1),
        "mix": dict(Counter(r.topic for r in done)),
        "double_deliveries": sum(1 for r in done if deliveries[r.id] > 1),
        "undelivered_done": sum(1 for r in done if deliveries[r.id] == 0),
    }


def serve(settings: dict, ready) -> None:
    """The worker process of the lag phase: `flask worker`'s loop until terminated."""
    app = make_bench_app(settings)
    with app.app_context():
        ready.set()
        outbox.run_forever()


def lag(settings: dict, rate: float, seconds: float, pool: list[int], app) -> dict:
    """Reserve the rest of listings at `rate`/s while a worker runs; commit-to-gone latency."""
    ready = SPAWN.Event()
    worker = SPAWN.Process(target=serve, args=(settings, ready))
    worker.start()
    ready.wait(120)
    committed: list[tuple[int, float]] = []
    seen: dict[int, float] = {}
    producing = threading.Event()
    producing.set()

    def check():
        # One worker delivers the index's messages in id order, a batch in one transaction: when
        # a change is searchable, so is every earlier one. So the oldest pending change and the
        # newest are searched, two searches a pass, however many changes are pending.
        with app.app_context():
            backend, cursor = search_service.embedded(), 0

            def gone(listing_id):
                hits = backend.search(SearchQuery(text=f"lot{listing_id}z", per_page=50)).hits
                return all(hit.id != listing_id for hit in hits)

            while producing.is_set() or cursor < len(committed):
                if cursor >= len(committed):
                    time.sleep(0.002)
                    continue
                listing_id, at = committed[cursor]
                if gone(listing_id):
                    now, last = time.time(), len(committed) - 1
                    upto = last if last > cursor and gone(committed[last][0]) else cursor
                    for done_id, _ in committed[cursor : upto + 1]:
                        seen[done_id] = now
                    cursor = upto + 1
                elif time.time() - at > 60:  # never indexed: counted as unseen
                    cursor += 1
                else:
                    time.sleep(0.002)

    checker = threading.Thread(target=check)
    checker.start()
    users, started, made = takers(), time.time(), 0
    while time.time() - started < seconds and made < len(pool):
        # at most 10 a transaction: a writer that fell behind must not hold SQLite's lock long
        wanted = min(len(pool), int((time.time() - started) * rate) + 1, made + 10)
        with write_transaction() as session:
            batch = []
            for i, listing_id in enumerate(pool[made:wanted]):
                listing = session.get(Listing, listing_id)
                if listing.quantity_available <= 0:  # the drains took it all: nothing to time
                    continue
                user = session.get(User, users[(made + i) % len(users)])
                reserve(session, user=user, listing=listing, quantity=listing.quantity_available)
                batch.append(listing_id)
        now = time.time()
        committed.extend((listing_id, now) for listing_id in batch)
        made = wanted
        time.sleep(max(0.0, started + made / rate - time.time()))
    produced_s = time.time() - started
    producing.clear()
    checker.join(60)
    worker.terminate()
    worker.join()
    # What the stopped worker had claimed or not reached is not the next round's to deliver:
    # its leases are released (as their expiry would, 5 minutes later) and the rest delivered.
    with write_transaction() as session:
        session.execute(
            sa.update(OutboxMessage)
            .where(OutboxMessage.status == OutboxStatus.PENDING)
            .values(locked_until=None)
        )
    outbox.run_once("leftovers")
    lags = [seen[i] - t for i, t in committed if i in seen] or [float("nan")]
    return {
        "changes": len(committed),
        "rate_per_s": round(len(committed) / produced_s, 1),
        "p50_s": round(percentile(lags, 50), 3),
        "p95_s": round(percentile(lags, 95), 3),
        "max_s": round(max(lags), 3),
        "unseen": len(committed) - len(lags),
    }


def run(label: str, url: str, args, folder: str, log=print) -> dict:
    """Every phase on one database: rounds of drains (1 worker, and 2 on PostgreSQL), then lag."""
    settings = {
        "INSTANCE_DIR": folder,
        "SQLALCHEMY_DATABASE_URI": url,
        "SEARCH_DB_PATH": os.path.join(folder, "search.sqlite3"),
    }
    prepare(settings, args.n, args.seed, log)
    app, rng = make_bench_app(settings), random.Random(args.seed)
    out: dict = {"database": label, "drain": {}, "lag": {}}
    counts = (1, 2) if label == "postgresql" else (1,)
    with app.app_context():
        pool = findable_ids()
        rng.shuffle(pool)
        rounds: dict = {w: [] for w in counts} | {"1 worker, listing changes only": []}
        lags = []
        per_lag = int(args.rate * args.lag_seconds) + 1
        for r in range(args.rounds):
            for workers in counts:
                figures = drain(settings, workers, args.reservations, rng, folder)
                log(f"{label} round {r + 1}, {workers} worker(s): {figures}")
                rounds[workers].append(figures)
            figures = drain(settings, 1, args.reservations, rng, folder, edits_only=True)
            log(f"{label} round {r + 1}, 1 worker, listing changes only: {figures}")
            rounds["1 worker, listing changes only"].append(figures)
            probes, pool = pool[:per_lag], pool[per_lag:]
            figures = lag(settings, args.rate, args.lag_seconds, probes, app)
            log(f"{label} round {r + 1}, lag: {figures}")
            lags.append(figures)
        for workers, figures in rounds.items():
            out["drain"][str(workers)] = {
                "per_s": round(statistics.median(f["per_s"] for f in figures), 1),
                "per_worker_cpu_s": round(
                    statistics.median(f["per_worker_cpu_s"] for f in figures), 1
                ),
                "messages": statistics.median(f["messages"] for f in figures),
                "double_deliveries": sum(f["double_deliveries"] for f in figures),
                "not_done": sum(f["not_done"] for f in figures),
                "mix": figures[0]["mix"],
                "rounds": figures,
            }
        out["lag"] = {
            key: round(statistics.median(f[key] for f in lags), 3)
            for key in ("rate_per_s", "p50_s", "p95_s", "max_s")
        } | {"unseen": sum(f["unseen"] for f in lags), "rounds": lags}
        db.session.remove()
        db.engine.dispose()
    return out


def options(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=None, help="listings (default 20000)")
    parser.add_argument("--quick", action="store_true", help="5,000 listings, shorter phases")
    parser.add_argument("--rounds", type=int, default=None)
    parser.add_argument("--repeat", type=int, default=None, help="(ignored: make bench passes it)")
    parser.add_argument("--seed", type=int, default=20261130)
    parser.add_argument("--reservations", type=int, default=None, help="per drain round")
    parser.add_argument("--rate", type=float, default=200.0, help="listing changes per second")
    parser.add_argument("--lag-seconds", type=float, default=None)
    parser.add_argument("--pg", default=os.environ.get("BENCH_DATABASE_URL", ""))
    parser.add_argument("--no-sqlite", action="store_true")
    args = parser.parse_args(argv)
    args.n = args.n or (5_000 if args.quick else 20_000)
    args.rounds = args.rounds or (2 if args.quick else 3)
    args.reservations = args.reservations or (1_000 if args.quick else 3_000)
    args.lag_seconds = args.lag_seconds or (5.0 if args.quick else 10.0)
    if args.pg and not (make_url(args.pg).database or "").startswith("bench"):
        parser.error("--pg: the database's schema is dropped; its name must start with 'bench'")
    return args


def main(argv=None) -> dict:
    args = options(argv)
    targets = [] if args.no_sqlite else [("sqlite", None)]
    if args.pg:
        targets.append(("postgresql", _normalise_db_url(args.pg)))
    else:
        print("PostgreSQL skipped: set BENCH_DATABASE_URL (a database named bench…) or --pg")
    result = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
        "n": args.n,
        "rounds": args.rounds,
        "reservations_per_round": args.reservations,
        "targets": {"per_s": TARGET_RATE, "lag_p95_s": TARGET_LAG_P95_S, "rate": args.rate},
        "runs": [],
    }
    for label, url in targets:
        with tempfile.TemporaryDirectory(prefix="kera-bench-outbox-") as folder:
            url = url or f"sqlite:///{os.path.join(folder, 'bench.sqlite3')}"
            result["runs"].append(run(label, url, args, folder))
    result["load_average"] = os.getloadavg()
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"outbox-{args.n}-{datetime.now():%Y%m%d-%H%M%S}.json"
    out.write_text(json.dumps(result, indent=2))
    report(result)
    print(f"wrote {out}")
    return result


def report(result: dict) -> None:
    """The table: each figure with its target (medians over the rounds) and the load average."""
    load = " ".join(f"{x:.2f}" for x in result["load_average"])
    print(f"outbox worker, {result['n']} listings, {result['rounds']} rounds (load {load})")
    print(f"{'figure':<50}{'median':>10}{'target':>10}  met")
    for run_ in result["runs"]:
        label = run_["database"]
        for workers, f in run_["drain"].items():
            rate_ok = f["per_s"] >= TARGET_RATE and not f["double_deliveries"]
            name = f"{label}, {workers} worker(s)" if workers.isdigit() else f"{label}, {workers}"
            print(
                f"{name + ', messages/s':<50}{f['per_s']:>10}"
                f"{'>= ' + str(int(TARGET_RATE)):>10}  {'yes' if rate_ok else 'NO'}"
                f"   ({f['per_worker_cpu_s']} per worker CPU second;"
                f" double deliveries {f['double_deliveries']}, left {f['not_done']})"
            )
        if "1" in run_["drain"] and "2" in run_["drain"]:
            ratio = run_["drain"]["2"]["per_s"] / run_["drain"]["1"]["per_s"]
            print(f"{label + ', 2 workers / 1 worker':<50}{ratio:>10.2f}")
        f = run_["lag"]
        print(f"{label + ', changes/s while measuring lag':<50}{f['rate_per_s']:>10}")
        print(f"{label + ', lag commit to searchable p50 (s)':<50}{f['p50_s']:>10}")
        ok = f["p95_s"] <= TARGET_LAG_P95_S and not f["unseen"]
        print(
            f"{label + ', lag commit to searchable p95 (s)':<50}{f['p95_s']:>10}"
            f"{'<= ' + str(TARGET_LAG_P95_S):>10}  {'yes' if ok else 'NO'}"
        )


if __name__ == "__main__":
    main()
