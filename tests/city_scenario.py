"""A known handover ledger, built through the real services, whose figures are worked out by hand
below. Used by the city report, staff page and open-data tests.

Timeline (Helsinki time; active factor set "ice-3.0" from the catalogue):

  2026-10-05  h1  org A, site A1, brick, 100 pcs × 3.000 kg (catalogue)     300.000 kg estimated
                  CO2e 300 × 0.213 = 63.900
  2026-10-12  h2  org B, site B1, steel-section, 120.5 kg reserved, weighed  118.250 kg measured
                  CO2e 118.25 × 1.55 = 183.2875 → 183.288 (half-even to the gram)
  2026-11-03  h3  org B, site B1, plastic (no factor), 80 kg                  80.000 kg declared
                  CO2e 0.000
  2026-11-05  h4  org A, site A2, timber, 1.5 m3 × 450 kg (seller's figure)  675.000 kg declared
                  CO2e 675 × 0.263 = 177.525
  2026-11-10  h5  org A, site A1, brick, 50 pcs × 3.000 kg (catalogue)       150.000 kg estimated
                  CO2e 150 × 0.213 = 31.950
  2026-11-20  h6  reversal of h1                                            −300.000 kg estimated
                  CO2e −63.900
              h7  correction of h1: weighed 287.4 kg                         287.400 kg measured
                  CO2e 287.4 × 0.213 = 61.2162 → 61.216
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal as D

from marketplace import clock
from marketplace.services import impact as impact_services
from marketplace.services import reservations as svc

from . import factories

# Net totals: 300 + 118.25 + 80 + 675 + 150 − 300 + 287.4 = 1310.650 kg
TOTAL_KG = D("1310.650")
# 63.900 + 183.288 + 0 + 177.525 + 31.950 − 63.900 + 61.216 = 453.979 kg CO2e
TOTAL_CO2E = D("453.979")
HANDOVERS = 5  # h1..h5; a reversal and its correction add none

BY_CATEGORY = {  # key: (kg, kg CO2e, handovers)
    "brick": (
        D("437.400"),
        D("93.166"),
        2,
    ),  # 300 + 150 − 300 + 287.4; 63.9 + 31.95 − 63.9 + 61.216
    "steel-section": (D("118.250"), D("183.288"), 1),
    "plastic": (D("80.000"), D("0.000"), 1),
    "timber": (D("675.000"), D("177.525"), 1),
}
BY_EWC = {
    "17 01 02": (D("437.400"), D("93.166"), 2),
    "17 04 05": (D("118.250"), D("183.288"), 1),
    "17 02 03": (D("80.000"), D("0.000"), 1),
    "17 02 01": (D("675.000"), D("177.525"), 1),
}
BY_MONTH = {
    "2026-10": (D("418.250"), D("247.188"), 2),  # 300 + 118.25; 63.9 + 183.288
    "2026-11": (
        D("892.400"),
        D("206.791"),
        3,
    ),  # 80 + 675 + 150 − 300 + 287.4; 0 + 177.525 + 31.95 − 63.9 + 61.216
}
# By site and organisation the keys are ids, filled in by build(): A1, A2, B1 and A, B.
BY_SITE = {
    "A1": (D("437.400"), D("93.166"), 2),
    "A2": (D("675.000"), D("177.525"), 1),
    "B1": (D("198.250"), D("183.288"), 2),  # 118.25 + 80; 183.288 + 0
}
BY_ORGANIZATION = {
    "A": (D("1112.400"), D("270.691"), 3),  # 437.4 + 675; 93.166 + 177.525
    "B": (D("198.250"), D("183.288"), 2),
}
# Net kg per source: measured 118.25 + 287.4; declared 80 + 675; estimated 300 + 150 − 300.
MASS_SOURCES = {
    "measured": D("405.650"),
    "declared": D("755.000"),
    "estimated": D("150.000"),
}
# Open data, month × category (the correction's rows fall in November, where they were recorded):
OPEN_DATA = {  # (month, category): (handovers, kg, measured, declared, estimated, CO2e)
    ("2026-10", "brick"): (1, D("300.000"), D("0.000"), D("0.000"), D("300.000"), D("63.900")),
    ("2026-10", "steel-section"): (
        1,
        D("118.250"),
        D("118.250"),
        D("0.000"),
        D("0.000"),
        D("183.288"),
    ),
    # −300 + 287.4 + 150 = 137.4; measured 287.4; estimated −300 + 150 = −150;
    # CO2e −63.9 + 61.216 + 31.95 = 29.266
    ("2026-11", "brick"): (1, D("137.400"), D("287.400"), D("0.000"), D("-150.000"), D("29.266")),
    ("2026-11", "plastic"): (1, D("80.000"), D("0.000"), D("80.000"), D("0.000"), D("0.000")),
    ("2026-11", "timber"): (1, D("675.000"), D("0.000"), D("675.000"), D("0.000"), D("177.525")),
}


def at(day: str, hour: int = 10) -> datetime:
    """A UTC instant on a 2026 date (10:00 UTC is 12:00 or 13:00 in Helsinki)."""
    return datetime.fromisoformat(f"{day}T{hour:02d}:00:00").replace(tzinfo=UTC)


@dataclass
class Ledger:
    builder_a: object
    builder_b: object
    residents: list
    city: object
    sites: dict  # "A1", "A2", "B1" -> site
    orgs: dict  # "A", "B" -> organization id
    reservations: list
    handovers: list  # h1..h5 and the correction h7 (the reversal h6 is found in the ledger)

    def by_site(self) -> dict:
        return {str(self.sites[k].id): v for k, v in BY_SITE.items()}

    def by_organization(self) -> dict:
        return {str(self.orgs[k]): v for k, v in BY_ORGANIZATION.items()}


def collect(seller, taker, listing, quantity, weighed_kg=None):
    """Reserve and hand over at the clock's current time; returns (reservation, handover)."""
    reservation = svc.reservation_create(user_id=taker.id, listing_id=listing.id, quantity=quantity)
    return svc.reservation_collect(
        user_id=seller.id, reservation_id=reservation.id, weighed_kg=weighed_kg
    )


def build() -> Ledger:
    """The ledger of the module docstring; the clock is put back to the suite's Monday noon."""
    start = clock.now()
    clock.set(at("2026-10-01"))
    builder_a = factories.builder(display_name="Aapo Rakentaja", email="aapo.rakentaja@example.com")
    builder_b = factories.builder(display_name="Bea Byggare", email="bea.byggare@example.com")
    residents = [
        factories.resident(display_name="Riikka Asukas", email="riikka.asukas@example.com"),
        factories.resident(display_name="Rasmus Invånare", email="rasmus.invanare@example.com"),
    ]
    city = factories.city(display_name="Kaisa Kaupunki", email="kaisa.kaupunki@example.com")
    sites = {
        "A1": factories.site(builder_a, name="Kera A1"),
        "A2": factories.site(builder_a, name="Kera A2"),
        "B1": factories.site(builder_b, name="Kera B1"),
    }
    window = {"available_until": clock.today() + timedelta(days=90)}
    bricks = factories.listing(
        builder_a, site_=sites["A1"], category="brick", quantity="200", unit="pcs", **window
    )
    steel = factories.listing(
        builder_b,
        site_=sites["B1"],
        title="HEA 200 steel beams",
        category="steel-section",
        quantity="500",
        unit="kg",
        **window,
    )
    plastic = factories.listing(
        builder_b,
        site_=sites["B1"],
        title="PVC pipes",
        category="plastic",
        quantity="80",
        unit="kg",
        **window,
    )
    timber = factories.listing(
        builder_a,
        site_=sites["A2"],
        title="Sawn timber 50x100",
        category="timber",
        quantity="2",
        unit="m3",
        kg_per_unit="450",
        **window,
    )
    made = []
    clock.set(at("2026-10-05"))
    made.append(collect(builder_a, residents[0], bricks, "100"))
    clock.set(at("2026-10-12"))
    made.append(collect(builder_b, residents[1], steel, "120.5", weighed_kg="118.25"))
    clock.set(at("2026-11-03"))
    made.append(collect(builder_b, residents[0], plastic, "80"))
    clock.set(at("2026-11-05"))
    made.append(collect(builder_a, residents[1], timber, "1.5"))
    clock.set(at("2026-11-10"))
    made.append(collect(builder_a, residents[1], bricks, "50"))
    clock.set(at("2026-11-20"))
    correction = impact_services.handover_correct(
        user_id=builder_a.id,
        handover_id=made[0][1].id,
        mass_kg="287.4",
        weighed=True,
        reason="Weighed at the gate afterwards",
    )
    clock.set(start)
    handovers = [h for _r, h in made]
    return Ledger(
        builder_a,
        builder_b,
        residents,
        city,
        sites,
        {"A": builder_a.organization_id, "B": builder_b.organization_id},
        [r for r, _h in made],
        handovers + [correction],
    )


def personal_strings(ledger: Ledger) -> list[str]:
    """What must never appear in public output: e-mails, names and pickup codes of the people."""
    people = [ledger.builder_a, ledger.builder_b, ledger.city, *ledger.residents]
    return (
        [p.email for p in people]
        + [p.display_name for p in people]
        + [r.code for r in ledger.reservations]
    )
