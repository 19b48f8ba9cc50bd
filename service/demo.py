"""`resident-voice demo`: staff accounts, then each domain's demo data, idempotently."""

from __future__ import annotations

import secrets
from collections.abc import Callable

from service import domains
from service.accounts import create_user
from service.migrations import migrate
from service.roles import Role
from service.settings import get_settings
from service.tables import StaffUser

DEMO_STAFF = [
    (Role.ADMIN, "admin@northbridge.example.gov.uk", "Ada Admin"),
    (Role.PANEL_MANAGER, "panel@northbridge.example.gov.uk", "Priya Panel"),
    (Role.RESEARCH_OFFICER, "research@northbridge.example.gov.uk", "Rhys Research"),
    (Role.WEB_TEAM, "web@northbridge.example.gov.uk", "Wen Web"),
]


async def create_demo_staff(out: Callable[[str], None]) -> dict[str, str]:
    """One account per role. A password is printed only when the account is created."""
    created: dict[str, str] = {}
    out("Demo staff sign-ins:")
    for role, email, name in DEMO_STAFF:
        if await StaffUser.exists().where(StaffUser.email == email):
            out(
                f"  {role.value:<17} {email}  (exists; new password: "
                f"resident-voice user reset-password --email {email})"
            )
            continue
        password = secrets.token_urlsafe(12)
        await create_user(email, name, role.value, password)
        created[email] = password
        out(f"  {role.value:<17} {email}  password: {password}")
    return created


async def load_demo(out: Callable[[str], None], base_url: str | None = None) -> None:
    settings = get_settings()
    base_url = (base_url or settings.public_url).rstrip("/")
    ran = await migrate()
    if ran:
        out(f"Applied {len(ran)} migration(s).")
    for loader in domains.demo_loaders():
        await loader(out, base_url)
    await create_demo_staff(out)
    out(f"Staff sign-in: {base_url}/staff/sign-in")
