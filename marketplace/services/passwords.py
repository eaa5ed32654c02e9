"""Password policy and hashing (argon2id), in one place for sign-up, change and CLI."""

import gzip
import re
from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import lazy_gettext as _l

MIN_LENGTH = 12
MAX_LENGTH = 128
COMMON_FILE = Path(__file__).resolve().parent.parent / "data" / "common-passwords.txt.gz"

# argon2-cffi's defaults are RFC 9106's low-memory profile (argon2id, t=3, m=64 MiB, p=4),
# above the OWASP floor (m=19 MiB, t=2). The test suite lowers the cost (still argon2id) so
# that hundreds of sign-ups stay fast; see configure().
_hasher = PasswordHasher()
_dummy_hash = None


def configure(app):
    """Use cheaper argon2id parameters when the app asks (tests only)."""
    global _hasher, _dummy_hash
    if app.config.get("ARGON2_FAST"):
        _hasher = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1)
    else:
        _hasher = PasswordHasher()
    _dummy_hash = None


@lru_cache(maxsize=1)
def _common() -> frozenset[str]:
    with gzip.open(COMMON_FILE, "rt", encoding="utf-8") as f:
        return frozenset(
            line.strip().lower() for line in f if line.strip() and not line.startswith("#")
        )


def password_problem(password: str) -> str | None:
    """Why `password` is not acceptable, or None. Spaces and any characters are allowed."""
    if len(password) < MIN_LENGTH:
        return _l("Use at least %(n)d characters.", n=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        return _l("Use at most %(n)d characters.", n=MAX_LENGTH)
    lowered = password.lower()
    # "password123456" or "!!salasana!!" are the common word with decoration around it.
    core = re.sub(r"^[\W\d_]+|[\W\d_]+$", "", lowered)
    if lowered in _common() or (core and core in _common()) or len(set(lowered)) <= 2:
        return _l("This password is too common. Choose a longer phrase of your own.")
    return None


def hash_password(password: str) -> str:
    """An argon2id hash of `password`."""
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """True if `password` matches; never raises for a malformed hash."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with weaker parameters than today's."""
    return _hasher.check_needs_rehash(password_hash)


def burn_time(password: str) -> None:
    """Verify against a dummy hash, so an unknown e-mail takes as long as a wrong password."""
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = _hasher.hash("not-a-real-password-used-for-timing")
    verify_password(_dummy_hash, password)
