"""What the OpenAPI document says every `/api` operation can answer besides success.

Litestar documents a handler's success response and, for any handler with a parameter, its own
400, nothing else. `document_api` replaces that with what each handler can really answer,
inferred from what it is (`statuses_for`: its guards, parameters and method): 400 only where a
parameter or body can be invalid, 401 and 403 behind role guards (403 also for a missing CSRF
token on unsafe methods), 404 with path parameters, 413 on unsafe methods; always with the
body the app really sends (`ErrorBody`: `status_code`, `detail` and `errors: [{path,
message}]`), so clients and the schemathesis fuzzer (tests/service/test_api_fuzz.py) see every
status they can get and no other. A handler with a further answer says so in its decorator:
`responses=CONFLICT` (409) or `responses=RATE_LIMITED` (429; no `/api` route rate-limits
today: the limits are on sign-in, sign-up, open survey links and panel link requests, which
are HTML pages outside the document). tests/service/test_api_documents.py checks both against
the route table.

`raw_body` documents a body that a handler reads itself (a survey definition in JSON or YAML),
where a typed `data` parameter would refuse YAML; `file_download` documents a success answer that
comes in one of several media types (the survey export: CSV, Excel, SPSS or a JSON codebook).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import msgspec
from litestar import Litestar
from litestar.handlers import HTTPRouteHandler
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
CONFLICT: dict[int, ResponseSpec] = {409: error_spec(409)}
RATE_LIMITED: dict[int, ResponseSpec] = {429: error_spec(429)}


#: Handler parameters that are not request parameters (Litestar's reserved kwargs).
RESERVED = frozenset({"request", "state", "scope", "headers", "cookies", "query", "body", "socket"})
#: The bounds a parameter may declare (`PathParameter(ge=1)`, `Parameter(pattern=…)`).
CONSTRAINTS = ("gt", "ge", "lt", "le", "min_length", "max_length", "pattern", "enum", "const")


def can_be_invalid(route: HTTPRoute, handler: HTTPRouteHandler) -> bool:
    """Whether a request to this handler can be refused as invalid (400): it takes a body, a
    query parameter or a path parameter Litestar parses or bounds (`{version:int}`, a
    pattern), or its method is unsafe (any form body it is sent goes through
    `service.forms.FormGuardMiddleware`, which refuses bad encodings and repeated fields). A
    handler whose only parameter is a plain `{slug:str}` cannot: an unknown slug is a 404."""
    if handler.http_methods & UNSAFE:
        return True
    dependencies = handler.resolve_dependencies()
    for name, field in handler.parsed_fn_signature.parameters.items():
        if name in RESERVED or name in dependencies:
            continue
        in_path = route.path_parameters.get(name)
        if in_path is None:  # `data`, or a query parameter
            return True
        bounds = field.kwarg_definition
        if in_path.parser is not None or any(
            getattr(bounds, key, None) is not None for key in CONSTRAINTS
        ):
            return True
    return False


def statuses_for(route: HTTPRoute, handler: HTTPRouteHandler) -> list[int]:
    """The error statuses any handler like this can give, from what it is: 400 when a
    parameter or body can be invalid, 401 and 403 behind role guards (403 also for a missing
    CSRF token on unsafe methods), 404 with path parameters, 413 for a body. 409 and 429 are
    not inferred: a handler that can answer them says so (`CONFLICT`, `RATE_LIMITED`)."""
    found = [400] if can_be_invalid(route, handler) else []
    methods = set(handler.http_methods)
    if handler.resolve_guards():
        found += [401, 403]
    elif methods & UNSAFE:
        found.append(403)  # CSRF
    if route.path_parameters:
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
            for status in statuses_for(route, handler):
                responses.setdefault(status, error_spec(status))
            handler.responses = responses
            errors = {status for status in responses if 400 <= status < 500}
            handler.operation_class = only_errors(handler.operation_class, errors)


def only_errors(base: type[Operation], statuses: set[int]) -> type[Operation]:
    """`base` (an `operation_class`) without any 4xx answer but `statuses`: Litestar documents
    its own 400 for every handler with a parameter, a plain `{slug}` included."""

    @dataclass
    class DocumentedOperation(base):  # type: ignore[valid-type,misc]
        def __post_init__(self) -> None:
            getattr(super(), "__post_init__", lambda: None)()
            operation: Operation = self
            if operation.responses:
                operation.responses = {
                    code: answer
                    for code, answer in operation.responses.items()
                    if not code.startswith("4") or int(code) in statuses
                }

    return DocumentedOperation


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
