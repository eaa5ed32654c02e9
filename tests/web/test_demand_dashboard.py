"""The city's view of demand: open wanted posts by material and month beside supply, what
nobody offers, and the share of wanted posts fulfilled (queries/demand.py, the dashboard)."""

import re
from datetime import timedelta

from marketplace import clock
from marketplace.extensions import db
from marketplace.models import Category, WantedPost, WantedStatus
from marketplace.queries import demand
from marketplace.services import wanted as wanted_services
from tests import factories
from tests.helpers import english_client, sign_in


def _want(owner, **values):
    return wanted_services.wanted_create(
        user_id=owner.id, title=values.pop("title", "Need"), **values
    )


def test_demand_by_material_and_month_beside_supply(app):
    resident = factories.resident()
    in_a_week = clock.today() + timedelta(days=7)
    bricks = _want(resident, category="brick", quantity="2", unit="t", needed_by=in_a_week)
    _want(resident, category="brick", quantity="100", unit="pcs", needed_by=in_a_week)
    _want(resident, category="door", quantity="20", unit="pcs", needed_by=in_a_week)
    _want(resident, quantity="3", unit="m", needed_by=in_a_week, title="Jotain kivaa")
    done = _want(resident, category="door", quantity="1", unit="pcs", needed_by=in_a_week)
    wanted_services.wanted_close(user_id=resident.id, wanted_id=done.id)
    factories.listing(factories.builder())  # 40 pcs of brick, available all month
    result = demand.open_demand("en")
    month = in_a_week.strftime("%Y-%m")
    rows = {(r.category, r.month): r for r in result.rows}
    brick = rows[("brick", month)]
    assert brick.posts == 2 and brick.listings == 1
    typical = db.session.get(Category, "brick").typical_kg("pcs")
    assert brick.demand_kg == 2000 + 100 * typical and brick.supply_kg == 40 * typical
    door = rows[("door", month)]
    assert door.posts == 1 and door.listings == 0 and door.unmet and door.name == "Doors"
    other = rows[("", month)]
    assert other.posts == 1 and other.demand_kg == 0  # "3 m" of anything: mass unknown
    assert {r.category for r in result.unmet} == {"door", ""}
    assert (result.total_posts, result.fulfilled_posts, result.fulfilled_share) == (5, 0, 0)
    db.session.get(WantedPost, bricks.id).status = WantedStatus.FULFILLED  # as a reserve does
    db.session.commit()
    result = demand.open_demand("en")
    assert (result.fulfilled_posts, result.fulfilled_share) == (1, 0.2)
    assert rows[("brick", month)].posts == 2 and [
        r.posts for r in result.rows if r.category == "brick"
    ] == [1]


def test_the_dashboard_shows_demand_and_the_share_fulfilled(app):
    staff = factories.city()
    resident = factories.resident()
    _want(
        resident,
        category="door",
        quantity="20",
        unit="pcs",
        needed_by=clock.today() + timedelta(days=3),
    )
    client = english_client(app)
    sign_in(client, staff)
    page = client.get("/staff/")
    assert page.status_code == 200
    assert "Open demand beside supply" in page.text and "nobody offers" in page.text
    assert re.search(r'data-figure="wanted_fulfilled" data-value="0.0"', page.text)
    assert "of wanted posts fulfilled (0 of 1)" in page.text
