"""Personal API tokens, so a notebook can use the JSON API as its owner without a password.

A token is `rv_` and 256 bits from `service.security.new_token`; only its SHA-256 is stored
(`hash_token`), with a short prefix so the owner can tell tokens apart. It is shown once, when
made. `Authorization: Bearer <token>` on `/api/…` acts as the owner, through the same role
guards as their session, while the account is active, the token not revoked and the owner's
role the one the token was made for.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from service.accounts import get_active_user
from service.security import hash_token, new_token
from service.tables import ApiToken, StaffUser

PREFIX = "rv_"
#: Recording every use would be a write per API request; once a minute says enough.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)
MAX_ACTIVE_TOKENS = 20


class TokenError(ValueError):
    """A token request the owner must correct; `field` names the form field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class NewToken:
    """A token just made: `token` exists only in this object and the page that shows it."""

    id: int
    name: str
    token: str


async def create(owner: StaffUser, name: str) -> NewToken:
    """Make a token for `owner` with their current role."""
    name = name.strip()
    if not name:
        raise TokenError("name", "Enter a name for the token, such as the notebook it is for")
    if len(name) > 100:
        raise TokenError("name", "The name must be 100 characters or fewer")
    active = await ApiToken.count().where(
        (ApiToken.owner == owner.id) & ApiToken.revoked_at.is_null()
    )
    if active >= MAX_ACTIVE_TOKENS:
        raise TokenError("name", f"You have {active} tokens: revoke one you no longer use first")
    token = PREFIX + new_token()
    row = ApiToken(
        owner=owner.id,
        role=owner.role,
        name=name,
        prefix=token[:10],
        token_hash=hash_token(token),
    )
    await row.save()
    return NewToken(id=int(row.id), name=name, token=token)


async def list_for(owner: StaffUser) -> list[dict[str, Any]]:
    """The owner's tokens, newest first, revoked ones included (marked)."""
    return list(
        await ApiToken.select(
            ApiToken.id,
            ApiToken.name,
            ApiToken.prefix,
            ApiToken.role,
            ApiToken.created_at,
            ApiToken.last_used_at,
            ApiToken.revoked_at,
        )
        .where(ApiToken.owner == owner.id)
        .order_by(ApiToken.id, ascending=False)
    )


async def revoke(owner: StaffUser, token_id: int) -> bool:
    """Revoke one of the owner's own tokens; False if it is not theirs or already revoked."""
    match = (ApiToken.id == token_id) & (ApiToken.owner == owner.id) & ApiToken.revoked_at.is_null()
    if not await ApiToken.exists().where(match):
        return False
    await ApiToken.update({ApiToken.revoked_at: dt.datetime.now(dt.UTC)}).where(match)
    return True


async def user_for(token: str) -> StaffUser | None:
    """The active owner of a live token, recording the use; None for anything else."""
    if not token.startswith(PREFIX) or len(token) > 100:
        return None
    row = (
        await ApiToken.select(ApiToken.id, ApiToken.owner, ApiToken.role, ApiToken.last_used_at)
        .where((ApiToken.token_hash == hash_token(token)) & ApiToken.revoked_at.is_null())
        .first()
    )
    if row is None:
        return None
    user = await get_active_user(int(row["owner"]))
    if user is None or user.role != row["role"]:
        return None
    now = dt.datetime.now(dt.UTC)
    last = row["last_used_at"]
    if last is not None and last.tzinfo is None:
        last = last.replace(tzinfo=dt.UTC)
    if last is None or now - last >= LAST_USED_RESOLUTION:
        await ApiToken.update({ApiToken.last_used_at: now}).where(ApiToken.id == row["id"])
    return user
