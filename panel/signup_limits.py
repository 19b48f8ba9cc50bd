"""The sign-up rate limit: at most `PANEL_SIGNUPS_PER_HOUR` (default 10) completed sign-ups an
hour from one client address (as `service.proxies.request_address` sees it), so a script
cannot flood the applicants list or send confirmation mail to strangers.

Only a keyed hash of the address is stored (the address is personal data), in
`SignupAttempt`; rows older than the window are removed as new ones come in.
"""

from __future__ import annotations

import datetime as dt

from panel.tables import SignupAttempt
from service.db import serialise_on
from service.security import keyed_hash

WINDOW = dt.timedelta(hours=1)


def address_key(secret: str, address: str) -> str:
    return keyed_hash(secret, "signup-address:" + address)[:64]


async def allow(address_hash: str, limit: int, now: dt.datetime | None = None) -> bool:
    """True, and the attempt counted, when this address is under `limit` an hour (0: no limit)."""
    if limit <= 0:
        return True
    now = now or dt.datetime.now(dt.UTC)
    since = now - WINDOW
    engine = SignupAttempt._meta.db
    async with engine.transaction():
        # In turn with other sign-ups from this address: parallel ones would all count the
        # same rows and all pass (service.db.serialise_on).
        await serialise_on(engine, "signup:" + address_hash)
        await SignupAttempt.delete().where(SignupAttempt.created_at < since)
        recent = await SignupAttempt.count().where(
            (SignupAttempt.address_hash == address_hash) & (SignupAttempt.created_at >= since)
        )
        if recent >= limit:
            return False
        await SignupAttempt.insert(SignupAttempt(address_hash=address_hash, created_at=now))
    return True
