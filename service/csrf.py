"""CSRF protection for cookie sessions, and none for requests a personal API token makes.

CSRF is an attack on ambient credentials: a hostile page makes a staff member's browser send a
request that carries their session cookie. A personal API token travels in an
`Authorization: Bearer …` header that no browser adds by itself, so a request authenticated by
a token alone cannot be forged that way, and asking a notebook for a CSRF header as well only
made it fetch a cookie first. So: a request on `/api/…` that the token authenticated
(`scope["auth"] == "token"`, set by `service.auth.TokenOrSessionAuthMiddleware`) and that
carries no session cookie skips the check; every other unsafe request, including one with both
a token and the session cookie, still needs the `x-csrftoken` header or `_csrf_token` field.

Litestar builds its own `CSRFMiddleware` from the app's `csrf_config` and offers no per-request
exemption, so `service.app` mounts this subclass as app middleware (inside authentication)
instead of passing `csrf_config`.
"""

from __future__ import annotations

from litestar.connection import ASGIConnection
from litestar.exceptions import PermissionDeniedException
from litestar.middleware.csrf import CSRFMiddleware
from litestar.types import Receive, Scope, Send

from service.auth import BEARER_PATH_PREFIX, SESSION_COOKIE

__all__ = ["CSRF_FAILED", "TokenAwareCSRFMiddleware", "is_token_only"]

#: Litestar's own detail for a missing or wrong token, which the middleware below replaces.
LITESTAR_DETAIL = "CSRF token verification failed"
CSRF_FAILED = "The form's security token is missing or does not match"
CSRF_MESSAGE = (
    "send the token from the rv_csrf cookie as the x-csrftoken header or the _csrf_token "
    "field; in a browser, reload the page and try again"
)


def is_token_only(scope: Scope) -> bool:
    """True for an `/api/…` request authenticated by an API token and carrying no session cookie."""
    if scope.get("auth") != "token" or not scope["path"].startswith(BEARER_PATH_PREFIX):
        return False
    return SESSION_COOKIE not in ASGIConnection(scope).cookies


class TokenAwareCSRFMiddleware(CSRFMiddleware):
    """Litestar's CSRF check, skipped for token-only API requests (see the module docstring)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and is_token_only(scope):
            await self.app(scope, receive, send)
            return
        try:
            await super().__call__(scope, receive, send)
        except PermissionDeniedException as error:
            if error.detail != LITESTAR_DETAIL:
                raise  # a guard's 403 from further in
            raise PermissionDeniedException(
                detail=CSRF_FAILED, extra=[{"key": "_csrf_token", "message": CSRF_MESSAGE}]
            ) from None
