"""services.accounts and services.passwords: business IDs, the password policy, sign-up, sign-in,
sessions and API tokens."""

import hashlib

import pytest
import sqlalchemy as sa

from marketplace.errors import ValidationFailed
from marketplace.extensions import db
from marketplace.models import ApiToken, Notification, Organization, Role, User
from marketplace.services import accounts, passwords
from tests import factories
from tests.factories import PASSWORD

WEIGHTS = (7, 9, 10, 5, 8, 4, 2)


def _remainder(digits: str) -> int:
    return sum(int(d) * w for d, w in zip(digits, WEIGHTS, strict=True)) % 11


def _remainder_one_numbers(count: int) -> list[str]:
    """Seven-digit numbers whose weighted sum leaves 1: no check digit can make them valid."""
    found, n = [], 1_000_000
    while len(found) < count:
        if _remainder(f"{n:07d}") == 1:
            found.append(f"{n:07d}")
        n += 13
    return found


# --- Y-tunnus ---------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1, 2, 17, 500, 123_456])
def test_business_id_with_correct_check_digit_is_valid(seed):
    assert accounts.business_id_valid(factories.business_id(seed))


def test_a_real_registered_business_id_is_valid():
    assert accounts.business_id_valid("0112038-9")  # Nokia Oyj


@pytest.mark.parametrize("seed", [0, 1, 2, 17, 500])
def test_business_id_with_any_other_check_digit_is_invalid(seed):
    digits, check = factories.business_id(seed).split("-")
    for wrong in set("0123456789") - {check}:
        assert not accounts.business_id_valid(f"{digits}-{wrong}")


@pytest.mark.parametrize("digits", _remainder_one_numbers(4))
def test_business_id_whose_remainder_is_one_is_never_valid(digits):
    assert all(not accounts.business_id_valid(f"{digits}-{c}") for c in "0123456789")


@pytest.mark.parametrize(
    "value",
    [
        "",
        None,
        "1234567",
        "12345671",
        "123456-7",
        "01234567-1",
        "1234567-12",
        "1234567 1",
        "1234567–1",
        "abcdefg-h",
        " 0112038-9",
        "0112038-9 ",
        "FI01120389",
        # Non-ASCII digits would register a look-alike of 0112038-9 next to the real one.
        pytest.param("０１１２０３８-９", id="fullwidth-digits"),
        pytest.param("٠١١٢٠٣٨-٩", id="arabic-indic-digits"),
    ],
)
def test_business_id_in_a_wrong_format_is_invalid(value):
    assert not accounts.business_id_valid(value)


# --- password policy ---------------------------------------------------------------------------


def test_password_of_11_characters_is_rejected():
    assert passwords.password_problem("kivi-puu-ik") is not None


def test_password_of_12_characters_is_accepted():
    assert passwords.password_problem("kivi-puu-ikk") is None


def test_password_of_128_characters_is_accepted_and_129_rejected():
    base = "tiili ja laasti " * 9
    assert passwords.password_problem(base[:128]) is None
    assert passwords.password_problem(base[:129]) is not None


@pytest.mark.parametrize(
    "common", ["password123456", "salasana12345", "Salasana12345", "!!salasana!!!!"]
)
def test_common_passwords_are_rejected_as_common(common):
    problem = passwords.password_problem(common)
    assert problem is not None and "common" in str(problem)


def test_long_unicode_passphrase_with_spaces_is_accepted():
    phrase = "Kärsivällinen åländsk sköldpadda söi öljyä ja juo ümlaut ŝaft ok"
    assert len(phrase) == 64
    assert passwords.password_problem(phrase) is None


def test_sign_up_with_a_short_password_gives_a_field_error(app):
    with pytest.raises(ValidationFailed) as caught:
        accounts.user_signup(email="a@example.com", password="short", display_name="A")
    assert "password" in caught.value.fields


def test_stored_password_hash_is_argon2id(app):
    user = factories.resident()
    assert db.session.get(User, user.id).password_hash.startswith("$argon2id$")
    assert PASSWORD not in db.session.get(User, user.id).password_hash


# --- sign-up -----------------------------------------------------------------------------------


def test_sign_up_creates_a_resident_without_organisation(app):
    user = accounts.user_signup(
        email="Maija@Example.com", password=PASSWORD, display_name="Maija", locale="sv"
    )
    stored = db.session.get(User, user.id)
    assert (stored.email, stored.role, stored.organization_id, stored.locale) == (
        "maija@example.com",
        Role.RESIDENT,
        None,
        "sv",
    )


def test_builder_sign_up_creates_the_organisation(app):
    bid = factories.business_id(9001)
    user = accounts.user_signup(
        email="boss@builder.example",
        password=PASSWORD,
        display_name="Boss",
        organization_name="Rakennus Oy",
        business_id=bid,
    )
    stored = db.session.get(User, user.id)
    assert stored.role == Role.BUILDER
    assert (stored.organization.name, stored.organization.business_id) == ("Rakennus Oy", bid)


def test_sign_up_with_a_taken_email_creates_nothing_and_tells_the_owner_once_a_day(app):
    owner = factories.resident(email="taken@example.com")
    for _attempt in range(3):
        assert (
            accounts.user_signup(email="TAKEN@example.com", password=PASSWORD, display_name="Other")
            is None
        )
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1
    told = db.session.scalars(
        sa.select(Notification.kind).where(Notification.user_id == owner.id)
    ).all()
    assert told == [accounts.SIGNUP_ATTEMPT_KIND]


def test_builder_sign_up_with_a_registered_business_id_gives_a_field_error(app):
    first = factories.builder()
    with pytest.raises(ValidationFailed) as caught:
        accounts.user_signup(
            email="second@example.com",
            password=PASSWORD,
            display_name="Second",
            organization_name="Copycat Oy",
            business_id=first.organization.business_id,
        )
    assert "business_id" in caught.value.fields
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Organization)) == 1


def test_builder_sign_up_with_a_wrong_check_digit_gives_a_field_error(app):
    digits, check = factories.business_id(77).split("-")
    with pytest.raises(ValidationFailed) as caught:
        accounts.user_signup(
            email="b@example.com",
            password=PASSWORD,
            display_name="B",
            organization_name="Oy",
            business_id=f"{digits}-{(int(check) + 1) % 10}",
        )
    assert "business_id" in caught.value.fields


# --- sign-in -----------------------------------------------------------------------------------


def test_authenticate_with_the_right_password_returns_the_user(app):
    user = factories.resident(email="r@example.com")
    assert accounts.user_authenticate(email=" R@example.com ", password=PASSWORD).id == user.id


def test_authenticate_with_a_wrong_password_returns_nobody(app):
    factories.resident(email="r@example.com")
    assert accounts.user_authenticate(email="r@example.com", password=PASSWORD + "x") is None


def test_authenticate_with_an_unknown_email_returns_nobody(app):
    assert accounts.user_authenticate(email="nobody@example.com", password=PASSWORD) is None


def test_authenticate_an_inactive_user_returns_nobody(app):
    user = factories.resident(email="r@example.com")
    db.session.get(User, user.id).active = False
    db.session.commit()
    assert accounts.user_authenticate(email="r@example.com", password=PASSWORD) is None


# --- password change and sessions --------------------------------------------------------------


def test_change_password_rotates_the_session_token_and_the_new_password_works(app):
    user = factories.resident(email="r@example.com")
    before = user.session_token
    accounts.user_change_password(
        user_id=user.id, current_password=PASSWORD, new_password="a brand new phrase"
    )
    assert db.session.get(User, user.id).session_token != before
    assert (
        accounts.user_authenticate(email="r@example.com", password="a brand new phrase") is not None
    )
    assert accounts.user_authenticate(email="r@example.com", password=PASSWORD) is None


def test_change_password_needs_the_current_password(app):
    user = factories.resident(email="r@example.com")
    before = user.session_token
    with pytest.raises(ValidationFailed) as caught:
        accounts.user_change_password(
            user_id=user.id, current_password="not my password", new_password="a brand new phrase"
        )
    assert "current_password" in caught.value.fields
    db.session.expire_all()
    assert db.session.get(User, user.id).session_token == before
    assert accounts.user_authenticate(email="r@example.com", password=PASSWORD) is not None


def test_change_password_checks_the_new_password_policy(app):
    user = factories.resident()
    with pytest.raises(ValidationFailed) as caught:
        accounts.user_change_password(
            user_id=user.id, current_password=PASSWORD, new_password="salasana12345"
        )
    assert "new_password" in caught.value.fields


def test_logout_everywhere_rotates_the_session_token(app):
    user = factories.resident()
    before = user.session_token
    accounts.user_logout_everywhere(user_id=user.id)
    assert db.session.get(User, user.id).session_token != before


# --- API tokens --------------------------------------------------------------------------------


def test_api_token_is_stored_only_as_its_sha256(app):
    user = factories.builder()
    token, raw = accounts.token_create(user_id=user.id, name="laptop")
    row = db.session.execute(sa.select(ApiToken.__table__).where(ApiToken.id == token.id)).one()
    assert row.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert all(raw not in str(value) for value in row)


def test_token_user_finds_the_owner_of_a_token(app):
    user = factories.resident()
    _token, raw = accounts.token_create(user_id=user.id)
    assert accounts.token_user(raw).id == user.id


def test_token_user_finds_nobody_for_an_unknown_token(app):
    user = factories.resident()
    _token, raw = accounts.token_create(user_id=user.id)
    assert accounts.token_user(raw[:-1] + ("A" if raw[-1] != "A" else "B")) is None


def test_revoked_token_finds_nobody(app):
    user = factories.resident()
    token, raw = accounts.token_create(user_id=user.id)
    accounts.token_revoke(user_id=user.id, token_id=token.id)
    assert accounts.token_user(raw) is None
