"""What every HTML form post must be before a handler sees it: small, UTF-8, one value a field.

`FormGuardMiddleware` runs before the CSRF check on every unsafe request whose body is a form
(`application/x-www-form-urlencoded` or `multipart/form-data`) and refuses, before any handler
runs (so nothing is stored):

- a body over the route's limit: **413**. The limit is Litestar's own `request_max_body_size`:
  `FORM_MAX_BYTES` (256 KB) for the whole app (`service.app`), raised only where a route says
  so (the panel import upload, `panel.controllers.imports`: 20 MB + 64 KB; a survey definition
  upload: `surveys.services.definition_uploads.MAX_FORM_BYTES`);
- a field name or value that is not UTF-8 (a `%FF` escape, or raw non-ASCII bytes, which a
  browser never sends in a urlencoded body and Litestar would read as Latin-1): **400** naming
  the field. Litestar itself replaces undecodable escapes with U+FFFD silently, and fails with
  a 500 on a multipart part that is not UTF-8;
- a field name or value holding U+0000 (`%00`), which PostgreSQL cannot store: **400** naming
  the field (paths, queries and JSON bodies: `service.nul_guard`);
- a field sent more than once: **400** naming it. One value a field is the rule; a route whose
  form has checkboxes lists their names in `opt={FORM_REPEATS: (...)}`, and a route whose
  repeatable fields depend on stored data (a survey's multiple-choice questions) says
  `opt={FORM_REPEATS: CHECKED_BY_HANDLER}` and calls `refuse_repeats` itself. `_csrf_token`
  may never repeat.

Each refusal is an `HTTPException` whose `extra` names the field, so `service.errors` shows
people a GOV.UK error page listing it and gives programs `errors: [{path, message}]`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable
from typing import Any
from urllib.parse import unquote_to_bytes

from litestar.datastructures import FormMultiDict
from litestar.enums import RequestEncodingType
from litestar.exceptions import ClientException
from litestar.exceptions.http_exceptions import RequestEntityTooLarge
from litestar.types import ASGIApp, Receive, Scope, Send

__all__ = [
    "CHECKED_BY_HANDLER",
    "FORM_MAX_BYTES",
    "FORM_REPEATS",
    "FormGuardMiddleware",
    "FormProblem",
    "refuse_repeats",
]

#: Every form's limit unless its route sets a larger `request_max_body_size`.
FORM_MAX_BYTES = 256 * 1024
#: The route `opt` key listing the fields that may repeat (checkboxes).
FORM_REPEATS = "form_repeats"
#: `opt={FORM_REPEATS: CHECKED_BY_HANDLER}`: the handler calls `refuse_repeats` itself.
CHECKED_BY_HANDLER = "checked-by-handler"
NEVER_REPEATS = frozenset({"_csrf_token"})
FORM_TYPES = frozenset({RequestEncodingType.URL_ENCODED, RequestEncodingType.MULTI_PART})
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})

NOT_UTF8 = "is not valid UTF-8 text"
NOT_ENCODED = "has characters that are not percent-encoded"
REPEATED = "was sent more than once; it takes one value"
#: PostgreSQL cannot store U+0000 in text (see service.nul_guard).
HAS_NUL = "contains a NUL character (U+0000), which is never valid here"


class FormProblem(ClientException):
    """A form that no handler should see (400); `extra` names each field that is wrong."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        field, message = problems[0]
        super().__init__(
            detail=f"The form could not be read: {field} {message}",
            extra=[
                {"key": field, "message": f"This field {message}"} for field, message in problems
            ],
        )


def too_large(limit: int | None) -> RequestEntityTooLarge:
    limit = limit or 0  # only raised when the route has a limit
    # exact, not rounded down: 1 MB + 64 KB is "1,088 KB", not "1 MB"
    size = f"{limit // 2**20} MB" if limit and limit % 2**20 == 0 else f"{limit // 1024:,} KB"
    message = f"The request body is too large: the limit is {size}"
    return RequestEntityTooLarge(detail=message, extra=[{"key": "body", "message": message}])


def _text(raw: bytes, field: str) -> str:
    """A urlencoded name or value, `+` and `%XX` decoded, as strict UTF-8."""
    if not raw.isascii():
        raise FormProblem([(field, NOT_ENCODED)])
    try:
        text = unquote_to_bytes(raw.replace(b"+", b" ")).decode("utf-8")
    except UnicodeDecodeError:
        raise FormProblem([(field, NOT_UTF8)]) from None
    if "\x00" in text:
        raise FormProblem([(field, HAS_NUL)])
    return text


def urlencoded_names(body: bytes) -> list[str]:
    """The field names of a urlencoded body, in order, after checking every name and value
    decodes as UTF-8 (the check Litestar's own parser does not make)."""
    names: list[str] = []
    for chunk in body.split(b"&"):
        if not chunk:
            continue
        raw_name, _, raw_value = chunk.partition(b"=")
        name = _text(raw_name, "a field name")
        _text(raw_value, name or "a field")
        names.append(name)
    return names


def repeated(names: Iterable[str], allowed: Collection[str] = ()) -> list[str]:
    return sorted(
        name
        for name, count in Counter(names).items()
        if count > 1 and (name in NEVER_REPEATS or name not in allowed)
    )


def _refuse_repeated(names: Iterable[str], allowed: Collection[str]) -> None:
    twice = repeated(names, allowed)
    if twice:
        raise FormProblem([(name, REPEATED) for name in twice])


def refuse_repeats(form: FormMultiDict, allowed: Collection[str]) -> None:
    """Raise `FormProblem` when a field other than those in `allowed` came more than once."""
    _refuse_repeated((name for name, _ in form.multi_items()), allowed)


class FormGuardMiddleware:
    """Size, encoding and one-value checks on form bodies (see the module docstring)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope.get("method") in UNSAFE:
            request: Any = scope["litestar_app"].request_class(scope=scope, receive=receive)
            content_type, _ = request.content_type
            if content_type in FORM_TYPES:
                await self.check(request, content_type)
        await self.app(scope, receive, send)

    async def check(self, request: Any, content_type: str) -> None:
        handler = request.route_handler
        try:
            body = await request.body()  # cached: the CSRF check and the handler reuse it
        except RequestEntityTooLarge:
            raise too_large(handler.resolve_request_max_body_size()) from None
        if content_type == RequestEncodingType.URL_ENCODED:
            names = urlencoded_names(body)
        else:
            try:
                form = await request.form()
            except UnicodeDecodeError:
                raise FormProblem([("a form field", NOT_UTF8)]) from None
            items = form.multi_items()
            names = [name for name, _ in items]
            nul = [
                name
                for name, value in items
                if "\x00" in name or (isinstance(value, str) and "\x00" in value)
            ]
            if nul:
                raise FormProblem([(nul[0] or "a form field", HAS_NUL)])
        allowed = handler.opt.get(FORM_REPEATS, ())
        if allowed == CHECKED_BY_HANDLER:
            allowed = {name for name in names if name not in NEVER_REPEATS}
        _refuse_repeated(names, allowed)
