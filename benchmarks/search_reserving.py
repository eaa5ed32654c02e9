"""Search over an existing embedded index while reservations stream in (issue 16, point 4).

    python -m benchmarks.search_reserving PATH [--rounds 3] [--repeat 3]

PATH is a live index, e.g. the one `flask search reindex` built from the 1,000,000 listings of
`python -m benchmarks.reindex` (SEARCH_DB_PATH). The search benchmark's query mix (`mix.py`) is
run five ways, with medians over rounds: with the kept counts warm; with a reservation's index
write before every search (a listing upserted with a smaller quantity, outside the timing: what
the worker writes for a reservation that leaves the lot findable); with a new listing, and with
an edit of a listing created at any time, written before every search (each makes the next
search count its segment again); and with every count computed, which is what each search
after a write cost while every write emptied all the kept counts. The index is written to
(quantities and titles of 200 documents, new listings): use a copy you can spare.
"""

import argparse
import json
import os

from marketplace.search.embedded.backend import EmbeddedBackend
from marketplace.search.embedded.cache import CountCache

from . import mix
from .search import (
    TARGET_P95_1M_MS,
    listing_writes,
    reservation_writes,
    summarise,
    timed_rounds,
)


def indexed_documents(backend: EmbeddedBackend, n: int = 200) -> list[dict]:
    """The stored documents of the n newest listings of the index, as they were upserted."""
    conn = backend.store.connection()[0]
    rows = conn.execute("SELECT body FROM content ORDER BY key DESC LIMIT ?", (n,)).fetchall()
    return [json.loads(body) for (body,) in rows]


def scattered_documents(backend: EmbeddedBackend, n: int = 200) -> list[dict]:
    """The stored documents of n listings drawn at random from the whole index."""
    conn = backend.store.connection()[0]
    rows = conn.execute(
        "SELECT body FROM content WHERE key IN (SELECT key FROM docs ORDER BY random() LIMIT ?)",
        (n,),
    ).fetchall()
    return [json.loads(body) for (body,) in rows]


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    backend = EmbeddedBackend(args.path)
    queries = mix.queries()
    for _, _, query in queries:  # warm-up: vocabulary, page cache, kept counts
        backend.search(query)
    runs = {"kept counts": summarise(timed_rounds(backend.search, queries, args.rounds, 1))}
    writes = reservation_writes(backend, indexed_documents(backend))
    runs["a reservation before each search"] = summarise(
        timed_rounds(backend.search, queries, args.rounds, args.repeat, between=writes)
    )
    anywhere = scattered_documents(backend)
    for kind in ("new", "edit"):
        writes = listing_writes(backend, anywhere, kind)
        runs[f"a {'new listing' if kind == 'new' else 'listing edited'} before each search"] = (
            summarise(timed_rounds(backend.search, queries, args.rounds, args.repeat, writes))
        )
    backend.counts = CountCache(size=0)
    runs["every count computed"] = summarise(
        timed_rounds(backend.search, queries, args.rounds, args.repeat)
    )
    print(f"{backend.count():,} documents, load {os.getloadavg()[0]:.2f}")
    print(f"{'':44} {'p50 ms':>8} {'p95 ms':>8} {'CPU p95':>8}")
    for name, summary in runs.items():
        row, cpu = summary["overall"], summary["cpu"]
        verdict = "met" if row["p95_ms"] <= TARGET_P95_1M_MS else "NOT MET"
        print(
            f"{name:44} {row['p50_ms']:8.1f} {row['p95_ms']:8.1f} {cpu['p95_ms']:8.1f}"
            f"   target p95 <= {TARGET_P95_1M_MS:.0f}: {verdict}"
        )
    return runs


if __name__ == "__main__":
    main()
