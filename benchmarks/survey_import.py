"""Benchmark of the survey import: `python -m benchmarks.survey_import` (run by `make bench`).

Publishes a 5,000-row demolition survey (semicolon CSV, Finnish headers, decimal commas, eight
materials) through POST /api/v1/imports/survey?dry_run=false, on a fresh SQLite database each
run, and reports the median of the runs with the machine's load average. Target: ≤ 10 s.
Results go to benchmarks/results/survey-import-<time>.json.

    python -m benchmarks.survey_import             # 5,000 rows, 3 runs
    python -m benchmarks.survey_import --rows 500 --runs 1
"""

import argparse
import json
import os
import platform
import statistics
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from marketplace import config, create_app
from marketplace.catalog_loader import sync
from marketplace.extensions import db
from marketplace.services import accounts, sites

RESULTS = Path(__file__).resolve().parent / "results"
TARGET_S = 10.0
MATERIALS = (
    ("Punatiili", "kpl", "2,9", "17 01 02"),
    ("Väliovi", "kpl", "", "17 02 01"),
    ("Ontelolaatta", "m2", "", "17 01 01"),
    ("Teräspalkki", "jm", "42,3", "17 04 05"),
    ("Kattotiili", "kpl", "4,5", "17 01 03"),
    ("Mineraalivilla", "m3", "", "17 06 04"),
    ("Kipsilevy", "m2", "", "17 08 02"),
    ("Vaneri", "m2", "", "17 02 01"),
)


def survey(rows: int, today: date) -> bytes:
    """A realistic survey of `rows` rows; every fifth one still installed for three weeks."""
    lines = ["Materiaali;Määrä;Yksikkö;Paino kg/yksikkö;Saatavilla alkaen;EWC-koodi;Sijainti"]
    for i in range(rows):
        name, unit, kg, ewc = MATERIALS[i % len(MATERIALS)]
        start = today + timedelta(days=21 if i % 5 == 0 else 0)
        lines.append(
            f"{name};{1 + i % 400},5;{unit};{kg};{start.isoformat()};{ewc};"
            f"Porras {'ABC'[i % 3]}, huoneisto {i % 60 + 1}"
        )
    return ("\n".join(lines) + "\n").encode("utf-8")


def one_run(rows: int) -> float:
    """Seconds to publish the survey on a fresh database (the request, end to end)."""
    with tempfile.TemporaryDirectory(prefix="kera-bench-import-") as tmp:
        app = create_app(
            config.TestConfig(
                INSTANCE_DIR=tmp,
                SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp}/bench.sqlite3",
                UPLOAD_DIR=f"{tmp}/uploads",
                SEARCH_DB_PATH=f"{tmp}/search.sqlite3",
                ARGON2_FAST=True,
            )
        )
        with app.app_context():
            db.create_all()
            sync()
            builder, _password = accounts.user_create(
                email="bench@example.com",
                role="builder",
                organization_name="Bench Purku Oy",
                business_id="1234567-1",
                locale="fi",
            )
            site = sites.site_create(
                user_id=builder.id,
                name="Bench",
                address="Kera, 02630 Espoo",
                lat=60.2161,
                lng=24.7539,
            )
            token = accounts.token_create(user_id=builder.id)[1]
            body = survey(rows, date.today())
            client = app.test_client()
            started = time.perf_counter()
            answer = client.post(
                f"/api/v1/imports/survey?site_id={site.id}&dry_run=false",
                data=body,
                headers={"Authorization": f"Bearer {token}", "Content-Type": "text/csv"},
            )
            elapsed = time.perf_counter() - started
            if answer.status_code != 201 or len(answer.get_json()["created"]) != rows:
                raise SystemExit(f"import failed: {answer.status_code} {answer.get_data()[:500]}")
            db.session.remove()
            db.engine.dispose()
    return elapsed


def main() -> None:
    """Run, report, save."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    times = [one_run(args.rows) for _ in range(args.runs)]
    median = statistics.median(times)
    load = os.getloadavg()
    result = {
        "rows": args.rows,
        "runs": [round(t, 3) for t in times],
        "median_s": round(median, 3),
        "target_s": TARGET_S,
        "loadavg": load,
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    RESULTS.mkdir(exist_ok=True)
    name = f"survey-import-{args.rows}-{datetime.now(UTC):%Y%m%dT%H%M%S}.json"
    (RESULTS / name).write_text(json.dumps(result, indent=2) + "\n")
    verdict = "OK" if median <= TARGET_S else "SLOWER THAN TARGET"
    print(
        f"survey import, {args.rows} rows: median {median:.2f} s of {args.runs} runs "
        f"({', '.join(f'{t:.2f}' for t in times)}); target ≤ {TARGET_S:.0f} s: {verdict}; "
        f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} CPUs"
    )


if __name__ == "__main__":
    main()
