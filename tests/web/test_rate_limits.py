"""Rate limits: reserving is limited per user; the limiter's storage is memory by default and
Redis when RATELIMIT_STORAGE_URI is set (tested against the local Redis when one is running)."""

import socket
import uuid

import pytest

from ..conftest import make_app
from ..helpers import bearer_header


def reserve_until_limited(app, make):
    with app.app_context():
        seller, taker = make.builder(), make.resident()
        listing = make.listing(seller, quantity="1000")
        app.config["MAX_OPEN_RESERVATIONS"] = 100
        headers = bearer_header(taker)
        client = app.test_client()
        statuses = [
            client.post(
                f"/api/v1/listings/{listing.id}/reservations", json={"quantity": 1}, headers=headers
            ).status_code
            for _ in range(11)
        ]
        other = client.post(
            f"/api/v1/listings/{listing.id}/reservations",
            json={"quantity": 1},
            headers=bearer_header(make.resident()),
        ).status_code
        return statuses, other


def test_reserving_is_rate_limited_per_user(tmp_path, make):
    app = make_app(tmp_path, RATELIMIT_ENABLED=True, RESERVE_LIMIT="10/minute")
    statuses, other = reserve_until_limited(app, make)
    assert statuses[:10] == [201] * 10 and statuses[10] == 429
    assert other == 201  # another person is not affected


def redis_running() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.mark.skipif(
    not redis_running(), reason="no Redis on 127.0.0.1:6379 (the memory storage is tested above)"
)
def test_limits_are_kept_in_redis_when_configured(tmp_path, make):
    import redis

    app = make_app(
        tmp_path,
        RATELIMIT_ENABLED=True,
        RESERVE_LIMIT="10/minute",
        RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379",
        RATELIMIT_KEY_PREFIX=f"kera-test-{uuid.uuid4().hex}",
    )
    statuses, _other = reserve_until_limited(app, make)
    assert statuses[10] == 429
    keys = redis.Redis(host="127.0.0.1", port=6379).keys(f"*{app.config['RATELIMIT_KEY_PREFIX']}*")
    assert keys, "the limiter wrote nothing to Redis"
