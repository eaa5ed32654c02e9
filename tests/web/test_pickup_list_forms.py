"""The pickup list carries the inline hand-over form only for today's pickups (issue 16 point 5:
at a busy site the per-reservation forms were most of the page's time); a later or undated
reservation links to the hand-over on its reservation page, and the code field opens any."""

from datetime import timedelta

from marketplace.services import reservations as svc

from ..conftest import NOON
from ..helpers import english_client, sign_in

TODAY_1300 = NOON.replace(hour=11)  # 13:00 in Helsinki
TOMORROW_0900 = NOON.replace(hour=7) + timedelta(days=1)


def test_only_todays_pickups_carry_the_hand_over_form(app, make):
    seller = make.builder()
    site = make.site(seller)
    bricks = make.listing(seller, site_=site, title="Punatiili MRT75", quantity="100")
    tiles = make.listing(seller, site_=site, title="Kattotiili", quantity="50")
    doors = make.listing(seller, site_=site, title="Puuovi 9x21", quantity="4")
    taker = make.resident()
    today = svc.reservation_create(
        user_id=taker.id, listing_id=bricks.id, quantity="30", pickup_at=TODAY_1300
    )
    later = svc.reservation_create(
        user_id=taker.id, listing_id=tiles.id, quantity="5", pickup_at=TOMORROW_0900
    )
    undated = svc.reservation_create(user_id=taker.id, listing_id=doors.id, quantity="1")
    client = english_client(app)
    sign_in(client, seller)

    text = client.get(f"/pickups?site_id={site.id}").text
    assert text.count('class="collect-form"') == 1
    assert f'action="/reservations/{today.id}/collect"' in text and f'id="code-{today.id}"' in text
    for other in (later, undated):
        assert f"/reservations/{other.id}/collect" not in text
        assert f'href="/reservations/{other.id}#handover-heading">Hand over</a>' in text
    assert f"/reservations/{today.id}#handover-heading" not in text

    page = client.get(f"/reservations/{later.id}").text  # where the link leads
    assert 'id="handover-heading"' in page
    assert f'action="/reservations/{later.id}/collect"' in page
