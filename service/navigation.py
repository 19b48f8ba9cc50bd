"""The staff navigation: which sections a role sees.

Each domain lists its own sections as ``NAVIGATION: list[NavItem]`` in its ``controllers``
module (beside the routes they lead to); they are collected through ``service.domains`` in
``DOMAINS`` order, so adding a domain never edits this file. ``service``'s own sections come
last.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from service.roles import Role


@dataclass(frozen=True)
class NavItem:
    text: str
    href: str
    #: Roles that see the entry besides administrators (who see every entry).
    roles: frozenset[str]


#: The sections ``service`` itself serves (administrators only).
SERVICE_NAVIGATION: list[NavItem] = [
    NavItem("Staff accounts", "/staff/users", frozenset()),
    NavItem("Audit log", "/staff/audit", frozenset()),
    NavItem("Background jobs", "/staff/jobs", frozenset()),
    NavItem("Your account and API tokens", "/staff/account", frozenset(r.value for r in Role)),
]


def navigation() -> list[NavItem]:
    """Every domain's entries in ``DOMAINS`` order, then ``service``'s own."""
    from service.domains import collect

    return [*collect("controllers", "NAVIGATION"), *SERVICE_NAVIGATION]


def staff_navigation(request: Any) -> list[dict[str, Any]]:
    user = request.scope.get("user") if request is not None else None
    if user is None:
        return []
    path = request.url.path
    return [
        {"text": item.text, "href": item.href, "active": path.startswith(item.href)}
        for item in navigation()
        if user.role == Role.ADMIN.value or user.role in item.roles
    ]
