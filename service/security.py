"""Hashing for passwords, resident tokens and rate-limit keys; security headers.

Passwords use Argon2id through argon2-cffi (the OWASP-recommended algorithm, well kept).
Resident tokens are long random strings from `secrets` (130 bits for personal survey links,
256 bits from `new_token` for panel links), so one SHA-256 pass is enough to store them: a
stolen table gives nothing to replay. Rate-limit keys use an HMAC with the installation
secret so the sign-in table holds no readable email or IP address.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
from typing import TYPE_CHECKING

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

if TYPE_CHECKING:  # the types only: importing Litestar costs every CLI command ~1 s
    from litestar.types import Message, Scope

_hasher = PasswordHasher()


# Verified against when the account does not exist, so both paths take the same time.
# Made on first use, not at import: an Argon2 hash is ~150 ms that no CLI command needs.
@functools.cache
def _dummy_hash() -> str:
    return _hasher.hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _dummy_hash(), password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def new_token() -> str:
    """A new token (panel unsubscribe and self-service links): 256 bits, URL-safe."""
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def keyed_hash(secret: str, value: str) -> str:
    return hmac.new(secret.encode(), value.encode(), hashlib.sha256).hexdigest()


CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        "object-src 'none'",
    ]
)

SECURITY_HEADERS: list[tuple[bytes, bytes]] = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]


async def add_security_headers(message: Message, scope: Scope) -> None:
    """A `before_send` hook: it sees every response, 404s for unknown paths included
    (Litestar runs middleware only for matched routes)."""
    if message["type"] == "http.response.start":
        headers = list(message.get("headers", []))
        present = {name.lower() for name, _ in headers}
        headers += [(n, v) for n, v in SECURITY_HEADERS if n not in present]
        message["headers"] = headers
