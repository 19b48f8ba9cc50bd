"""What the OpenAPI document says every `/api` operation can answer besides success.

Litestar documents a handler's success response and its own 400, nothing else, yet every
`/api` handler can also answer 401 (no session or token), 403 (a role that may not; on unsafe
methods, a missing CSRF token), 404 (an unknown path id or slug) and 413 (a body over the
limit). `document_api` adds these to each operation from what the handler is (its guards, path
parameters and method), always with the body the app really sends (`ErrorBody`: `status_code`,
`detail` and `errors: [{path, message}]`), so clients and the schemathesis fuzzer
(tests/service/test_api_fuzz.py) see every status they can get. A handler with a further answer
says so in its decorator: `responses=CONFLICT` (409) or `responses=RATE_LIMITED` (429).

`raw_body` documents a body that a handler reads itself (a survey definition in JSON or YAML),
where a typed `data` parameter would refuse YAML; `file_download` documents a success answer that
comes in one of several media types (the survey export: CSV, Excel, SPSS or a JSON codebook).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import msgspec
from litestar import Litestar
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import (
    Components,
    OpenAPIFormat,
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Operation,
    RequestBody,
    Schema,
    SecurityScheme,
)
from litestar.routes import HTTPRoute

API_PREFIX = "/api/"
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class ErrorItem(msgspec.Struct):
    """One thing wrong: the field (`version`, `member_references[2]`, `body`) and why."""

    path: str
    message: str


class ErrorBody(msgspec.Struct):
    """Every `/api` error: `errors` always has at least one item for a 4xx."""

    status_code: int
    detail: str
    errors: list[ErrorItem]
    extra: Any = None  # Litestar's validation detail, when there is one


DESCRIPTIONS = {
    400: "The request is not valid: each item of `errors` names a field",
    401: "Not signed in: no session, or the API token is not valid or was revoked",
    403: "Your role may not do this, or (unsafe methods) the CSRF token is missing",
    404: "No such survey, draw, site, run or measure",
    409: "The request conflicts with what is stored; nothing was written",
    413: "The request body is too large",
    429: "Too many requests; wait, then try again",
}


#: Besides the session cookie (which the session middleware documents itself): a personal API
#: token, made at /staff/account, sent as `Authorization: Bearer rv_…` and accepted under /api/
#: only (service.auth). Either one; the route's role guards decide the rest.
API_TOKEN_COMPONENTS = Components(
    security_schemes={
        "apiToken": SecurityScheme(
            type="http",
            scheme="bearer",
            description="A personal API token (`rv_…`) made at /staff/account, accepted "
            "under /api/ only. A request with the token and no session cookie needs no CSRF "
            "token; with the session cookie (`sessionCookie`), unsafe methods need the "
            "`rv_csrf` cookie's value in the `x-csrftoken` header",
        )
    }
)
API_TOKEN_SECURITY: list[dict[str, list[str]]] = [{"apiToken": []}]


def error_spec(status: int) -> ResponseSpec:
    return ResponseSpec(
        data_container=ErrorBody, description=DESCRIPTIONS[status], generate_examples=False
    )


#: For decorators: `@post(..., responses=CONFLICT)`.
UNCHANGED: dict[int, ResponseSpec] = {
    200: ResponseSpec(
        data_container=dict[str, Any],
        description="Nothing changed (the same definition was already stored): nothing was made",
        generate_examples=False,
    )
}
CONFLICT: dict[int, ResponseSpec] = {409: error_spec(409)}
RATE_LIMITED: dict[int, ResponseSpec] = {429: error_spec(429)}


def statuses_for(path: str, methods: set[str], guarded: bool) -> list[int]:
    """The error statuses any handler like this can give, from what it is."""
    found = [400]
    if guarded:
        found += [401, 403]
    elif methods & UNSAFE:
        found.append(403)  # CSRF
    if "{" in path:
        found.append(404)
    if methods & UNSAFE:
        found.append(413)
    return found


def document_api(app: Litestar) -> None:
    """Add the standard error responses to every `/api` operation of `app` (before its
    OpenAPI document is first built: Litestar builds it lazily, on the first request)."""
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or not route.path.startswith(API_PREFIX):
            continue
        for handler in route.route_handlers:
            if not handler.resolve_include_in_schema():
                continue
            responses = dict(handler.responses or {})
            guarded = bool(handler.resolve_guards())
            for status in statuses_for(route.path, set(handler.http_methods), guarded):
                responses.setdefault(status, error_spec(status))
            handler.responses = responses


def raw_body(description: str, *media_types: str) -> type[Operation]:
    """An `operation_class` that documents a free-form JSON object body a handler parses
    itself, in each of `media_types`."""

    @dataclass
    class RawBodyOperation(Operation):
        def __post_init__(self) -> None:
            schema = Schema(type=OpenAPIType.OBJECT, description=description)
            self.request_body = RequestBody(
                content={media: OpenAPIMediaType(schema=schema) for media in media_types},
                required=True,
                description=description,
            )

    return RawBodyOperation


#: A binary file's bytes.
BINARY = Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY)
#: A text file's characters (CSV).
TEXT = Schema(type=OpenAPIType.STRING)


def file_download(
    description: str, content: dict[str, Schema], status: int = 200
) -> type[Operation]:
    """An `operation_class` whose `status` answer is one of several media types, each with its
    own schema (`{"text/csv": Schema(type=STRING), "application/json": Schema(...)}`). Give the
    bare media types: Litestar adds `; charset=utf-8` to `text/` ones when it sends them."""

    @dataclass
    class FileOperation(Operation):
        def __post_init__(self) -> None:
            headers = self.responses.get(str(status)) if self.responses else None
            self.responses = {
                **(self.responses or {}),
                str(status): OpenAPIResponse(
                    description=description,
                    content={media: OpenAPIMediaType(schema=s) for media, s in content.items()},
                    headers=getattr(headers, "headers", None),
                ),
            }

    return FileOperation
