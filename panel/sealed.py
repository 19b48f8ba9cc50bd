"""Small encrypted, signed values for cookies (AES-GCM from `cryptography`).

The sign-up pages keep the answers given so far in a cookie, so each page is a plain GET and a
POST that redirects (back links and the browser's back button work, no JavaScript, nothing
stored about a person who gives up half-way). The cookie is encrypted, not only signed, because
it holds a name and contact details; it carries its own expiry.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import time
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM


def _key(secret: str, purpose: str) -> bytes:
    return hashlib.sha256(f"{purpose}\x00{secret}".encode()).digest()


def seal(value: dict[str, Any], secret: str, purpose: str) -> str:
    nonce = os.urandom(12)
    payload = json.dumps({"v": value, "t": int(time.time())}, separators=(",", ":")).encode()
    box = AESGCM(_key(secret, purpose)).encrypt(nonce, payload, purpose.encode())
    return base64.urlsafe_b64encode(nonce + box).decode().rstrip("=")


def unseal(token: str, secret: str, purpose: str, max_age_s: int) -> dict[str, Any] | None:
    """The sealed value, or None when it was tampered with, is for another purpose or is old."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        payload = AESGCM(_key(secret, purpose)).decrypt(raw[:12], raw[12:], purpose.encode())
        data = json.loads(payload)
    except (ValueError, InvalidTag, TypeError):
        return None
    if not isinstance(data, dict) or time.time() - data.get("t", 0) > max_age_s:
        return None
    value = data.get("v")
    return value if isinstance(value, dict) else None
