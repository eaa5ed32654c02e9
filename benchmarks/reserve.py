"""Reservations under load on PostgreSQL (issue 16): the app under gunicorn (2 workers) with
`flask worker` running, 32 clients with API tokens of distinct users reserving one unit each
through POST /api/v1/listings/{id}/reservations, and GET /healthz (the trivial endpoint) measured
by the same clients in the same run. Then a race: every client reserves one unit of one lot of 50
until it is sold out. Oversells are checked in SQL after the run. While the reservations run,
the lag from commit to searchable is read from the embedded index's outbox rows (index_lag).

    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench_reserve \
        .venv/bin/python -m benchmarks.reserve [--rounds 5] [--seconds 10] [--quick]

The database is emptied (schema `public` dropped) and migrated: give it one of its own. Settings
are production's (APP_ENV=production, JSON logs, metrics pooled across processes) except: offline
payments and the embedded search (nothing else is configured), RATELIMIT_ENABLED=off and
MAX_OPEN_RESERVATIONS=1000000, so that 32 users can make thousands of reservations in a minute.
Results: benchmarks/results/reserve-<time>.json.

Before/after in one run: `--before-tree DIR` names a copy of the code before a change (e.g.
`git archive <commit> | tar -x -C DIR`); each round then serves from DIR and from this tree in
turn (ABBA order, so a machine whose load drifts favours neither), against the same database.
"""

import argparse
import json
import os
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

from . import load

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
TARGET_RATE, TARGET_RATIO, TARGET_LAG_P95_S = 200.0, 0.5, 1.0
SITES, LISTINGS_PER_SITE, CLIENTS, RACE_LOT = 8, 4, 32, 50


def options(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", ""))
    parser.add_argument("--rounds", type=int, default=None)
    parser.add_argument("--seconds", type=float, default=None, help="per phase (default 10)")
    parser.add_argument("--clients", type=int, default=CLIENTS)
    parser.add_argument("--processes", type=int, default=4, help="client processes")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--label", default="", help="a name for this run in the results file")
    parser.add_argument("--before-tree", default="", help="compare with the code in this folder")
    args, _others = parser.parse_known_args(argv)  # `make bench` passes other benchmarks' flags
    args.rounds = args.rounds or (3 if args.quick else 5)
    args.seconds = args.seconds or (5.0 if args.quick else 10.0)
    return args


def server_env(database_url: str, workdir: Path, port: int) -> dict:
    """Production's settings, with the two bench-only relaxations named in the docstring."""
    metrics = workdir / "metrics"
    metrics.mkdir()
    return {
        **os.environ,
        "FLASK_APP": "wsgi",
        "APP_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "DATABASE_URL": database_url,
        "INSTANCE_DIR": str(workdir),
        "PROMETHEUS_MULTIPROC_DIR": str(metrics),
        "RATELIMIT_ENABLED": "off",
        "MAX_OPEN_RESERVATIONS": "1000000",
        "LOG_LEVEL": "WARNING",  # the access log of 10,000 requests would be the benchmark
    }


def seed(env: dict) -> dict:
    """Empty and migrate the database, then a builder with SITES sites of LISTINGS_PER_SITE big
    lots, a lot of RACE_LOT for the race, and CLIENTS confirmed residents with an API token."""
    from flask_migrate import upgrade

    from marketplace import clock, create_app
    from marketplace.config import Config
    from marketplace.extensions import db
    from marketplace.services import accounts, listings, sites

    app = create_app(Config(env))
    with app.app_context():
        with db.engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade()
        builder, _ = accounts.user_create(
            email="bench.builder@example.com",
            role="builder",
            organization_name="Bench Oy",
            business_id="2000007-5",
        )
        today = clock.today()
        lot = {
            "description": "Poltettu tiili, lavoilla.",
            "category": "brick",
            "unit": "pcs",
            "condition": "good",
            "available_from": today,
            "available_until": today + timedelta(days=30),
        }
        lots = []
        for s in range(SITES):
            site = sites.site_create(
                user_id=builder.id,
                name=f"Bench site {s}",
                address="Kutojantie 3, 02630 Espoo",
                lat=60.2161,
                lng=24.7539,
                pickup_instructions="Gate B",
                opening_hours={d: ["07:00", "16:00"] for d in ("mon", "tue", "wed", "thu", "fri")},
            )
            for n in range(LISTINGS_PER_SITE):
                made = listings.listing_create(
                    user_id=builder.id,
                    hazard_free=True,
                    title=f"Tiili {s}-{n}",
                    quantity="1000000",
                    site_id=site.id,
                    **lot,
                )
                lots.append(made.id)
        races = [
            listings.listing_create(
                user_id=builder.id,
                hazard_free=True,
                title=f"Race lot {n}",
                quantity=str(RACE_LOT),
                site_id=site.id,
                **lot,
            ).id
            for n in range(2)  # one for each tree compared
        ]
        tokens = []
        for c in range(CLIENTS):
            user, _ = accounts.user_create(email=f"bench{c}@example.com", role="resident")
            tokens.append(accounts.token_create(user_id=user.id, name="bench")[1])
        result = {"listings": lots, "races": races, "tokens": tokens}
        db.session.remove()
        db.engine.dispose()
    return result


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_servers(env: dict, port: int, workdir: Path, tree: Path) -> list[subprocess.Popen]:
    """gunicorn with 2 sync workers (as deploy/ runs it, with 2 instead of 4) and one worker."""
    log = open(workdir / "servers.log", "ab")  # noqa: SIM115 - closed with the processes
    bin_ = Path(sys.executable).parent
    web = subprocess.Popen(
        [bin_ / "gunicorn", "--workers", "2", "--timeout", "60", "--bind", f"127.0.0.1:{port}"]
        + ["wsgi:app"],
        cwd=tree,
        env=env,
        stdout=log,
        stderr=log,
    )
    worker = subprocess.Popen([bin_ / "flask", "worker"], cwd=tree, env=env, stdout=log, stderr=log)
    for _ in range(300):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return [web, worker]
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"gunicorn did not start; see {workdir / 'servers.log'}")


def stop(processes: list[subprocess.Popen]) -> None:
    for p in processes:
        p.send_signal(signal.SIGTERM)
    for p in processes:
        p.wait(timeout=30)


TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids) -> dict[int, float]:
    """User + system CPU time of each of these processes so far (gone ones are left out)."""
    spent = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        spent[pid] = (int(fields[11]) + int(fields[12])) / TICK  # utime, stime
    return spent


def process_groups(processes: list[subprocess.Popen]) -> dict:
    """The processes to weigh, each group a function that lists them now: gunicorn's workers,
    the outbox worker, and PostgreSQL's processes (all of them: other databases' work on the
    machine counts too, so that figure is an upper bound)."""
    web, worker = processes

    def pids(test):
        return [int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit() and test(p)]

    return {
        "app": lambda: pids(lambda p: _ppid(p) == web.pid),
        "worker": lambda: [worker.pid],
        "postgres": lambda: pids(lambda p: _comm(p) == "postgres"),
    }


def _ppid(proc: Path) -> int:
    try:
        return int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
    except OSError:
        return 0


def _comm(proc: Path) -> str:
    try:
        return (proc / "comm").read_text().strip()
    except OSError:
        return ""


def loadavg() -> str:
    return Path("/proc/loadavg").read_text().strip()


def choosers(data: dict):
    """The three request mixes: /healthz, reservations spread over the lots, and the race."""
    body = json.dumps({"quantity": "1"}).encode()
    headers = [
        {"Authorization": f"Bearer {t}", "Content-Type": "application/json"} for t in data["tokens"]
    ]
    lots = data["listings"]

    def trivial(client, i):
        return "GET", "/healthz", {}, None

    def reserve(client, i):
        listing = lots[(client * 7 + i) % len(lots)]
        return "POST", f"/api/v1/listings/{listing}/reservations", headers[client], body

    def race(lot):
        def chooser(client, i):
            return "POST", f"/api/v1/listings/{lot}/reservations", headers[client], body

        return chooser

    return trivial, reserve, race


def weighed(groups: dict, phase):
    """Run `phase()`; its result and the CPU milliseconds each group spent per request
    (processes that start during the phase, PostgreSQL's backends, count from zero)."""
    before = {name: cpu_seconds(listed()) for name, listed in groups.items()}
    result = phase()
    per = max(1, result.requests)
    spent = {}
    for name, listed in groups.items():
        now = cpu_seconds(listed())
        total = sum(v - before[name].get(pid, 0) for pid, v in now.items())
        spent[name] = round(1000 * total / per, 2)
    return result, spent


def one_round(port: int, data: dict, args, processes: list[subprocess.Popen]) -> dict:
    """The trivial endpoint, then reservations, by the same clients; their figures, with the
    CPU time per request of the app, the outbox worker and PostgreSQL (which the machine's load
    does not change much, unlike the rates)."""
    trivial, reserve, _race = choosers(data)
    kw = {"clients": args.clients, "processes": args.processes, "seconds": args.seconds}
    load.run_phase("127.0.0.1", port, trivial, **{**kw, "seconds": 2})  # warm up
    groups = process_groups(processes)  # gunicorn's workers exist by now
    t, t_cpu = weighed(groups, lambda: load.run_phase("127.0.0.1", port, trivial, **kw))
    mark = last_outbox_id(args.database_url)
    x, x_cpu = weighed(groups, lambda: load.run_phase("127.0.0.1", port, reserve, **kw))
    lag = index_lag(args.database_url, mark)
    row = {
        "trivial_cpu_ms": t_cpu,
        "reserve_cpu_ms": x_cpu,
        "trivial_per_s": t.rate(200),
        "trivial_p50_ms": 1000 * (t.percentile(200, 0.5) or 0),
        "trivial_p95_ms": 1000 * (t.percentile(200, 0.95) or 0),
        "reserve_per_s": x.rate(201),
        "reserve_p50_ms": 1000 * (x.percentile(201, 0.5) or 0),
        "reserve_p95_ms": 1000 * (x.percentile(201, 0.95) or 0),
        "reserve_other": {str(k): len(v) for k, v in x.latencies.items() if k != 201},
        "trivial_other": {str(k): len(v) for k, v in t.latencies.items() if k != 200},
        "client_cpu_share": (t.client_cpu_s + x.client_cpu_s) / (t.seconds + x.seconds),
        "client_cpu_ms_per_request": 1000
        * (t.client_cpu_s + x.client_cpu_s)
        / max(1, t.requests + x.requests),
        "loadavg": loadavg(),
        **lag,
    }
    row["ratio"] = row["reserve_per_s"] / max(row["trivial_per_s"], 1e-9)
    return row


def _engine(database_url: str):
    from marketplace.config import _normalise_db_url

    return sa.create_engine(_normalise_db_url(database_url))


def last_outbox_id(database_url: str) -> int:
    engine = _engine(database_url)
    with engine.connect() as conn:
        found = conn.scalar(sa.text("SELECT coalesce(max(id), 0) FROM outbox_message"))
    engine.dispose()
    return found


def index_lag(database_url: str, after_id: int, wait_s: float = 60.0) -> dict:
    """Commit to searchable for the reservations of the phase just run, from the outbox rows of
    the embedded index: created_at is taken just before the reservation commits, processed_at
    once the index write has committed, so each difference is an upper bound of that lag. Rows
    still pending when the phase ends are waited for (up to `wait_s`): their lag counts in full."""
    engine = _engine(database_url)
    rows = "FROM outbox_message WHERE id > :after AND handler LIKE '%.index_embedded'"
    deadline = time.monotonic() + wait_s
    with engine.connect() as conn:
        while time.monotonic() < deadline:
            pending = conn.scalar(
                sa.text(f"SELECT count(*) {rows} AND status = 'pending'"), {"after": after_id}
            )
            conn.rollback()
            if not pending:
                break
            time.sleep(0.2)
        seconds = "extract(epoch FROM processed_at - created_at)"
        found = conn.execute(
            sa.text(
                f"SELECT count(*) AS n, percentile_cont(0.5) WITHIN GROUP (ORDER BY {seconds}) "
                f"AS p50, percentile_cont(0.95) WITHIN GROUP (ORDER BY {seconds}) AS p95 "
                f"{rows} AND status = 'done'"
            ),
            {"after": after_id},
        ).one()
    engine.dispose()
    return {
        "index_lag_p50_s": float(found.p50 or 0),
        "index_lag_p95_s": float(found.p95 or 0),
        "index_lag_messages": found.n,
        "index_lag_pending_after_wait": pending,
    }


def race(port: int, data: dict, args, lot: int) -> dict:
    """Every client reserves one unit of the lot until it is sold out (409)."""
    chooser = choosers(data)[2](lot)
    result = load.run_phase(
        "127.0.0.1",
        port,
        chooser,
        clients=args.clients,
        processes=args.processes,
        seconds=60,
        stop_on=(409,),
    )
    return {str(k): len(v) for k, v in result.latencies.items()}


def oversells(database_url: str, race_ids: list[int]) -> dict:
    """Every lot: reserved + collected <= quantity, and the counter equals its open reservations."""
    engine = _engine(database_url)
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text("""
            SELECT l.id, l.quantity, l.quantity_reserved, l.quantity_collected,
                   coalesce(sum(r.quantity) FILTER (WHERE r.status IN
                       ('confirmed', 'pending_payment')), 0) AS held
            FROM listing l LEFT JOIN reservation r ON r.listing_id = l.id
            GROUP BY l.id""")
        ).all()
        backlog = conn.scalar(sa.text("SELECT count(*) FROM outbox_message WHERE status='pending'"))
    engine.dispose()
    return {
        "oversold_listings": [
            r.id for r in rows if r.quantity_reserved + r.quantity_collected > r.quantity
        ],
        "counter_drift_listings": [r.id for r in rows if r.quantity_reserved != r.held],
        "race_reserved_milli": {r.id: r.quantity_reserved for r in rows if r.id in race_ids},
        "outbox_pending_at_end": backlog,
    }


def medians(rounds: list[dict]) -> dict:
    return {
        k: statistics.median(r[k] for r in rounds)
        for k in rounds[0]
        if isinstance(rounds[0][k], float)
    }


def report(run: dict) -> None:
    check = run["check"]
    oversold = len(check["oversold_listings"]) + len(check["counter_drift_listings"])
    print(f"\nReservations on PostgreSQL: {run['clients']} clients, {run['rounds_each']} rounds")
    print(f"  oversold or drifted lots: {oversold} (target 0) {'ok' if not oversold else 'MISSED'}")
    for name, variant in run["variants"].items():
        med = medians(variant["rounds"])
        won = variant["race"].get("201", 0)
        lines = [
            (
                "reservations/s (median)",
                f"{med['reserve_per_s']:.0f}",
                f">= {TARGET_RATE:.0f}",
                med["reserve_per_s"] >= TARGET_RATE,
            ),
            (
                "reserve p50 / p95 ms",
                f"{med['reserve_p50_ms']:.0f} / {med['reserve_p95_ms']:.0f}",
                "",
                None,
            ),
            ("/healthz per s (median)", f"{med['trivial_per_s']:.0f}", "", None),
            (
                "/healthz p50 / p95 ms",
                f"{med['trivial_p50_ms']:.1f} / {med['trivial_p95_ms']:.1f}",
                "",
                None,
            ),
            (
                "ratio to /healthz (median)",
                f"{med['ratio']:.2f}",
                f">= {TARGET_RATIO}",
                med["ratio"] >= TARGET_RATIO,
            ),
            (
                "commit -> searchable p50 / p95 s",
                f"{med['index_lag_p50_s']:.2f} / {med['index_lag_p95_s']:.2f}",
                f"<= {TARGET_LAG_P95_S}",
                med["index_lag_p95_s"] <= TARGET_LAG_P95_S,
            ),
            (f"race: 201s for a lot of {RACE_LOT}", str(won), str(RACE_LOT), won == RACE_LOT),
            ("client CPU, share of one core", f"{med['client_cpu_share']:.2f}", "", None),
        ]
        for kind in ("reserve", "trivial"):
            cpu = {
                g: statistics.median(r[f"{kind}_cpu_ms"][g] for r in variant["rounds"])
                for g in ("app", "worker", "postgres")
            }
            text = " / ".join(f"{cpu[g]:.1f}" for g in ("app", "worker", "postgres"))
            lines.append((f"{kind} CPU ms: app/worker/pg", text, "", None))
        print(f"  {name} ({variant['tree']}):")
        for label, value, target, ok in lines:
            verdict = "" if ok is None else ("ok" if ok else "MISSED")
            print(f"    {label:32} {value:>14}  {target:>8}  {verdict}")
    print(f"  outbox messages pending at the end: {check['outbox_pending_at_end']}")
    print(f"  load average at the end: {run['loadavg_end']}")


def main(argv=None) -> int:
    args = options(argv)
    if not args.database_url.startswith("postgres"):
        print("benchmarks.reserve skipped: set BENCH_DATABASE_URL to an empty PostgreSQL database")
        return 0
    trees = {"current": ROOT}
    if args.before_tree:
        trees = {"before": Path(args.before_tree).resolve(), "after": ROOT}
    workdir = Path(tempfile.mkdtemp(prefix="kera-bench-reserve-"))
    port = free_port()
    env = server_env(args.database_url, workdir, port)
    data = seed(env)
    run = {
        "label": args.label,
        "clients": args.clients,
        "processes": args.processes,
        "rounds_each": args.rounds,
        "seconds_per_phase": args.seconds,
        "loadavg_start": loadavg(),
        "variants": {name: {"tree": str(tree), "rounds": []} for name, tree in trees.items()},
    }
    names = list(trees)
    try:
        for r in range(args.rounds):
            for name in names if r % 2 == 0 else names[::-1]:  # ABBA: drift favours neither
                processes = start_servers(env, port, workdir, trees[name])
                try:
                    row = one_round(port, data, args, processes)
                    if r == args.rounds - 1:
                        lot = data["races"][names.index(name)]
                        run["variants"][name]["race"] = race(port, data, args, lot)
                finally:
                    stop(processes)
                run["variants"][name]["rounds"].append(row)
                print(
                    f"round {r + 1} {name}: {row['reserve_per_s']:.0f} reservations/s "
                    f"(p50 {row['reserve_p50_ms']:.0f} ms), /healthz {row['trivial_per_s']:.0f}/s,"
                    f" load {row['loadavg']}",
                    flush=True,
                )
        run["check"] = oversells(args.database_url, data["races"])
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    run["loadavg_end"] = loadavg()
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"reserve-{time.strftime('%Y%m%dT%H%M%S')}.json"
    out.write_text(json.dumps(run, indent=2))
    report(run)
    print(f"  results: {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
