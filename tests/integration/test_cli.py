"""Flask commands: users create / token, catalog sync, seed demo."""

import contextvars
import math
import re
import threading

import pytest
import sqlalchemy as sa

from marketplace import clock
from marketplace.models import Category, Listing, Organization, Site, User
from marketplace.services import accounts
from tests import factories
from tests.helpers import fresh

KERA = (60.2161, 24.7539)


def invoke(runner, *args, timeout=60):
    """Run a command as `flask ...` in a shell would: in an app context of its own (on a thread of
    its own, whose context starts empty), failing instead of hanging if it does not finish."""
    results = []

    def run():
        with runner.app.app_context():
            results.append(runner.invoke(args=list(args)))

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout)
    assert not thread.is_alive(), (
        f"flask {' '.join(args)} did not finish within {timeout} s (it hangs)"
    )
    return results[0]


def distance_km(lat, lng, lat0=KERA[0], lng0=KERA[1]) -> float:
    """Great-circle distance (haversine)."""
    p1, p2 = math.radians(lat0), math.radians(lat)
    dp, dl = p2 - p1, math.radians(lng - lng0)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(a))


def count(model) -> int:
    return fresh().scalar(sa.select(sa.func.count()).select_from(model))


# --- users create ------------------------------------------------------------------------------


def test_create_a_resident(runner):
    result = invoke(
        runner,
        "users",
        "create",
        "Resident@Example.com",
        "--role",
        "resident",
        "--password",
        factories.PASSWORD,
    )
    assert result.exit_code == 0, result.output
    assert "created resident resident@example.com" in result.output
    user = fresh().scalar(sa.select(User).where(User.email == "resident@example.com"))
    assert user.role == "resident" and user.organization_id is None
    assert (
        accounts.user_authenticate(email="resident@example.com", password=factories.PASSWORD)
        is not None
    )


# A builder of a new organisation, Kera Oy (the tests add the business id, or leave it out).
CREATE_BOSS = ("users", "create", "boss@example.com", "--role", "builder", "--org", "Kera Oy")


def test_create_a_builder_with_a_new_organisation(runner):
    bid = factories.business_id(31337)
    result = invoke(runner, *CREATE_BOSS, "--business-id", bid)
    assert result.exit_code == 0, result.output
    user = fresh().scalar(sa.select(User).where(User.email == "boss@example.com"))
    assert (user.role, user.organization.name, user.organization.business_id) == (
        "builder",
        "Kera Oy",
        bid,
    )


def test_create_a_second_builder_joins_the_existing_organisation(runner):
    first = factories.builder()
    result = invoke(
        runner,
        "users",
        "create",
        "colleague@example.com",
        "--role",
        "builder",
        "--business-id",
        first.organization.business_id,
    )
    assert result.exit_code == 0, result.output
    user = fresh().scalar(sa.select(User).where(User.email == "colleague@example.com"))
    assert user.organization_id == first.organization_id
    assert count(Organization) == 1


def test_create_city_staff_prints_a_generated_password_that_works(runner):
    result = invoke(runner, "users", "create", "city@example.com", "--role", "city")
    assert result.exit_code == 0, result.output
    password = re.search(r"^password: (\S+)$", result.output, re.M).group(1)
    user = accounts.user_authenticate(email="city@example.com", password=password)
    assert user is not None and user.role == "city"


def test_create_a_builder_without_a_business_id_is_a_usage_error(runner):
    result = invoke(runner, *CREATE_BOSS)
    assert result.exit_code == 2
    assert "--business-id" in result.output
    assert count(User) == 0


def test_create_a_builder_with_a_bad_business_id_fails_cleanly(runner):
    digits, check = factories.business_id(99).split("-")
    result = invoke(runner, *CREATE_BOSS, "--business-id", f"{digits}-{(int(check) + 1) % 10}")
    assert result.exit_code == 1
    assert result.output.startswith("Error: business_id:")
    assert "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit)
    assert count(User) == 0 and count(Organization) == 0


def test_create_with_a_taken_email_fails_cleanly(runner):
    factories.resident(email="taken@example.com")
    result = invoke(runner, "users", "create", "taken@example.com", "--role", "resident")
    assert result.exit_code == 1 and "Error: email:" in result.output


def test_create_with_an_unknown_role_is_refused(runner):
    result = invoke(runner, "users", "create", "x@example.com", "--role", "admin")
    assert result.exit_code == 2 and count(User) == 0


# --- users token -------------------------------------------------------------------------------


def test_token_printed_by_the_cli_authenticates_the_api(app, runner):
    factories.builder(email="builder@example.com")
    result = invoke(runner, "users", "token", "Builder@example.com")
    assert result.exit_code == 0, result.output
    token = result.output.strip()
    response = contextvars.Context().run(
        app.test_client().get, "/api/v1/me", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200
    assert response.get_json()["email"] == "builder@example.com"


def test_token_for_an_unknown_user_fails_cleanly(runner):
    result = invoke(runner, "users", "token", "ghost@example.com")
    assert result.exit_code == 1 and "no user ghost@example.com" in result.output


# --- catalog sync ------------------------------------------------------------------------------


def test_catalog_sync_reports_and_keeps_the_catalogue(runner):
    before = count(Category)
    result = invoke(runner, "catalog", "sync")
    assert result.exit_code == 0, result.output
    assert re.match(rf"{before} categories, \d+ carbon factors$", result.output.strip())
    assert count(Category) == before >= 25


# --- seed demo ---------------------------------------------------------------------------------


@pytest.fixture
def seeded(runner):
    first = invoke(runner, "seed", "demo", "--no-photos")
    assert first.exit_code == 0, first.output
    return first


def test_seed_demo_loads_kera(seeded):
    created = int(re.search(r"demo data: (\d+) created, 0 already there", seeded.output).group(1))
    assert created > 0
    assert count(Organization) >= 3
    assert count(Site) >= 5
    assert count(Listing) >= 60
    assert fresh().scalar(sa.select(sa.func.count(sa.distinct(Listing.category_slug)))) >= 15


def test_seed_demo_puts_every_site_within_2_km_of_kera(seeded):
    for site in fresh().scalars(sa.select(Site)):
        assert distance_km(site.lat, site.lng) <= 2.0, (site.name, site.lat, site.lng)


def test_seed_demo_listings_are_available_and_visible_after_the_worker_ran(seeded, runner, app):
    # The history's earlier lots (marketplace/demo_history.py) all closed before today.
    offered = sa.select(Listing.status).where(Listing.available_until >= clock.today())
    assert set(fresh().scalars(offered)) == {"available"}
    worker = invoke(runner, "worker", "--once")
    assert worker.exit_code == 0, worker.output
    response = contextvars.Context().run(app.test_client().get, "/api/v1/listings?per_page=100")
    assert response.get_json()["total"] == len(fresh().scalars(offered).all())


def test_seed_demo_twice_creates_nothing_new(seeded, runner):
    counts = [count(m) for m in (Organization, User, Site, Listing)]
    second = invoke(runner, "seed", "demo", "--no-photos")
    assert second.exit_code == 0, second.output
    assert re.search(r"demo data: 0 created, \d+ already there", second.output)
    assert [count(m) for m in (Organization, User, Site, Listing)] == counts


def test_seed_demo_prints_logins_that_work(seeded):
    email = re.search(r"^\s+builder\s+(\S+)$", seeded.output, re.M).group(1)
    password = re.search(r"password for all: (\S+)\)", seeded.output).group(1)
    assert accounts.user_authenticate(email=email, password=password).role == "builder"
