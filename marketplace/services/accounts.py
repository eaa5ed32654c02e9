"""Accounts use cases: sign-up, sign-in, password change, sessions, organisations, API tokens."""

import hashlib
import re
import secrets
from datetime import timedelta

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l

from .. import clock, notifications, outbox
from ..database import IMMEDIATE, write_transaction
from ..errors import NotFound, ValidationFailed
from ..extensions import db
from ..locales import LOCALES
from ..models import ApiToken, Organization, Role, User
from ..models.accounts import new_session_token
from . import credentials, passwords

TOKEN_PREFIX = "kme_"
SIGNUP_ATTEMPT_KIND = "account.signup_attempted"  # the notification an address's owner gets


def business_id_valid(value: str) -> bool:
    """Finnish business ID (Y-tunnus) '1234567-8' with a correct check digit."""
    match = re.fullmatch(r"([0-9]{7})-([0-9])", value or "")
    if not match:
        return False
    digits, check = match.group(1), int(match.group(2))
    remainder = sum(int(d) * w for d, w in zip(digits, (7, 9, 10, 5, 8, 4, 2), strict=True)) % 11
    if remainder == 1:
        return False
    return check == (0 if remainder == 0 else 11 - remainder)


def normalise_email(email: str) -> str:
    """A syntactically valid address, lower-cased; ValidationFailed otherwise."""
    try:
        return validate_email((email or "").strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        raise ValidationFailed(fields={"email": _l("Enter a valid e-mail address.")}) from None


def _check_password(password: str, field: str = "password") -> None:
    problem = passwords.password_problem(password or "")
    if problem:
        raise ValidationFailed(fields={field: problem})


def _check_profile(display_name: str, locale: str) -> dict:
    errors = {}
    if not (display_name or "").strip() or len(display_name.strip()) > 100:
        errors["display_name"] = _l("Enter a name of 1 to 100 characters.")
    if locale not in LOCALES:
        errors["locale"] = _l("Choose Finnish, Swedish or English.")
    return errors


def _email_taken(email: str) -> bool:
    return db.session.scalar(sa.select(sa.func.count()).where(User.email == email)) > 0


def _organization_for_new_builder(name: str, business_id: str, errors: dict) -> Organization | None:
    name = (name or "").strip()
    business_id = (business_id or "").strip()
    if not name or len(name) > 200:
        errors["organization_name"] = _l("Enter the organisation's name.")
    if not business_id_valid(business_id):
        errors["business_id"] = _l(
            "Enter a valid Finnish business ID, for example 1234567-1 (check digit included)."
        )
    elif db.session.scalar(sa.select(Organization).where(Organization.business_id == business_id)):
        errors["business_id"] = _l(
            "This organisation is already registered. Ask its administrator or the city to add you."
        )
    if errors:
        return None
    return Organization(name=name, business_id=business_id)


def user_signup(
    *,
    email: str,
    password: str,
    display_name: str,
    locale: str = "fi",
    organization_name: str = "",
    business_id: str = "",
) -> User | None:
    """Create a resident account, or a builder account with a new organisation.

    No account enumeration: an address that already has an account is not an error. Nothing is
    created, None is returned, and the owner is told instead (SIGNUP_ATTEMPT_KIND: in the app,
    and by e-mail with MAIL_SERVER). Both paths hash the password, so they take as long."""
    email = normalise_email(email)
    with write_transaction() as session:
        errors = _check_profile(display_name, locale)
        problem = passwords.password_problem(password or "")
        if problem:
            errors["password"] = problem
        builder = bool(organization_name or business_id)
        organization = (
            _organization_for_new_builder(organization_name, business_id, errors)
            if builder
            else None
        )
        if errors:
            raise ValidationFailed(fields=errors)
        password_hash = passwords.hash_password(password)
        owner = session.scalar(sa.select(User).where(User.email == email))
        if owner is not None:
            # One message a day at most, however many attempts: nobody can mail-bomb an address.
            told = notifications.add(
                session,
                user_id=owner.id,
                kind=SIGNUP_ATTEMPT_KIND,
                data={},
                source_key=f"signup-attempt:{clock.today().isoformat()}",
                email_copy=False,
            )
            if told is not None:  # always e-mailed (file or SMTP), by account_mail.py
                outbox.enqueue(session, "account.signup_attempted", {"user_id": owner.id})
            return None
        user = User(
            email=email,
            display_name=display_name.strip(),
            locale=locale,
            password_hash=password_hash,
            role=Role.BUILDER if builder else Role.RESIDENT,
            organization=organization,
        )
        session.add(user)
        session.flush()
        # Reserving waits until the link in this e-mail is opened (auth.ensure_confirmed).
        outbox.enqueue(session, "account.signed_up", {"user_id": user.id})
        if organization is not None:  # unverified until city staff (or PRH_LOOKUP) verify it
            outbox.enqueue(session, "organization.registered", {"organization_id": organization.id})
    return user


def user_create(
    *,
    email: str,
    role: str,
    password: str | None = None,
    display_name: str = "",
    organization_name: str = "",
    business_id: str = "",
    locale: str = "fi",
) -> tuple[User, str]:
    """CLI: create any role (city staff only here). Returns the user and the password used."""
    email = normalise_email(email)
    if role not in {r.value for r in Role}:
        raise ValidationFailed(fields={"role": _l("Role must be builder, resident or city.")})
    if locale not in LOCALES:
        raise ValidationFailed(fields={"locale": _l("Choose Finnish, Swedish or English.")})
    password = password or secrets.token_urlsafe(15)
    _check_password(password)
    with write_transaction() as session:
        if _email_taken(email):
            raise ValidationFailed(
                fields={"email": _l("An account with this e-mail already exists.")}
            )
        organization = None
        if role == Role.BUILDER:
            organization = session.scalar(
                sa.select(Organization).where(Organization.business_id == business_id)
            )
            if organization is None:
                errors = {}
                organization = _organization_for_new_builder(organization_name, business_id, errors)
                if errors:
                    raise ValidationFailed(fields=errors)
                organization.verified_at = clock.now()  # the operator vouches for it
        user = User(
            email=email,
            display_name=display_name or email.split("@")[0],
            role=Role(role),
            locale=locale,
            organization=organization,
            password_hash=passwords.hash_password(password),
            email_confirmed_at=clock.now(),
        )  # the operator vouches for the address
        session.add(user)
    return user, password


def user_authenticate(*, email: str, password: str) -> User | None:
    """The active user with these credentials, or None. Upgrades old hashes on success."""
    email = (email or "").strip().lower()
    user = db.session.scalar(sa.select(User).where(User.email == email))
    if user is None or not user.active:
        passwords.burn_time(password or "")
        return None
    if not passwords.verify_password(user.password_hash, password or ""):
        return None
    with write_transaction() as session:
        user = session.get(User, user.id)
        if passwords.needs_rehash(user.password_hash):
            user.password_hash = passwords.hash_password(password)
        user.last_login_at = clock.now()
    return user


def user_change_password(*, user_id: int, current_password: str, new_password: str) -> User:
    """Change the password; every other session and remember cookie, every personal API token
    and every reset link stops working."""
    with write_transaction() as session:
        user = session.get(User, user_id)
        if user is None:
            raise NotFound()
        if not passwords.verify_password(user.password_hash, current_password or ""):
            raise ValidationFailed(
                fields={"current_password": _l("The current password is not correct.")}
            )
        _check_password(new_password, "new_password")
        user.password_hash = passwords.hash_password(new_password)
        credentials.revoke_all(session, user)
    return user


def user_logout_everywhere(*, user_id: int) -> User:
    """Rotate the session token: all sessions, remember cookies included, end."""
    with write_transaction() as session:
        user = session.get(User, user_id)
        if user is None:
            raise NotFound()
        user.session_token = new_session_token()
    return user


def user_update_profile(*, user_id: int, display_name: str, locale: str) -> User:
    """Change the display name and preferred language."""
    errors = _check_profile(display_name, locale)
    if errors:
        raise ValidationFailed(fields=errors)
    with write_transaction() as session:
        user = session.get(User, user_id)
        if user is None:
            raise NotFound()
        user.display_name = display_name.strip()
        user.locale = locale
    return user


TOKEN_USE_EVERY = timedelta(minutes=1)  # how often a token's last use is written down


def _token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def token_create(*, user_id: int, name: str = "") -> tuple[ApiToken, str]:
    """A new personal API token; the raw value is returned once and never stored."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with write_transaction() as session:
        if session.get(User, user_id) is None:
            raise NotFound()
        token = ApiToken(
            user_id=user_id,
            name=(name or "").strip()[:100],
            token_hash=_token_hash(raw),
            prefix=raw[:12],
        )
        session.add(token)
    return token, raw


def token_revoke(*, user_id: int, token_id: int) -> None:
    """Revoke one of the user's own tokens (someone else's is not found)."""
    with write_transaction() as session:
        token = session.get(ApiToken, token_id)
        if token is None or token.user_id != user_id:
            raise NotFound()
        token.revoked_at = token.revoked_at or clock.now()


# Built once: every API request runs it, and a statement object keeps its cache key (issue 16).
_TOKEN_WITH_USER = (
    sa.select(User, ApiToken.id, ApiToken.last_used_at)
    .join(ApiToken.user)
    .where(
        ApiToken.token_hash == sa.bindparam("token_hash"),
        ApiToken.revoked_at.is_(None),
        User.active,
    )
)


def token_user(raw: str) -> User | None:
    """The active owner of a valid, unrevoked token, read with the token in one query. Its last
    use is written at most once a minute; within the minute a request writes nothing."""
    if not raw or not raw.startswith(TOKEN_PREFIX) or len(raw) > 100:
        return None
    found = db.session.execute(_TOKEN_WITH_USER, {"token_hash": _token_hash(raw)}).first()
    if found is None:
        return None
    user, token_id, last_used_at = found
    now = clock.now()
    if last_used_at is None or now - last_used_at > TOKEN_USE_EVERY:
        _record_use(token_id, now)
    return user


def _record_use(token_id: int, now) -> None:
    """One conditional UPDATE in a short transaction on a connection of its own (BEGIN IMMEDIATE
    on SQLite), so that the request's session keeps what it has read: the use case that follows
    need not read the user again. Of simultaneous requests, one writes."""
    with db.engine.connect() as conn:
        conn.execution_options(**{IMMEDIATE: True})
        with conn.begin():
            conn.execute(
                sa.update(ApiToken)
                .where(
                    ApiToken.id == token_id,
                    sa.or_(
                        ApiToken.last_used_at.is_(None),
                        ApiToken.last_used_at < now - TOKEN_USE_EVERY,
                    ),
                )
                .values(last_used_at=now)
            )
