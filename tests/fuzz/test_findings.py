"""Regression tests for what the fuzzer found, each by the request that made a 500."""

import pytest

from marketplace.services import accounts


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/open-data/impact",
        "/api/v1/open-data/impact.csv",
        "/api/v1/impact",
        "/api/v1/impact/handovers.json",
        "/api/v1/impact/waste-report",
        "/api/v1/impact/waste-report.csv",
    ],
)
@pytest.mark.parametrize(
    "period",
    [
        "from=0001-01-01&to=0001-01-01",
        "from=9999-12-31&to=9999-12-31",
        "from=0001-01-01&to=9999-12-31",
    ],
)
def test_the_first_and_last_calendar_days_are_periods_not_500(client, make, path, period):
    """Their Helsinki midnights lie outside what a UTC datetime can hold (OverflowError)."""
    token = accounts.token_create(user_id=make.city().id)[1]
    response = client.get(f"{path}?{period}", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
