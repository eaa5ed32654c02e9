"""Fixtures of the API tests: a client reading English, a builder with a site and a listing, API
tokens, and a stranger of another organisation with things of its own."""

import pytest

from tests import factories
from tests.helpers import bearer_header, english_client


@pytest.fixture
def client(app):
    """Messages in English: without Accept-Language the API answers in Finnish."""
    return english_client(app)


@pytest.fixture
def builder(app):
    return factories.builder(email="builder@example.com", org_name="Kera Purku Oy")


@pytest.fixture
def site(builder):
    return factories.site(builder, name="Kera Halli 3")


@pytest.fixture
def listing(builder, site):
    return factories.listing(builder, site_=site)


@pytest.fixture
def bearer(builder):
    return bearer_header(builder)


@pytest.fixture
def resident_bearer(app):
    return bearer_header(factories.resident(email="resident@example.com"))


@pytest.fixture
def stranger(app):
    """A builder of another organisation, with a site and a listing of its own."""
    user = factories.builder(email="stranger@example.com")
    site = factories.site(user, name="Stranger's yard")
    listing = factories.listing(user, site_=site, title="Stranger's bricks")
    return {"user": user, "site": site, "listing": listing, "bearer": bearer_header(user)}
