"""Is the service's database reachable? For the load balancers' health check."""

from __future__ import annotations

from service.db import ping
from service.tables import StaffUser


async def database_reachable() -> bool:
    """True when the database (the one the staff tables live in) runs a trivial query."""
    try:
        await ping(StaffUser._meta.db)
    except Exception:  # any failure means "not healthy"; the reason is not for the public
        return False
    return True
