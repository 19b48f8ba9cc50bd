"""The accessibility domain's errors, shared by its services and controllers."""

from __future__ import annotations

__all__ = ["NotFound", "SiteError"]


class NotFound(LookupError):
    """No such site or run."""


class SiteError(ValueError):
    """Bad site settings or mark; ``errors`` are (field, message) pairs."""

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{f}: {m}" for f, m in errors))
