"""Benchmark of the embedded search engine: `python -m benchmarks.search` (or `make bench`).

Generates N realistic listings (benchmarks.generate, fixed seed), builds the index (timed, like
`flask search reindex` minus reading the database), then runs the fixed query mix
(benchmarks.mix) for several rounds, each query several times, and reports per query kind and
overall the p50 and p95 latency: each figure is the median over the rounds of that round's
percentile. The same mix runs against a plain SQLite LIKE baseline on the same data, and the
ratio is reported. Results go to benchmarks/results/search-<n>-<time>.json and a table.

    python -m benchmarks.search                 # 100,000 listings, 5 rounds x 3 repetitions
    python -m benchmarks.search --quick         # 10,000 listings, 3 rounds x 2 (smoke run)
    python -m benchmarks.search --n 50000 --rounds 7 --repeat 5
"""

import json
import os
import platform
import sqlite3
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from marketplace.search.embedded.backend import EmbeddedBackend

from . import mix
from .baseline import LikeBaseline
from .generate import documents
from .options import scale_options

RESULTS = Path(__file__).resolve().parent / "results"
TARGET_P95_MS, TARGET_BUILD_S = 30.0, 60.0


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (nearest rank) of values."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))]


def timed_rounds(search, queries, rounds: int, repeat: int) -> dict[str, list[dict]]:
    """For every round, the latencies (ms) per query kind; queries run in the same order each
    round, each `repeat` times in a row (warm caches, as a busy site has)."""
    per_round = []
    for _ in range(rounds):
        latencies: dict[str, list[float]] = {}
        for kind, variant, query in queries:
            for _ in range(repeat):
                started = time.perf_counter()
                search(query)
                elapsed = (time.perf_counter() - started) * 1000
                for label in (kind, f"{kind} / {variant}", f"variant {variant}", "overall"):
                    latencies.setdefault(label, []).append(elapsed)
        per_round.append(latencies)
    return per_round


def summarise(per_round) -> dict[str, dict]:
    """label → {p50, p95, n}: medians over the rounds of each round's percentiles."""
    summary = {}
    for label in per_round[0]:
        p50 = statistics.median(percentile(r[label], 50) for r in per_round)
        p95 = statistics.median(percentile(r[label], 95) for r in per_round)
        summary[label] = {
            "p50_ms": round(p50, 2),
            "p95_ms": round(p95, 2),
            "n": len(per_round[0][label]),
        }
    return summary


def run(
    n: int,
    rounds: int,
    repeat: int,
    folder: str,
    baseline_rounds: int | None = None,
    seed: int = 20261130,
    log=print,
) -> dict:
    """Generate, build, measure; returns the result dictionary (also what the JSON holds)."""
    started = time.perf_counter()
    docs = list(documents(n, seed=seed))
    generated_s = time.perf_counter() - started
    log(f"generated {n} listings in {generated_s:.1f} s")
    backend = EmbeddedBackend(os.path.join(folder, "search.sqlite3"))
    started = time.perf_counter()
    backend.rebuild(docs)
    build_s = time.perf_counter() - started
    live = os.path.realpath(backend.store.path)
    size = sum(os.path.getsize(live + s) for s in ("", "-wal") if os.path.exists(live + s))
    log(f"built the index in {build_s:.1f} s, {size / 1e6:.1f} MB")
    queries = mix.queries()
    for _, _, query in queries + mix.browsing():  # warm-up: vocabulary, page cache
        backend.search(query)
    engine = summarise(timed_rounds(backend.search, queries, rounds, repeat))
    browse = summarise(timed_rounds(backend.search, mix.browsing(), rounds, repeat))
    log("measured the embedded engine")
    like = LikeBaseline(os.path.join(folder, "baseline.sqlite3"))
    started = time.perf_counter()
    like.build(docs)
    like_build_s = time.perf_counter() - started
    baseline = summarise(timed_rounds(like.search, queries, baseline_rounds or min(rounds, 3), 1))
    log("measured the LIKE baseline")
    return {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "sqlite": sqlite3.sqlite_version,
            "load_average": os.getloadavg(),
        },
        "n": n,
        "rounds": rounds,
        "repeat": repeat,
        "seed": seed,
        "generate_s": round(generated_s, 1),
        "build_s": round(build_s, 2),
        "index_bytes": size,
        "documents": backend.count(),
        "baseline_build_s": round(like_build_s, 2),
        "baseline_bytes": like.size(),
        "embedded": engine,
        "browse": browse,
        "baseline": baseline,
        "targets": {
            "p95_ms": TARGET_P95_MS,
            "build_s": TARGET_BUILD_S,
            "p95_met": engine["overall"]["p95_ms"] <= TARGET_P95_MS,
            "build_met": build_s <= TARGET_BUILD_S,
        },
    }


def table(result: dict) -> str:
    """The result as a plain-text table."""
    machine = result["machine"]
    lines = [
        f"{result['n']:,} listings, {machine['cpus']} CPUs, load {machine['load_average'][0]:.2f};"
        f" build {result['build_s']} s, index {result['index_bytes'] / 1e6:.0f} MB;"
        f" {result['rounds']} rounds x {result['repeat']} repetitions (medians over rounds)",
        f"{'query kind':34} {'p50 ms':>8} {'p95 ms':>8}"
        f" {'LIKE p50':>9} {'LIKE p95':>9} {'x p50':>6}",
    ]
    kinds = list(mix.TEXTS) + ["overall"]
    for label in kinds:
        row, like = result["embedded"][label], result["baseline"][label]
        lines.append(
            f"{label:34} {row['p50_ms']:8.1f} {row['p95_ms']:8.1f} {like['p50_ms']:9.1f} "
            f"{like['p95_ms']:9.1f} {like['p50_ms'] / max(row['p50_ms'], 0.01):6.1f}"
        )
    for label, row in result["embedded"].items():
        if label.startswith("variant"):
            like = result["baseline"][label]
            lines.append(
                f"  {label:32} {row['p50_ms']:8.1f} {row['p95_ms']:8.1f} {like['p50_ms']:9.1f} "
                f"{like['p95_ms']:9.1f} {like['p50_ms'] / max(row['p50_ms'], 0.01):6.1f}"
            )
    for label, row in result["browse"].items():
        if " / " in label:
            lines.append(
                f"{label.split(' / ')[1] + ' (no text)':34}"
                f" {row['p50_ms']:8.1f} {row['p95_ms']:8.1f}"
            )
    targets = result["targets"]
    lines.append(
        f"targets: p95 <= {targets['p95_ms']} ms {'MET' if targets['p95_met'] else 'NOT MET'}; "
        f"build <= {targets['build_s']} s {'MET' if targets['build_met'] else 'NOT MET'}"
    )
    return "\n".join(lines)


def main(argv=None) -> dict:
    scale = scale_options(__doc__.splitlines()[0], argv)
    n, rounds, repeat = scale.n, scale.rounds, scale.repeat
    with tempfile.TemporaryDirectory(prefix="kera-bench-") as folder:
        result = run(n, rounds, repeat, folder, seed=scale.seed)
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"search-{n}-{datetime.now():%Y%m%d-%H%M%S}.json"
    out.write_text(json.dumps(result, indent=2))
    print(table(result))
    print(f"wrote {out}")
    return result


if __name__ == "__main__":
    main()
