"""The data the fuzzer works against: demo-like objects made through the real services, so
that the ids schemathesis generates for paths sometimes hit a listing, site or reservation."""

import collections
from datetime import timedelta

from marketplace import catalog_loader, clock, outbox
from marketplace.extensions import db
from marketplace.services import accounts
from marketplace.services import reservations as reservation_services

from .. import factories

ROLES = ("anonymous", "resident", "builder", "city")
SENT: collections.Counter = collections.Counter()  # (operation, status) -> requests sent


def summary() -> str:
    """One line: how many requests the fuzzer sent, to how many operations, by status."""
    statuses = collections.Counter()
    for (_operation, status), n in SENT.items():
        statuses[status] += n
    return (
        f"fuzz: {sum(SENT.values())} requests to {len({k[0] for k in SENT})} operations; "
        f"by status: {dict(sorted(statuses.items()))}"
    )


def populate(app, now) -> dict[str, dict[str, str]]:
    """Create the schema and a small market; the Authorization header of each role."""
    clock.set(now)
    try:
        with app.app_context():
            db.create_all()
            catalog_loader.sync()
            users = _market()
            outbox.run_once()  # the search index learns of the listings
            headers = {"anonymous": {}}
            for role, user in users.items():
                _token, raw = accounts.token_create(user_id=user.id, name="fuzz")
                headers[role] = {"Authorization": f"Bearer {raw}"}
            db.session.remove()
        return headers
    finally:
        clock.set(None)


def _market() -> dict:
    builder, other = factories.builder(), factories.builder()
    resident, city = factories.resident(), factories.city()
    newcomer = factories.unverified_builder()  # a web sign-up: its listing waits for review
    factories.listing(newcomer, title="Tiilet odottavat tarkastusta")
    site = factories.site(builder)
    factories.site(other)
    today = clock.today()
    brick = factories.listing(builder, site_=site, quantity="40", unit="pcs")
    timber = factories.listing(
        builder,
        site_=site,
        title="Mitallistettu sahatavara 48x98",
        category="timber",
        quantity="1.5",
        unit="m3",
        price_cents=150,
    )
    factories.listing(
        other,
        title="Ovi, laakaovi 9x21",
        category="door",
        quantity="3",
        unit="pcs",
        available_from=today + timedelta(days=3),
    )
    pickup = clock.now().replace(hour=7, minute=0, second=0, microsecond=0) + timedelta(days=1)
    open_one = reservation_services.reservation_create(
        user_id=resident.id, listing_id=brick.id, quantity="5", pickup_at=pickup
    )
    collected = reservation_services.reservation_create(
        user_id=resident.id, listing_id=timber.id, quantity="0.5"
    )
    reservation_services.reservation_collect(
        user_id=builder.id, reservation_id=collected.id, weighed_kg="210"
    )
    assert open_one.id and collected.id
    return {"resident": resident, "builder": builder, "city": city}
