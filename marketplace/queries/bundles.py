"""Bundles across sellers: when no single lot covers what a wanted post still needs, up to five
sets of lots from one or more sites and organisations that add up to it, fewest sites first,
then the shortest greatest distance (the farthest pickup).

The search is bounded so it stays fast at any number of matches: the lots of a site are pooled
(a site is one trip), only the TOP_SITES sites with the most to give are combined, exhaustively
for up to MAX_EXHAUSTIVE_SITES sites (at most 793 combinations), and only minimal sets are kept
(no site could be left out); beyond that a greedy set (largest sites first) is the one proposal.
"""

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from itertools import combinations

from .matching_rules import Candidate, listing_quantity_for

MAX_BUNDLES = 5
TOP_SITES = 12
MAX_EXHAUSTIVE_SITES = 4
GREEDY_MAX_SITES = 8


@dataclass
class Bundle:
    """A set of lots: (candidate, quantity in the listing's unit) per item."""

    items: list[tuple[Candidate, Decimal]]
    total_quantity: Decimal  # in the wanted post's unit
    covers: bool

    @property
    def site_ids(self) -> list[int]:
        return sorted({c.site_id for c, _ in self.items})

    @property
    def organization_ids(self) -> list[int]:
        return sorted({c.organization_id for c, _ in self.items})

    @property
    def max_distance_km(self) -> float:
        return max((c.distance_km for c, _ in self.items), default=0.0)


@dataclass
class _Site:
    site_id: int
    lots: list[Candidate]
    total: float  # in the post's unit (a float: only for choosing; the items are exact)
    distance_km: float


def bundles_for(found: list[Candidate], needed: Decimal) -> list[Bundle]:
    """Up to MAX_BUNDLES bundles for `needed` (the post's unit); none when one lot covers it."""
    if needed <= 0 or not found or any(c.covers for c in found):
        return []
    sites = _sites(found)
    top = sites[:TOP_SITES]
    bundles: list[Bundle] = []
    for size in range(1, min(MAX_EXHAUSTIVE_SITES, len(top)) + 1):
        sets = [s for s in combinations(top, size) if _minimal(s, float(needed))]
        sets.sort(key=lambda s: (max(x.distance_km for x in s), -sum(x.total for x in s)))
        for chosen in sets[: MAX_BUNDLES - len(bundles)]:
            bundles.append(_build(chosen, needed))
        if len(bundles) >= MAX_BUNDLES:
            return bundles
    if not bundles:
        greedy, total = [], 0.0
        for site in sites[:GREEDY_MAX_SITES]:
            greedy.append(site)
            total += site.total
            if total >= float(needed):
                break
        bundles.append(_build(greedy, needed))
    return bundles


def _sites(found: list[Candidate]) -> list[_Site]:
    """Lots pooled per site, the largest first (then the nearest)."""
    by_site: dict[int, list[Candidate]] = defaultdict(list)
    for c in found:
        by_site[c.site_id].append(c)
    sites = []
    for site_id, lots in by_site.items():
        lots.sort(key=lambda c: (-c.in_wanted, c.listing_id))
        total = sum(c.in_wanted for c in lots)
        sites.append(_Site(site_id, lots, total, min(c.distance_km for c in lots)))
    sites.sort(key=lambda s: (-s.total, s.distance_km, s.site_id))
    return sites


def _minimal(chosen: tuple[_Site, ...], needed: float) -> bool:
    """Adds up to `needed`, and would not without any one of its sites (a millionth of slack
    for the floats; `_build` decides exactly whether the bundle covers)."""
    total = sum(s.total for s in chosen)
    return total >= needed - 1e-6 and total - min(s.total for s in chosen) < needed - 1e-6


def _build(chosen, needed: Decimal) -> Bundle:
    """Take what is needed from the chosen sites, largest lots first; pieces are whole."""
    items, remaining, total = [], needed, Decimal(0)
    for site in sorted(chosen, key=lambda s: (-s.total, s.distance_km)):
        for lot in site.lots:
            if remaining <= 0:
                break
            offers = lot.quantity_in_wanted_unit
            take = min(offers, remaining)
            quantity = listing_quantity_for(lot, take)
            if quantity <= 0:
                continue
            gives = min(offers, quantity * lot.wanted_per_unit)
            items.append((lot, quantity))
            remaining -= gives
            total += gives
    return Bundle(
        items=items, total_quantity=total.quantize(Decimal("0.001")), covers=remaining <= 0
    )
