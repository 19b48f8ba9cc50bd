"""Who may see what in the surveys domain: one place for the rule, so the staff pages and the
JSON API cannot drift apart (both used to import it from the API controller)."""

from __future__ import annotations

from litestar.exceptions import PermissionDeniedException

from service.roles import Role
from service.tables import StaffUser

__all__ = ["PERSONAL_DATA_ROLES", "check_personal"]

PERSONAL_DATA_ROLES = frozenset({Role.ADMIN.value, Role.PANEL_MANAGER.value})


def check_personal(user: StaffUser, include_personal: bool) -> None:
    """Names and contact details only for roles that may see them, and only when asked."""
    if include_personal and user.role not in PERSONAL_DATA_ROLES:
        raise PermissionDeniedException(
            "your role does not allow personal data in exports; leave include_personal off"
        )
