"""The pickup list's order (queries/reservations.py pickups_by_day) with the frozen clock: the
site's pickups today by time, then later days by time, then earlier pickups not yet expired
and holds without a time; closed reservations and other sites' are left out."""

from datetime import timedelta

from marketplace import clock
from marketplace.queries.reservations import OTHER, TODAY, UPCOMING, pickups_by_day
from marketplace.services import reservations as svc

from ..conftest import NOON

DAY = timedelta(days=1)


def test_today_then_upcoming_then_the_rest(app, make):
    seller = make.builder()
    site = make.site(seller)
    listing = make.listing(seller, site_=site, quantity="100")
    taker = make.resident()

    def reserve(pickup_at=None):  # each by another resident (MAX_OPEN_RESERVATIONS is 5)
        return svc.reservation_create(
            user_id=make.resident().id, listing_id=listing.id, quantity="1", pickup_at=pickup_at
        ).id

    monday_1300 = reserve(NOON.replace(hour=11))  # NOON is Monday 12:00 in Helsinki
    tuesday_1400 = reserve(NOON.replace(hour=12) + DAY)
    tuesday_0900 = reserve(NOON.replace(hour=7) + DAY)
    wednesday_0800 = reserve(NOON.replace(hour=6) + 2 * DAY)
    thursday_0730 = reserve(NOON.replace(hour=5, minute=30) + 3 * DAY)
    no_time = reserve()
    cancelled = reserve(NOON.replace(hour=8) + DAY)
    svc.reservation_cancel(user_id=seller.id, reservation_id=cancelled)
    elsewhere = make.listing(seller, quantity="5")  # another site of the same builder
    svc.reservation_create(
        user_id=taker.id,
        listing_id=elsewhere.id,
        quantity="1",
        pickup_at=NOON.replace(hour=7) + DAY,
    )

    def ids(groups):
        return {name: [r.id for r in rows] for name, rows in groups.items()}

    assert ids(pickups_by_day(site, clock.today())) == {
        TODAY: [monday_1300],
        UPCOMING: [tuesday_0900, tuesday_1400, wednesday_0800, thursday_0730],
        OTHER: [no_time],
    }
    clock.set(NOON + DAY)  # Tuesday: Monday's pickup is late but not expired by the chore yet
    assert list(pickups_by_day(site, clock.today())) == [TODAY, UPCOMING, OTHER]
    assert ids(pickups_by_day(site, clock.today())) == {
        TODAY: [tuesday_0900, tuesday_1400],
        UPCOMING: [wednesday_0800, thursday_0730],
        OTHER: [monday_1300, no_time],  # the late one first
    }


def test_a_site_without_open_reservations_has_three_empty_groups(app, make):
    seller = make.builder()
    assert pickups_by_day(make.site(seller), clock.today()) == {TODAY: [], UPCOMING: [], OTHER: []}
