"""Matching in time (queries/matching.py): each rule one by one, and the listing's direction."""

from datetime import timedelta
from decimal import Decimal

import pytest

from marketplace import clock
from marketplace.extensions import db
from marketplace.models import Listing, WantedPost
from marketplace.queries.matching import candidates, matches_for, wanted_for_listing
from tests import factories
from tests.helpers import deliver

KERA = (60.2161, 24.7539)


def post(owner, **values) -> WantedPost:
    """A wanted post as H-K1's model holds it, open, at Kera within 5 km by default."""
    fields = {
        "title": "Tiiliä pihamuuriin",
        "category_slug": "brick",
        "quantity": Decimal(100),
        "unit": "pcs",
        "needed_from": clock.today(),
        "needed_by": clock.today() + timedelta(days=60),
        "lat": KERA[0],
        "lng": KERA[1],
        "radius_km": Decimal(5),
    }
    fields.update(values)
    wanted = WantedPost(owner_id=owner.id, organization_id=owner.organization_id, **fields)
    db.session.add(wanted)
    db.session.commit()
    return wanted


def found(wanted) -> dict[int, object]:
    return {c.listing_id: c for c in candidates(wanted)}


@pytest.fixture
def seller():
    return factories.builder()


@pytest.fixture
def poster():
    return factories.resident()


def test_a_lot_available_until_the_day_the_need_starts_matches_one_the_day_before_does_not(
    app, seller, poster
):
    start = clock.today() + timedelta(days=5)
    on_the_day = factories.listing(seller, available_until=start)
    day_before = factories.listing(seller, available_until=start - timedelta(days=1))
    starts_on_the_last_day = factories.listing(
        seller,
        available_from=start + timedelta(days=10),
        available_until=start + timedelta(days=20),
    )
    after = factories.listing(
        seller,
        available_from=start + timedelta(days=11),
        available_until=start + timedelta(days=20),
    )
    wanted = post(poster, needed_from=start, needed_by=start + timedelta(days=10))
    ids = found(wanted)
    assert on_the_day.id in ids and starts_on_the_last_day.id in ids
    assert day_before.id not in ids and after.id not in ids
    assert ids[on_the_day.id].overlap == pytest.approx(1 / 11)


def test_a_need_in_tonnes_is_served_by_pieces_through_their_kg_per_unit(any_db, seller, poster):
    declared = factories.listing(seller, quantity="400", unit="pcs", kg_per_unit="2.5")
    typical = factories.listing(seller, quantity="100", unit="pcs")  # catalogue: 3.0 kg
    by_mass = factories.listing(seller, quantity="0.5", unit="t")
    wanted = post(poster, quantity=Decimal(2), unit="t")
    ids = found(wanted)
    assert ids[declared.id].quantity_in_wanted_unit == Decimal("1.000")
    assert ids[typical.id].quantity_in_wanted_unit == Decimal("0.300")
    assert ids[by_mass.id].quantity_in_wanted_unit == Decimal("0.500")


def test_a_unit_that_does_not_convert_is_excluded(app, seller, poster):
    # The catalogue has no typical mass of a cubic metre of brick: a need in m3 cannot be
    # compared with lots in pieces, only with lots in m3.
    pieces = factories.listing(seller, quantity="400", unit="pcs")
    cubic = factories.listing(seller, quantity="3", unit="m3", kg_per_unit="1500")
    wanted = post(poster, quantity=Decimal(2), unit="m3")
    ids = found(wanted)
    assert cubic.id in ids and pieces.id not in ids


def test_only_lots_within_the_radius_match(app, seller, poster):
    near = factories.listing(seller, site_=factories.site(seller, lat=60.2251, lng=24.7539))
    far = factories.listing(seller, site_=factories.site(seller, lat=60.2611, lng=24.7539))
    wanted = post(poster, radius_km=Decimal(2))
    ids = found(wanted)
    assert near.id in ids and far.id not in ids
    assert ids[near.id].distance_km == pytest.approx(1.0, abs=0.01)


def test_the_price_ceiling_is_per_unit_of_the_need_also_through_mass(any_db, seller, poster):
    cheap = factories.listing(seller, price_cents=40)
    dear = factories.listing(seller, price_cents=60)
    free = factories.listing(seller)
    ids = found(post(poster, max_price_cents=50))
    assert cheap.id in ids and free.id in ids and dear.id not in ids
    # 2.5 kg a piece, 400 pieces a tonne: 30 c a piece is 120 € a tonne.
    pieces = factories.listing(seller, kg_per_unit="2.5", price_cents=30)
    assert pieces.id in found(post(poster, unit="t", quantity=Decimal(1), max_price_cents=12000))
    assert pieces.id not in found(
        post(poster, unit="t", quantity=Decimal(1), max_price_cents=11999)
    )


def test_a_lot_hidden_by_staged_release_or_verification_never_matches(app, seller, poster):
    staged = factories.listing(seller)
    db.session.get(Listing, staged.id).public_from = clock.now() + timedelta(hours=48)
    db.session.commit()
    pending = factories.listing(factories.unverified_builder())
    hidden = factories.listing(seller)
    db.session.get(Listing, hidden.id).hidden_reason = "Asbestos suspected"
    db.session.commit()
    shown = factories.listing(seller)
    ids = found(post(poster))
    assert shown.id in ids
    assert not {staged.id, pending.id, hidden.id} & set(ids)
    # A builder of a verified organisation sees staged lots early: for them it matches.
    professional = factories.builder()
    assert staged.id in found(post(professional))
    assert pending.id not in found(post(professional))


def test_the_poster_s_own_organisation_s_lots_do_not_match(app, seller):
    own = factories.listing(seller)
    assert own.id not in found(post(seller))


def test_a_post_without_a_category_finds_lots_by_synonyms_and_compounds(app, seller, poster):
    compound = factories.listing(seller, title="Punatiili MRT75")
    swedish = factories.listing(seller, title="Gamla tegelstenar", language="sv")
    other = factories.listing(
        seller, title="Väliovi 9x21", description="Valkoinen", category="door"
    )
    deliver()
    by_part = found(post(poster, category_slug=None, title="tiili"))
    assert compound.id in by_part and other.id not in by_part
    by_synonym = found(post(poster, category_slug=None, title="brick"))
    assert {compound.id, swedish.id} <= set(by_synonym)
    assert other.id not in by_synonym


def test_ranked_by_cover_then_window_then_distance_and_covers_says_so(app, seller, poster):
    small = factories.listing(seller, quantity="20")
    whole = factories.listing(seller, quantity="150")
    wanted = post(poster)
    ranked = candidates(wanted)
    assert [c.listing_id for c in ranked][:2] == [whole.id, small.id]
    assert ranked[0].covers and not ranked[1].covers
    listed = matches_for(wanted)
    assert listed[0].listing.id == whole.id and listed[0].listing.organization.name


def test_a_listing_knows_the_open_posts_it_could_serve(app, seller, poster):
    lot = factories.listing(seller)
    serves = post(poster)
    too_far = post(poster, lat=60.40, lng=24.75, radius_km=Decimal(3))
    other_material = post(poster, category_slug="door")
    closed = post(poster)
    closed.status = "closed"
    db.session.commit()
    deliver()
    by_text = post(poster, category_slug=None, title="punatiili")
    posts = {p.id for p in wanted_for_listing(db.session.get(Listing, lot.id))}
    assert posts == {serves.id, by_text.id}
    assert not {too_far.id, other_material.id, closed.id} & posts
