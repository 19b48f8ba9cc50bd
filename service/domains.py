"""Discovery of each domain's routes, commands, jobs and demo loaders, by convention.

The only place that knows every domain. A domain plugs in by exposing `ROUTES` in
controllers.py, `COMMANDS` in cli.py, `JOBS`/`PERIODIC` in jobs.py and `load_demo` in demo.py;
its `/metrics` figures as `collect` in metrics.py; and its staff navigation entries as
`NAVIGATION` in controllers.py (`service.navigation`); a
room a domain does not have is simply absent.

The domains are listed once, in `piccolo_conf.APP_REGISTRY` (every app except `service`). A room
module that exists but exposes none of its expected names (a misspelt `ROUTES`, say) is a
mistake, not an absent room: `collect` raises `DomainError` so start-up fails loudly.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from types import ModuleType
from typing import Any

from piccolo_conf import APP_REGISTRY

DOMAINS: tuple[str, ...] = tuple(
    app.split(".")[0] for app in APP_REGISTRY.apps if app.split(".")[0] != "service"
)

EXPECTED: dict[str, tuple[str, ...]] = {
    "controllers": ("ROUTES",),
    "cli": ("COMMANDS",),
    "jobs": ("JOBS", "PERIODIC"),
    "demo": ("load_demo",),
    "metrics": ("collect",),
}


class DomainError(RuntimeError):
    """A domain's room module exposes none of the names `service` looks for."""


def check_room(module: ModuleType, room: str) -> None:
    """Raise `DomainError` when `module` exposes none of the names expected of `room`."""
    expected = EXPECTED.get(room, ())
    if expected and not any(hasattr(module, name) for name in expected):
        raise DomainError(
            f"{module.__name__} exposes none of {', '.join(expected)}: "
            "misspelt, or remove the module"
        )


def _room(domain: str, room: str) -> ModuleType | None:
    name = f"{domain}.{room}"
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as error:
        if error.name == name:
            return None
        raise


def collect(room: str, attribute: str) -> list[Any]:
    """Every domain's `room.attribute`, in DOMAINS order, flattened when it is a list."""
    found: list[Any] = []
    for domain in DOMAINS:
        module = _room(domain, room)
        if module is None:
            continue
        check_room(module, room)
        if not hasattr(module, attribute):
            continue
        value = getattr(module, attribute)
        if isinstance(value, list | tuple):
            found.extend(value)
        else:
            found.append(value)
    return found


def routes() -> list[Any]:
    return collect("controllers", "ROUTES")


def commands() -> list[Any]:
    return collect("cli", "COMMANDS")


def jobs() -> dict[str, Callable[..., Any]]:
    merged: dict[str, Callable[..., Any]] = {}
    for table in collect("jobs", "JOBS"):
        merged.update(table)
    return merged


def periodic() -> list[Any]:
    return collect("jobs", "PERIODIC")


def metric_collectors() -> list[Callable[..., Any]]:
    """Each domain's `metrics.collect()`: async, returns `service.metrics.Sample`s read at
    scrape time (audit runs by status, stored responses)."""
    return collect("metrics", "collect")


def demo_loaders() -> list[Callable[..., Any]]:
    return collect("demo", "load_demo")
