"""Discovery of each domain's routes, commands, jobs and demo loaders, by convention.

The only place that knows every domain. A domain plugs in by exposing `ROUTES` in
controllers.py, `COMMANDS` in cli.py, `JOBS`/`PERIODIC` in jobs.py and `load_demo` in demo.py;
a room a domain does not have is simply absent.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from types import ModuleType
from typing import Any

DOMAINS = ("panel", "surveys", "accessibility")


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
        if module is None or not hasattr(module, attribute):
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


def demo_loaders() -> list[Callable[..., Any]]:
    return collect("demo", "load_demo")
