"""No NUL character (U+0000) reaches the database from a request's path, query or body.

PostgreSQL refuses U+0000 in text (`invalid byte sequence for encoding "UTF8": 0x00`), so a
slug, a member reference, a site name or an answer carrying one used to come back as a 500 on
PostgreSQL only (SQLite stores it); the fuzz run, on SQLite, could not see it. No real name,
reference or answer contains one, so `NulGuardMiddleware` refuses it before any handler runs:

- in the path: **404** (nothing stored has such a name: `/api/surveys/a%00b` is no survey);
- in a query parameter: **400** naming the parameter;
- in a JSON or YAML body (written `"\\u0000"`; YAML also `"\\0"`): **400** naming the field
  (`member_references[0]`, `answers.comments`).

Form bodies are checked the same way by `service.forms` (400 naming the field).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

import yaml
from litestar.exceptions import ClientException, NotFoundException
from litestar.exceptions.http_exceptions import RequestEntityTooLarge
from litestar.types import ASGIApp, Receive, Scope, Send

from service.forms import HAS_NUL, too_large

__all__ = ["NUL_MESSAGE", "NulGuardMiddleware", "nul_paths"]

NUL_MESSAGE = HAS_NUL
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
#: How JSON (`\u0000`) and YAML (also `\0`, `\x00`) write U+0000 inside a string.
ESCAPES = (b"\\u0000", b"\\0", b"\\x00")


def nul_paths(value: Any, path: str = "") -> list[str]:
    """The paths (`a.b[2]`) of every string in a decoded JSON value that holds U+0000."""
    if isinstance(value, str):
        return [path or "body"] if "\x00" in value else []
    if isinstance(value, dict):
        found: list[str] = []
        for key, item in value.items():
            name = f"{path}.{key}" if path else str(key)
            found += [name] if "\x00" in str(key) else nul_paths(item, name)
        return found
    if isinstance(value, list):
        return [p for i, item in enumerate(value) for p in nul_paths(item, f"{path}[{i}]")]
    return []


def _refuse(fields: list[str]) -> ClientException:
    return ClientException(
        detail=f"The request could not be read: {fields[0]} {NUL_MESSAGE}",
        extra=[{"key": field, "message": f"This value {NUL_MESSAGE}"} for field in fields],
    )


class NulGuardMiddleware:
    """Refuses U+0000 in the path, the query and JSON bodies (see the module docstring)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self.check(scope, receive)
        await self.app(scope, receive, send)

    async def check(self, scope: Scope, receive: Receive) -> None:
        if "\x00" in scope["path"]:
            raise NotFoundException(
                detail="There is nothing at this address",
                extra=[{"key": "path", "message": f"The address {NUL_MESSAGE}"}],
            )
        query = scope.get("query_string", b"")
        if b"%00" in query:
            names = [
                name or "query"
                for name, value in parse_qsl(query.decode("latin-1"), keep_blank_values=True)
                if "\x00" in name or "\x00" in value
            ]
            raise _refuse(names or ["query"])
        if scope.get("method") not in UNSAFE:
            return
        request: Any = scope["litestar_app"].request_class(scope=scope, receive=receive)
        content_type = request.content_type[0]
        if content_type not in ("application/json", "application/yaml"):
            return
        try:
            body = await request.body()  # cached: the handler reuses it
        except RequestEntityTooLarge:
            raise too_large(request.route_handler.resolve_request_max_body_size()) from None
        if not any(escape in body for escape in ESCAPES):
            return
        try:
            if content_type == "application/yaml":
                value = yaml.safe_load(body.decode("utf-8"))
            else:
                value = json.loads(body)
        except (ValueError, yaml.YAMLError):
            return  # malformed: the handler says what is wrong with it
        fields = nul_paths(value)
        if fields:
            raise _refuse(fields)
