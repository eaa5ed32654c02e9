"""What makes a listing findable has one home with two expressions (models/listings.py): the
Python predicate and the SQL clause must agree on every listing."""

from datetime import timedelta
from decimal import Decimal

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from marketplace import clock
from marketplace.extensions import db
from marketplace.models import Listing, ListingStatus
from tests import factories

MILLI = st.integers(min_value=0, max_value=5_000).map(lambda n: Decimal(n) / 1000)


@st.composite
def listing_states(draw):
    """A listing's findability inputs: status, counters (valid per the CHECKs), hiding, window."""
    quantity = draw(st.integers(min_value=1, max_value=5_000).map(lambda n: Decimal(n) / 1000))
    reserved = min(draw(MILLI), quantity)
    collected = min(draw(MILLI), quantity - reserved)
    return {
        "status": draw(st.sampled_from(list(ListingStatus))),
        "quantity": quantity,
        "quantity_reserved": reserved,
        "quantity_collected": collected,
        "hidden_reason": draw(st.sampled_from(["", "Asbestos suspected"])),
        "available_until": clock.today()
        + timedelta(days=draw(st.integers(min_value=-3, max_value=3))),
    }


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(state=listing_states())
def test_the_sql_clause_and_the_python_predicate_agree(app, state):
    listing_id = _listing_id()
    db.session.execute(sa.update(Listing).where(Listing.id == listing_id).values(**state))
    db.session.commit()
    listing = db.session.get(Listing, listing_id)
    db.session.refresh(listing)
    today = clock.today()
    in_sql = (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Listing)
            .where(Listing.id == listing_id, Listing.findable_clause(today))
        )
        == 1
    )
    assert in_sql == listing.is_findable(today), state


def test_a_fresh_listing_is_findable_and_a_hidden_one_is_not(app):
    listing = db.session.get(Listing, _listing_id())
    assert listing.is_findable(clock.today()) and listing.is_reservable(clock.today())
    listing.hidden_reason = "Asbestos suspected"
    assert not listing.is_findable(clock.today()) and not listing.is_reservable(clock.today())


def _listing_id() -> int:
    """The test's one listing (hypothesis runs every example in the same app)."""
    existing = db.session.scalar(sa.select(Listing.id).order_by(Listing.id).limit(1))
    return existing if existing is not None else factories.listing(factories.builder()).id


def test_a_listing_waiting_for_its_organisations_verification_is_neither_found_nor_reservable(app):
    listing = db.session.get(Listing, _listing_id())
    listing.status = ListingStatus.PENDING_REVIEW
    today = clock.today()
    assert not listing.is_public and listing.is_open  # its organisation may still edit it
    assert not listing.is_findable(today) and not listing.is_reservable(today)
    listing.refresh_status()  # the counters do not publish it
    assert listing.status == ListingStatus.PENDING_REVIEW
    assert Listing.initial_status(listing.organization) == ListingStatus.AVAILABLE  # verified (CLI)
    listing.organization.verified_at = None
    assert Listing.initial_status(listing.organization) == ListingStatus.PENDING_REVIEW
