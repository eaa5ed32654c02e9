"""Feature flags are derived once, in config: "is Stripe / Meilisearch / mail on?"."""

from marketplace.config import TestConfig


def test_every_integration_is_off_unless_configured():
    config = TestConfig()
    assert (config.STRIPE_ENABLED, config.MEILI_ENABLED, config.MAIL_ENABLED) == (
        False,
        False,
        False,
    )


def test_stripe_needs_both_keys_and_the_flags_follow_overrides():
    assert TestConfig(STRIPE_SECRET_KEY="sk_test_x").STRIPE_ENABLED is False
    assert (
        TestConfig(STRIPE_SECRET_KEY="sk_test_x", STRIPE_WEBHOOK_SECRET="whsec_x").STRIPE_ENABLED
        is True
    )
    assert TestConfig({"MEILI_URL": "http://127.0.0.1:7700"}).MEILI_ENABLED is True
    assert TestConfig(MAIL_SERVER="127.0.0.1").MAIL_ENABLED is True


def test_the_app_sees_the_flags(tmp_path):
    from tests.conftest import make_app

    app = make_app(tmp_path, STRIPE_SECRET_KEY="sk_test_x", STRIPE_WEBHOOK_SECRET="whsec_x")
    assert (app.config["STRIPE_ENABLED"], app.config["MEILI_ENABLED"]) == (True, False)
