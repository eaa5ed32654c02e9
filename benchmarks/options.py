"""The command-line options every scale benchmark shares: size, rounds, repeats and seed."""

import argparse
from dataclasses import dataclass


@dataclass(frozen=True)
class Scale:
    """How big and how often: listings, rounds of the mix, repeats per query, and the seed."""

    n: int
    rounds: int
    repeat: int
    seed: int


def scale_options(description: str, argv=None) -> Scale:
    """Parse --n/--quick/--rounds/--repeat/--seed (100,000 listings, or 10,000 with --quick)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--n", type=int, default=None, help="listings to generate (default 100000)")
    parser.add_argument("--quick", action="store_true", help="a 10,000-listing smoke run")
    parser.add_argument("--rounds", type=int, default=None)
    parser.add_argument("--repeat", type=int, default=None)
    parser.add_argument("--seed", type=int, default=20261130)
    args = parser.parse_args(argv)
    return Scale(
        n=args.n or (10_000 if args.quick else 100_000),
        rounds=args.rounds or (3 if args.quick else 5),
        repeat=args.repeat or (2 if args.quick else 3),
        seed=args.seed,
    )
