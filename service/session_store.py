"""A Litestar `Store` kept in the database, for server-side staff sessions.

Sessions in the database survive restarts and are shared by every worker process. The store
keeps a SHA-256 of the session id, so a copy of the table cannot be replayed as cookies.
"""

from __future__ import annotations

import datetime as dt

from litestar.stores.base import Store

from service.security import hash_token
from service.tables import StaffSession


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _expiry(expires_in: int | dt.timedelta | None) -> dt.datetime | None:
    if expires_in is None:
        return None
    seconds = expires_in.total_seconds() if isinstance(expires_in, dt.timedelta) else expires_in
    return _now() + dt.timedelta(seconds=seconds)


class DatabaseSessionStore(Store):
    async def set(
        self, key: str, value: str | bytes, expires_in: int | dt.timedelta | None = None
    ) -> None:
        data = value.encode() if isinstance(value, str) else value
        hashed = hash_token(key)
        expires_at = _expiry(expires_in)
        async with StaffSession._meta.db.transaction():
            updated = (
                await StaffSession.update(
                    {StaffSession.data: data, StaffSession.expires_at: expires_at}
                )
                .where(StaffSession.key == hashed)
                .returning(StaffSession.id)
            )
            if not updated:
                await StaffSession(key=hashed, data=data, expires_at=expires_at).save()

    async def get(self, key: str, renew_for: int | dt.timedelta | None = None) -> bytes | None:
        row = (
            await StaffSession.select(StaffSession.data, StaffSession.expires_at)
            .where(StaffSession.key == hash_token(key))
            .first()
        )
        if row is None:
            return None
        expires_at = row["expires_at"]
        if expires_at is not None and expires_at <= _now():
            await self.delete(key)
            return None
        if renew_for is not None and expires_at is not None:
            await StaffSession.update({StaffSession.expires_at: _expiry(renew_for)}).where(
                StaffSession.key == hash_token(key)
            )
        return bytes(row["data"])

    async def delete(self, key: str) -> None:
        await StaffSession.delete().where(StaffSession.key == hash_token(key))

    async def delete_all(self) -> None:
        await StaffSession.delete(force=True)

    async def exists(self, key: str) -> bool:
        return await self.get(key) is not None

    async def expires_in(self, key: str) -> int | None:
        row = (
            await StaffSession.select(StaffSession.expires_at)
            .where(StaffSession.key == hash_token(key))
            .first()
        )
        if row is None or row["expires_at"] is None:
            return None
        return max(0, int((row["expires_at"] - _now()).total_seconds()))

    async def delete_expired(self) -> int:
        deleted = (
            await StaffSession.delete()
            .where(StaffSession.expires_at < _now())
            .returning(StaffSession.id)
        )
        return len(deleted)
