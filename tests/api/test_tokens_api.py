"""API tokens and /me: creating a token with a password, the caller it names, revoked and
malformed credentials."""

import pytest

from marketplace.services import accounts
from tests.factories import PASSWORD
from tests.helpers import assert_error


def test_token_create_returns_a_working_token_and_the_user(client, builder):
    response = client.post(
        "/api/v1/tokens",
        json={"email": "builder@example.com", "password": PASSWORD, "name": "script"},
    )
    assert response.status_code == 201
    body = response.get_json()
    assert body["user"]["email"] == "builder@example.com" and body["user"]["role"] == "builder"
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.status_code == 200 and me.get_json()["id"] == builder.id


def test_token_create_with_a_wrong_password_is_401(client, builder):
    response = client.post(
        "/api/v1/tokens", json={"email": "builder@example.com", "password": "nope nope nope"}
    )
    assert_error(response, 401, "unauthenticated")


def test_me_describes_the_caller(client, builder, bearer):
    response = client.get("/api/v1/me", headers=bearer)
    assert response.status_code == 200
    assert response.get_json() == {
        "id": builder.id,
        "email": "builder@example.com",
        "display_name": builder.display_name,
        "role": "builder",
        "organization": {"id": builder.organization_id, "name": "Kera Purku Oy"},
    }


@pytest.mark.parametrize(
    "header", [None, "Bearer kme_not-a-real-token", "Bearer ", "Basic dXNlcjpwYXNz", "kme_x"]
)
def test_me_without_valid_credentials_is_401(client, builder, header):
    response = client.get("/api/v1/me", headers={"Authorization": header} if header else {})
    assert_error(response, 401, "unauthenticated")


def test_revoked_token_is_401(client, builder):
    token, raw = accounts.token_create(user_id=builder.id)
    accounts.token_revoke(user_id=builder.id, token_id=token.id)
    assert_error(
        client.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"}), 401, "unauthenticated"
    )
