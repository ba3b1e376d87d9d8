"""Password hashes for the console's users: scrypt (the standard library's), salted, encoded in one string.

``scrypt$N$r$p$salt$hash`` with the salt and hash in URL-safe base64. Verifying recomputes with the stored
parameters and compares in constant time, so old hashes keep working if the defaults are raised later.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from functools import cache

from riskwatch.web.options import HASH_PREFIX

# N=2^15, r=8: ~32 MiB and ~50 ms a hash here; OWASP's scrypt minimum is N=2^17 with r=8, p=1 or
# N=2^15 with p>=3 at the same memory, hence p=3.
N, R, P = 2**15, 8, 3
MAX_MEMORY = 128 * 1024 * 1024
SALT_BYTES, HASH_BYTES = 16, 32


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=MAX_MEMORY, dklen=HASH_BYTES
    )


def hash_password(password: str) -> str:
    if not password:
        raise ValueError("an empty password cannot be used")
    salt = secrets.token_bytes(SALT_BYTES)
    return f"{HASH_PREFIX}{N}${R}${P}${_b64(salt)}${_b64(_scrypt(password, salt, N, R, P))}"


def verify_password(password: str, encoded: str) -> bool:
    """Whether ``password`` matches ``encoded``; a malformed hash never matches."""
    try:
        _, n, r, p, salt, expected = encoded.split("$")
        digest = _scrypt(password, _unb64(salt), int(n), int(r), int(p))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(digest, _unb64(expected))


@cache
def dummy_hash() -> str:
    """Checked against when the user name is unknown, so a wrong name costs as long as a wrong password."""
    return hash_password(secrets.token_urlsafe(16))
