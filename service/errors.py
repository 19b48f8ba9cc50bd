"""Error responses: GOV.UK-styled pages for people, JSON with the field path for programs."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

import structlog
from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, NotAuthorizedException
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from service.csrf import CSRF_FAILED
from service.logs import safe_traceback

log = structlog.get_logger("errors")

PAGES: dict[int, tuple[str, str]] = {
    400: ("There is a problem with the request", "Go back and check what you entered."),
    401: ("Sign in to continue", "Sign in with your staff account."),
    403: (
        "You do not have access to this page",
        "Ask an administrator if you need this part of the service.",
    ),
    404: (
        "Page not found",
        "If you typed the web address, check it is correct. If you pasted it, check you "
        "copied the entire address.",
    ),
    405: ("There is a problem with the request", "Go back and try again."),
    410: ("This page is no longer available", "The link may have expired."),
    413: (
        "What you sent is too large",
        "Nothing was saved. Go back and send less, or a smaller file.",
    ),
    429: ("Too many requests", "Wait a few minutes, then try again."),
    500: (
        "Sorry, there is a problem with the service",
        "Try again later. Your answers have been saved if you had pressed Continue.",
    ),
    503: ("Sorry, the service is unavailable", "Try again later."),
}


#: Pages for one particular detail, before the status's own.
DETAIL_PAGES: dict[str, tuple[str, str]] = {
    CSRF_FAILED: (
        "Your form could not be sent",
        "Nothing was saved. Go back, reload the page and try again.",
    ),
}


def wants_html(request: Request[Any, Any, Any]) -> bool:
    accept = request.headers.get("accept", "")
    return "text/html" in accept and not request.url.path.startswith("/api/")


def field_problems(extra: Any) -> list[dict[str, str]]:
    """`(field, message)` pairs from a validation error's `extra`, for the HTML error page, so
    a person sees which part of the address or form was wrong (`version`, `site_id`)."""
    if not isinstance(extra, list):
        return []
    return [
        {"field": str(item["key"]), "message": str(item.get("message", ""))}
        for item in extra
        if isinstance(item, dict) and item.get("key")
    ]


def error_response(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    if isinstance(exc, HTTPException):
        status, detail, extra = exc.status_code, exc.detail, exc.extra
    else:
        status, detail, extra = HTTP_500_INTERNAL_SERVER_ERROR, "Internal server error", None
        log.error(
            "unhandled",
            route=request.scope.get("path_template"),
            error=type(exc).__name__,
            traceback=safe_traceback(exc),
        )
    if isinstance(exc, NotAuthorizedException) and wants_html(request):
        target = quote(request.url.path, safe="/")
        return Redirect(f"/staff/sign-in?next={target}", status_code=303)
    if wants_html(request):
        title, next_step = DETAIL_PAGES.get(str(detail)) or PAGES.get(
            status, PAGES[500] if status >= 500 else PAGES[400]
        )
        return Template(
            "errors/error.html",
            context={
                "title": title,
                "next_step": next_step,
                "status_code": status,
                "problems": field_problems(extra),
            },
            status_code=status,
            media_type=MediaType.HTML,
        )
    body: dict[str, Any] = {"status_code": status, "detail": detail}
    if extra:
        body["extra"] = extra
    if status < 500:  # every 4xx says what was wrong and where, like the domains' own errors
        body["errors"] = error_list(detail, extra)
    return Response(body, status_code=status, media_type=MediaType.JSON)


_NAMED_FIELD = re.compile(r"field `([^`]+)`")


def error_list(detail: Any, extra: Any) -> list[dict[str, str]]:
    """`[{path, message}]` for a JSON error body: Litestar's validation items (`key` is the
    parameter or body field; for a missing or unknown body field msgspec names it only in the
    message) or, for any other 4xx, one item on the whole request."""
    errors: list[dict[str, str]] = []
    for item in extra if isinstance(extra, list) else []:
        if not isinstance(item, dict):
            continue
        message = str(item.get("message") or detail)
        key = str(item.get("key") or "data")
        if key == "data":
            named = _NAMED_FIELD.search(message)
            key = named.group(1) if named else "body"
        errors.append({"path": key, "message": message})
    return errors or [{"path": "request", "message": str(detail)}]
