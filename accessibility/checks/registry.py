"""The one registry of our browser checks; each check module registers itself on import."""

from __future__ import annotations

from collections.abc import Callable

from accessibility.checks.base import Check, CheckFn, CheckMeta

__all__ = ["REGISTRY", "is_best_practice", "register"]

REGISTRY: dict[str, Check] = {}


def register(meta: CheckMeta) -> Callable[[CheckFn], CheckFn]:
    """Decorator: add the function to :data:`REGISTRY` under ``meta.id`` (ids are unique)."""

    def decorate(fn: CheckFn) -> CheckFn:
        if meta.id in REGISTRY:
            raise ValueError(f"check id {meta.id!r} is registered twice")
        REGISTRY[meta.id] = Check(meta=meta, run=fn)
        return fn

    return decorate


def is_best_practice(rule: str) -> bool:
    """Is ``rule`` one of our best-practice checks (sure findings, but no WCAG failure)?"""
    check = REGISTRY.get(rule)
    return check is not None and not check.meta.wcag_failure
