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
    python -m benchmarks.search --n 1000000 --builds-only  # the build's linearity alone
"""

import argparse
import itertools
import json
import os
import platform
import resource
import shutil
import sqlite3
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from marketplace.search.embedded.backend import EmbeddedBackend
from marketplace.search.embedded.cache import CountCache
from marketplace.search.embedded.joins import query_words as derive_words
from marketplace.search.embedded.sql import words_bucket
from marketplace.search.embedded.terms import parse_query

from . import mix
from .baseline import LikeBaseline
from .generate import documents
from .options import scale_options

RESULTS = Path(__file__).resolve().parent / "results"
TARGET_P95_MS, TARGET_BUILD_S = 30.0, 60.0  # at 100,000 listings
TARGET_P95_1M_MS = 40.0  # beyond 100,000 listings (issue 16: at 1,000,000)
TARGET_RSS_MB = 1024.0  # the build's peak memory, at any size
TARGET_BUILD_RATIO = 10.0  # a build of n listings against one of n / 10: linear or better
TARGET_APP_OVER_BARE = 2.0  # the engine's p50 against bare FTS5's for the same words
BASELINE_UP_TO = 200_000  # the LIKE baseline takes seconds per query beyond this


class TimedSource:
    """An iterator over generated documents that adds up the time spent generating them, so
    that the build's own time is the wall time less this."""

    def __init__(self, iterable):
        self._it, self.seconds, self.count = iter(iterable), 0.0, 0

    def __iter__(self):
        return self

    def __next__(self):
        started = time.perf_counter()
        try:
            return next(self._it)
        finally:
            self.seconds += time.perf_counter() - started
            self.count += 1


def peak_rss_mb() -> float:
    """The process's peak resident memory so far, in MB (Linux reports kB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (nearest rank) of values."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))]


def timed_rounds(search, queries, rounds: int, repeat: int, between=None) -> dict[str, list[dict]]:
    """For every round, the latencies (ms) per query kind; queries run in the same order each
    round, each `repeat` times in a row (warm caches, as a busy site has). "cpu" is the
    process's CPU time per search: on a shared machine it moves less than the wall time.
    `between()`, if given, runs before every search, outside the timing."""
    per_round = []
    for _ in range(rounds):
        latencies: dict[str, list[float]] = {}
        for kind, variant, query in queries:
            for _ in range(repeat):
                if between:
                    between()
                started, cpu = time.perf_counter(), time.process_time()
                search(query)
                elapsed = (time.perf_counter() - started) * 1000
                latencies.setdefault("cpu", []).append((time.process_time() - cpu) * 1000)
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


def build_pair(n: int, folder: str, seed: int, log=print):
    """Build an index of n // 10 generated listings (then removed) and one of n, back to back:
    (backend of n, seconds of each build without generating, peak memory MB, generating s)."""
    os.makedirs(os.path.join(folder, "small"), exist_ok=True)
    small = EmbeddedBackend(os.path.join(folder, "small", "search.sqlite3"))
    source = TimedSource(documents(max(1, n // 10), seed=seed))
    started = time.perf_counter()
    small.rebuild(source)
    small_build_s = time.perf_counter() - started - source.seconds
    shutil.rmtree(os.path.dirname(small.store.path))
    log(f"built an index of {n // 10} listings in {small_build_s:.1f} s")
    backend = EmbeddedBackend(os.path.join(folder, "search.sqlite3"))
    source = TimedSource(documents(n, seed=seed))
    started = time.perf_counter()
    backend.rebuild(source)
    build_s = time.perf_counter() - started - source.seconds
    return backend, small_build_s, build_s, peak_rss_mb(), source.seconds


def run(
    n: int,
    rounds: int,
    repeat: int,
    folder: str,
    baseline_rounds: int | None = None,
    seed: int = 20261130,
    log=print,
) -> dict:
    """Generate, build, measure; returns the result dictionary (also what the JSON holds).
    The documents are generated while the index is built (streamed, as a reindex reads the
    database), so the build's peak memory is the process's peak right after it."""
    backend, small_build_s, build_s, build_rss_mb, generated_s = build_pair(n, folder, seed, log)
    indexed = backend.count()  # before the writes below add new listings
    live = os.path.realpath(backend.store.path)
    size = sum(os.path.getsize(live + s) for s in ("", "-wal") if os.path.exists(live + s))
    log(
        f"generated {n} listings in {generated_s:.1f} s while building the index in"
        f" {build_s:.1f} s, {size / 1e6:.1f} MB; peak memory {build_rss_mb:.0f} MB"
    )
    queries = mix.queries()
    for _, _, query in queries + mix.browsing():  # warm-up: vocabulary, page cache
        backend.search(query)
    backend.geo_paths.clear()
    engine = summarise(timed_rounds(backend.search, queries, rounds, repeat))
    geo_paths = dict(backend.geo_paths)
    sample = list(itertools.islice(documents(n, seed=seed), 200))  # created at random times
    writes = reservation_writes(backend, sample)
    reserving = summarise(timed_rounds(backend.search, queries, rounds, repeat, between=writes))
    after_write = {
        kind: summarise(
            timed_rounds(
                backend.search,
                queries,
                rounds,
                repeat,
                between=listing_writes(backend, sample, kind),
            )
        )
        for kind in ("new", "edit")
    }
    kept, backend.counts = backend.counts, CountCache(size=0)  # every count computed
    cold = summarise(timed_rounds(backend.search, queries, rounds, repeat))
    backend.counts = kept
    browse = summarise(timed_rounds(backend.search, mix.browsing(), rounds, repeat))
    bare = bare_fts(backend)
    bare_summary = summarise(timed_rounds(bare, queries, rounds, repeat))
    log("measured the embedded engine and bare FTS5")
    baseline, like_build_s, like_bytes = {}, None, None
    if baseline_rounds != 0 and n <= BASELINE_UP_TO:
        like = LikeBaseline(os.path.join(folder, "baseline.sqlite3"))
        started = time.perf_counter()
        like.build(documents(n, seed=seed))
        like_build_s, like_bytes = round(time.perf_counter() - started, 2), like.size()
        rounds_like = baseline_rounds or min(rounds, 3)
        baseline = summarise(timed_rounds(like.search, queries, rounds_like, 1))
        log("measured the LIKE baseline")
    bare_p50 = max(bare_summary["overall"]["p50_ms"], 0.01)
    app_over_bare = engine["overall"]["p50_ms"] / bare_p50
    uncached_over_bare = cold["overall"]["p50_ms"] / bare_p50
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
        "build_peak_rss_mb": round(build_rss_mb),
        "index_bytes": size,
        "documents": indexed,
        "baseline_build_s": like_build_s,
        "baseline_bytes": like_bytes,
        "embedded": engine,
        "embedded_uncached": cold,
        "embedded_reserving": reserving,
        "embedded_after_new": after_write["new"],
        "embedded_after_edit": after_write["edit"],
        "browse": browse,
        "bare_fts": bare_summary,
        "app_over_bare_p50": round(app_over_bare, 2),
        "uncached_over_bare_p50": round(uncached_over_bare, 2),
        "geo_paths": geo_paths,
        "baseline": baseline,
        "small_build_s": round(small_build_s, 2),
        "targets": targets(
            n, build_s, small_build_s, build_rss_mb, engine, app_over_bare, geo_paths
        ),
        "targets_reserving": {
            name: t
            for name, t in targets(n, build_s, None, build_rss_mb, reserving, app_over_bare).items()
            if name == "p95_ms"
        },
        **{
            f"targets_after_{kind}": {
                "p95_ms": targets(n, build_s, None, build_rss_mb, found, app_over_bare)["p95_ms"]
            }
            for kind, found in after_write.items()
        },
        "targets_uncached": {
            name: t
            for name, t in targets(n, build_s, None, build_rss_mb, cold, uncached_over_bare).items()
            if name in ("p95_ms", "app_over_bare_p50")
        },
    }


def reservation_writes(backend: EmbeddedBackend, indexed: list[dict]):
    """What the worker writes for a stream of reservations: one indexed listing at a time
    upserted with a smaller quantity and nothing else changed (a reservation that leaves the
    lot findable). Returns the function that writes the next one."""
    turn = itertools.count()

    def write():
        i = next(turn)
        doc = indexed[i % len(indexed)]
        backend.upsert([{**doc, "quantity_available": doc["quantity_available"] - 1 - i}])

    return write


def listing_writes(backend: EmbeddedBackend, indexed: list[dict], kind: str):
    """What the worker writes when a listing is published (kind "new": a new id created now,
    which lands in the newest segment of kept counts) or edited ("edit": one of `indexed`, created
    at any time, gets a new title, which its own segment sees). Either makes the next search
    count again what the write changed. Returns the function that writes the next one."""
    turn = itertools.count()
    conn = backend.store.connection()[0]
    first_id = conn.execute("SELECT coalesce(max(id), 0) + 1 FROM docs").fetchone()[0]

    def write():
        i = next(turn)
        doc = indexed[i % len(indexed)]
        if kind == "new":
            fresh = {**doc, "id": first_id + i, "created_ts": int(time.time()) + i}
            backend.upsert([{**fresh, "title": f"{doc['title']} {i}"}])
        else:
            backend.upsert([{**doc, "title": f"{doc['title']} {i}"}])

    return write


def bare_fts(backend: EmbeddedBackend):
    """The yardstick for the engine's own work: FTS5 alone finding the same matches. For each
    query text, the engine's FTS5 expressions for its words (typos, prefix, synonyms, compound
    parts: derived once, outside the timing), then one MATCH counting the set whose total the
    engine reports (the first word's bucket) and one reading the newest 20 of all the words; no
    filters, facets, ranking, highlights or positions."""
    expressions = {}

    def search(query):
        conn, generation = backend.store.connection()
        if query.text not in expressions:
            parsed = parse_query(query.text)
            with backend.lexicon.lock:
                backend.lexicon.refresh(conn, generation)
                found = derive_words(backend.lexicon, conn, parsed)
            order = parsed.removal_order()
            expressions[query.text] = (
                words_bucket(found, order[-1]),
                words_bucket(found, order[0]),
            )
        counted, paged = expressions[query.text]
        total = conn.execute("SELECT count(*) FROM fts WHERE fts MATCH ?", (counted,)).fetchone()
        page = conn.execute(
            "SELECT rowid FROM fts WHERE fts MATCH ? ORDER BY rowid DESC LIMIT 20", (paged,)
        ).fetchall()
        return total[0], page

    return search


def targets(
    n: int,
    build_s: float,
    small_build_s: float | None,
    rss_mb: float,
    engine,
    ratio,
    geo_paths: dict | None = None,
):
    """Each target with the figure measured and whether it is met (None: not measured)."""
    p95_target = TARGET_P95_MS if n <= 100_000 else TARGET_P95_1M_MS
    found = {
        "p95_ms": (engine["overall"]["p95_ms"], p95_target),
        "build_peak_rss_mb": (round(rss_mb), TARGET_RSS_MB),
        "app_over_bare_p50": (round(ratio, 2), TARGET_APP_OVER_BARE),
    }
    if n <= 100_000:
        found["build_s"] = (round(build_s, 2), TARGET_BUILD_S)
    if geo_paths is not None:  # every text search with a radius reads its page by places
        found["geo_generic"] = (geo_paths.get("generic", 0), 0)
    if small_build_s:
        found["build_ratio_10x"] = (round(build_s / small_build_s, 2), TARGET_BUILD_RATIO)
    return {name: {"value": v, "target": t, "met": v <= t} for name, (v, t) in found.items()}


def table(result: dict) -> str:
    """The result as a plain-text table."""
    machine, like = result["machine"], result["baseline"]
    lines = [
        f"{result['n']:,} listings, {machine['cpus']} CPUs, load {machine['load_average'][0]:.2f};"
        f" build {result['build_s']} s (peak memory {result['build_peak_rss_mb']} MB),"
        f" index {result['index_bytes'] / 1e6:.0f} MB;"
        f" {result['rounds']} rounds x {result['repeat']} repetitions (medians over rounds)",
        f"{'query kind':34} {'p50 ms':>8} {'p95 ms':>8} {'bare p50':>9}"
        + (f" {'LIKE p50':>9} {'LIKE p95':>9} {'x p50':>6}" if like else ""),
    ]
    labels = list(mix.TEXTS) + ["overall"]
    labels += [label for label in result["embedded"] if label.startswith("variant")]
    for label in labels:
        row, bare = result["embedded"][label], result["bare_fts"][label]
        name = f"  {label}" if label.startswith("variant") else label
        line = f"{name:34} {row['p50_ms']:8.1f} {row['p95_ms']:8.1f} {bare['p50_ms']:9.1f}"
        if like:
            base = like[label]
            line += (
                f" {base['p50_ms']:9.1f} {base['p95_ms']:9.1f}"
                f" {base['p50_ms'] / max(row['p50_ms'], 0.01):6.1f}"
            )
        lines.append(line)
    cpu, cold = result["embedded"]["cpu"], result["embedded_uncached"]
    lines.append(f"{'CPU time per search':34} {cpu['p50_ms']:8.1f} {cpu['p95_ms']:8.1f}")
    for key, label in (
        ("embedded_reserving", "with a reservation written before each"),
        ("embedded_after_new", "with a new listing written before each"),
        ("embedded_after_edit", "with an edit written before each"),
    ):
        row = result[key]["overall"]
        lines.append(f"{label:34} {row['p50_ms']:8.1f} {row['p95_ms']:8.1f}")
    lines.append("every count computed (no kept counts), as the first search after a write:")
    for label in ("overall", "variant plain", "variant filters", "variant geo", "cpu"):
        row = cold[label]
        lines.append(f"  {label:32} {row['p50_ms']:8.1f} {row['p95_ms']:8.1f}")
    for label, row in result["browse"].items():
        if " / " in label:
            lines.append(
                f"{label.split(' / ')[1] + ' (no text)':34}"
                f" {row['p50_ms']:8.1f} {row['p95_ms']:8.1f}"
            )
    paths = ", ".join(f"{n} {label}" for label, n in sorted(result["geo_paths"].items()))
    lines.append(f"text searches with a radius, by path: {paths}")
    for label, key in (
        ("", "targets"),
        (" (a reservation written before each)", "targets_reserving"),
        (" (a new listing written before each)", "targets_after_new"),
        (" (an edit written before each)", "targets_after_edit"),
        (" (no kept counts)", "targets_uncached"),
    ):
        for name, t in result[key].items():
            verdict = "MET" if t["met"] else "NOT MET"
            lines.append(f"target {name}{label}: {t['value']} <= {t['target']} {verdict}")
    return "\n".join(lines)


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
    parser.add_argument("--keep", help="build the index in this folder and keep it")
    parser.add_argument("--no-baseline", action="store_true", help="skip the LIKE baseline")
    parser.add_argument("--builds-only", action="store_true", help="the two builds, no search")
    own, rest = parser.parse_known_args(argv)
    scale = scale_options(__doc__.splitlines()[0], rest)
    n, rounds, repeat = scale.n, scale.rounds, scale.repeat
    if own.builds_only:
        with tempfile.TemporaryDirectory(prefix="kera-bench-") as folder:
            _, small_s, build_s, rss, _ = build_pair(n, folder, scale.seed)
        ratio, met = build_s / small_s, build_s / small_s <= TARGET_BUILD_RATIO
        print(
            f"build of {n}: {build_s:.1f} s, of {n // 10}: {small_s:.1f} s, ratio {ratio:.2f}"
            f" (target <= {TARGET_BUILD_RATIO:g}: {'met' if met else 'NOT met'}), peak memory"
            f" {rss:.0f} MB (target <= {TARGET_RSS_MB:g}), load {os.getloadavg()[0]:.2f}"
        )
        return {"build_s": build_s, "small_build_s": small_s, "ratio": ratio, "rss_mb": rss}
    baseline_rounds = 0 if own.no_baseline else None
    if own.keep:
        os.makedirs(own.keep, exist_ok=True)
        result = run(n, rounds, repeat, own.keep, baseline_rounds, seed=scale.seed)
    else:
        with tempfile.TemporaryDirectory(prefix="kera-bench-") as folder:
            result = run(n, rounds, repeat, folder, baseline_rounds, seed=scale.seed)
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"search-{n}-{datetime.now():%Y%m%d-%H%M%S}.json"
    out.write_text(json.dumps(result, indent=2))
    print(table(result))
    print(f"wrote {out}")
    return result


if __name__ == "__main__":
    main()
