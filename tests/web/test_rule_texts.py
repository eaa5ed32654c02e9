"""Pages state the marketplace's rules from their one home, never from numbers typed into a
template: a listing's default window, the late-cancellation hours, the deposit's pickup days."""

from marketplace.models import LATE_CANCEL_HOURS
from marketplace.services.listings import DEFAULT_WINDOW_DAYS
from marketplace.web import helpers


def test_the_rules_reach_every_template_from_their_home(app):
    app.config["DEPOSIT_MAX_DAYS"] = 4
    assert helpers._rules() == {
        "late_cancel_hours": LATE_CANCEL_HOURS,
        "deposit_max_days": 4,
        "default_window_days": DEFAULT_WINDOW_DAYS,
    }


def test_the_listing_form_states_the_default_window_from_the_service(
    app, client, auth, make, monkeypatch
):
    builder = make.builder()
    make.site(builder)
    auth.login(builder)
    assert (
        f"Default: {DEFAULT_WINDOW_DAYS} days after the start." in client.get("/listings/new").text
    )
    monkeypatch.setattr(helpers, "DEFAULT_WINDOW_DAYS", 45)
    assert "Default: 45 days after the start." in client.get("/listings/new").text


def test_a_priced_listing_states_the_late_cancellation_hours(app, client, make, monkeypatch):
    monkeypatch.setattr(helpers, "LATE_CANCEL_HOURS", 36)
    monkeypatch.setattr("marketplace.services.checkout.payment_kind", lambda listing: "charge")
    listing = make.listing(make.builder(), price_cents=500, late_cancel_fee_percent=20)
    page = client.get(f"/listings/{listing.id}", headers={"Accept-Language": "en"})
    text = page.text
    assert "Cancelling less than 36 hours before pickup keeps 20 % of the price." in text
