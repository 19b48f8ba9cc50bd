"""The staff navigation: which sections a role sees. Domains add entries to NAVIGATION."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from service.roles import Role


@dataclass(frozen=True)
class NavItem:
    text: str
    href: str
    roles: frozenset[str]


NAVIGATION: list[NavItem] = [
    NavItem("Panel members", "/staff/panel", frozenset({Role.PANEL_MANAGER.value})),
    NavItem(
        "Surveys",
        "/staff/surveys",
        frozenset({Role.PANEL_MANAGER.value, Role.RESEARCH_OFFICER.value}),
    ),
    NavItem("Accessibility audits", "/staff/accessibility", frozenset({Role.WEB_TEAM.value})),
    NavItem("Staff accounts", "/staff/users", frozenset()),
    NavItem("Audit log", "/staff/audit", frozenset()),
    NavItem("Your account and API tokens", "/staff/account", frozenset(r.value for r in Role)),
]


def staff_navigation(request: Any) -> list[dict[str, Any]]:
    user = request.scope.get("user") if request is not None else None
    if user is None:
        return []
    path = request.url.path
    return [
        {"text": item.text, "href": item.href, "active": path.startswith(item.href)}
        for item in NAVIGATION
        if user.role == Role.ADMIN.value or user.role in item.roles
    ]
