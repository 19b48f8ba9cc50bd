"""Domain discovery: the domain list comes from the app registry, and a misspelt room fails."""

from __future__ import annotations

import sys
import types

import pytest

from piccolo_conf import APP_REGISTRY
from service import domains


def test_domains_are_the_registered_apps_except_service() -> None:
    apps = [app.split(".")[0] for app in APP_REGISTRY.apps]
    assert "service" not in domains.DOMAINS
    assert list(domains.DOMAINS) == [app for app in apps if app != "service"]


def test_a_room_with_a_misspelt_name_fails_loudly(monkeypatch: pytest.MonkeyPatch) -> None:
    package = types.ModuleType("misspelt_domain")
    package.__path__ = []
    module = types.ModuleType("misspelt_domain.controllers")
    module.ROUTS = []  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "misspelt_domain", package)
    monkeypatch.setitem(sys.modules, "misspelt_domain.controllers", module)
    monkeypatch.setattr(domains, "DOMAINS", (*domains.DOMAINS, "misspelt_domain"))
    with pytest.raises(
        domains.DomainError, match=r"misspelt_domain\.controllers exposes none of ROUTES"
    ):
        domains.routes()


def test_a_domain_with_only_some_rooms_is_fine(monkeypatch: pytest.MonkeyPatch) -> None:
    package = types.ModuleType("partial_domain")
    package.__path__ = []
    cli = types.ModuleType("partial_domain.cli")
    cli.COMMANDS = ["partial-command"]  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "partial_domain", package)
    monkeypatch.setitem(sys.modules, "partial_domain.cli", cli)
    monkeypatch.setattr(domains, "DOMAINS", (*domains.DOMAINS, "partial_domain"))
    assert domains.commands()[-1] == "partial-command"
    assert len(domains.routes()) > 0
    # a jobs module with only PERIODIC is fine too: JOBS is not required of it
    jobs = types.ModuleType("partial_domain.jobs")
    jobs.PERIODIC = ["partial-periodic"]  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "partial_domain.jobs", jobs)
    assert domains.periodic()[-1] == "partial-periodic"
    assert "partial-periodic" not in domains.jobs()


def test_navigation_comes_from_each_domain_in_domain_order(monkeypatch: pytest.MonkeyPatch) -> None:
    from service import navigation

    hrefs = [item.href for item in navigation.navigation()]
    assert hrefs == [
        "/staff/panel",
        "/staff/surveys",
        "/staff/measures",
        "/staff/accessibility",
        "/staff/users",
        "/staff/audit",
        "/staff/jobs",
        "/staff/account",
    ]
    package = types.ModuleType("nav_domain")
    package.__path__ = []
    module = types.ModuleType("nav_domain.controllers")
    module.ROUTES = []  # type: ignore[attr-defined]
    module.NAVIGATION = [navigation.NavItem("Reports", "/staff/reports", frozenset())]  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "nav_domain", package)
    monkeypatch.setitem(sys.modules, "nav_domain.controllers", module)
    monkeypatch.setattr(domains, "DOMAINS", (*domains.DOMAINS, "nav_domain"))
    hrefs = [item.href for item in navigation.navigation()]
    assert hrefs[-5:] == [
        "/staff/reports",
        "/staff/users",
        "/staff/audit",
        "/staff/jobs",
        "/staff/account",
    ]
