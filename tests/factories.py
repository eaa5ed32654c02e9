"""Test data through the real services, so every factory-made object obeys the rules."""

import itertools
from datetime import timedelta

import sqlalchemy as sa

from marketplace import clock
from marketplace.extensions import db
from marketplace.models import User
from marketplace.services import accounts, listings, sites

PASSWORD = "correct horse battery staple"
_numbers = itertools.count(1)


def business_id(seed: int | None = None) -> str:
    """A valid Finnish business ID (the check digit computed as in services.accounts)."""
    n = 2_000_000 + (seed if seed is not None else next(_numbers)) * 7
    while True:
        digits = f"{n:07d}"
        r = sum(int(d) * w for d, w in zip(digits, (7, 9, 10, 5, 8, 4, 2), strict=False)) % 11
        if r != 1:
            return f"{digits}-{0 if r == 0 else 11 - r}"
        n += 1


def user(
    role="resident",
    *,
    email=None,
    password=PASSWORD,
    org=None,
    org_name=None,
    locale="en",
    **kwargs,
):
    """An account through the CLI's service; English unless a test asks for another language."""
    n = next(_numbers)
    email = email or f"{role}{n}@example.com"
    if role == "builder":
        bid = org.business_id if org is not None else business_id(n)
        kwargs.update(organization_name=org_name or f"Builder {n} Oy", business_id=bid)
    created, _password = accounts.user_create(
        email=email,
        role=role,
        password=password,
        locale=locale,
        display_name=kwargs.pop("display_name", f"{role.title()} {n}"),
        **kwargs,
    )
    return created


def unverified_builder(*, email=None, org_name=None, business_id_=None, locale="en"):
    """A builder who signed up on the web: a new organisation the city has not verified yet."""
    n = next(_numbers)
    email = email or f"signup{n}@example.com"
    accounts.user_signup(
        email=email,
        password=PASSWORD,
        display_name=f"Signup {n}",
        locale=locale,
        organization_name=org_name or f"Signup {n} Oy",
        business_id=business_id_ or business_id(n),
    )
    db.session.rollback()
    return db.session.scalar(sa.select(User).where(User.email == email))


def resident(**kwargs):
    return user("resident", **kwargs)


def builder(**kwargs):
    return user("builder", **kwargs)


def city(**kwargs):
    return user("city", **kwargs)


def site(owner, **overrides):
    values = {
        "name": f"Site {next(_numbers)}",
        "address": "Kutojantie 3, 02630 Espoo",
        "lat": 60.2161,
        "lng": 24.7539,
        "pickup_instructions": "Gate B",
        "opening_hours": {d: ["07:00", "16:00"] for d in ("mon", "tue", "wed", "thu", "fri")},
    }
    values.update(overrides)
    return sites.site_create(user_id=owner.id, **values)


def listing(owner, *, site_=None, **overrides):
    site_ = site_ or site(owner)
    values = {
        "title": "Punatiili MRT75",
        "description": "Poltettu tiili, lavoilla.",
        "category": "brick",
        "quantity": "40",
        "unit": "pcs",
        "condition": "good",
        "site_id": site_.id,
        "available_from": clock.today(),
        "available_until": clock.today() + timedelta(days=30),
    }
    values.update(overrides)
    return listings.listing_create(user_id=owner.id, hazard_free=True, **values)
