"""Staff authentication and authorisation: sessions, role guards, the public marker.

Litestar's own `SessionAuth` with server-side sessions does the cookie and session work;
we add the database store, the role guards and one rule: every route is staff-only unless it
carries both `opt={"exclude_from_auth": True}` and the `public` guard. The route-guard test in
tests/service walks the route table and holds every route to that rule.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware.authentication import AuthenticationResult
from litestar.middleware.session.server_side import (
    ServerSideSessionBackend,
    ServerSideSessionConfig,
)
from litestar.security.session_auth import SessionAuth, SessionAuthMiddleware
from litestar.types import Empty, Message

from service.accounts import get_active_user
from service.api_tokens import user_for
from service.roles import Role
from service.settings import Settings
from service.tables import StaffUser

# Guards are coroutine functions: Litestar runs a plain function guard in a worker thread
# (sync_to_thread), which cost every request a thread hop for a check that never blocks.
Guard = Callable[[ASGIConnection, BaseRouteHandler], Awaitable[None]]

#: Paths served without a session: static assets and the OpenAPI document.
PUBLIC_PATH_PREFIXES = ["/assets", "/static", "/schema", "/health"]

PUBLIC_OPT: dict[str, Any] = {"exclude_from_auth": True}

#: Resident pages: public, and outside the session middleware too. Residents never sign in,
#: and even the quiet backend drew a random session id for every request.
RESIDENT_OPT: dict[str, Any] = {**PUBLIC_OPT, "skip_session": True}


async def public(connection: ASGIConnection, handler: BaseRouteHandler) -> None:
    """Marks a route as deliberately public (resident pages, sign-in). Allows everyone."""


def requires_role(*roles: Role) -> Guard:
    """A guard allowing signed-in staff with one of `roles` (admins always)."""
    allowed = frozenset({Role.ADMIN.value, *(r.value for r in roles)})

    async def guard(connection: ASGIConnection, handler: BaseRouteHandler) -> None:
        user = connection.scope.get("user")
        if not isinstance(user, StaffUser):
            raise NotAuthorizedException("Sign in to continue")
        if user.role not in allowed:
            raise PermissionDeniedException("Your role does not allow this page")

    guard.roles = allowed  # type: ignore[attr-defined]
    guard.__name__ = "requires_role_" + "_".join(sorted(allowed))
    return guard


any_staff = requires_role(*Role)


def session_for(user_id: int, session_epoch: int) -> dict[str, Any]:
    """What a signed-in session holds: the account and the epoch it was made in."""
    return {"user_id": user_id, "epoch": session_epoch}


async def retrieve_user(session: dict[str, Any], connection: ASGIConnection) -> StaffUser | None:
    """The session's account, if it is active and the session is of its current epoch.

    A password reset or disabling bumps the account's `session_epoch`, so every session made
    before it, in any browser, stops here; its stored data is cleared on the way out.
    """
    user_id = session.get("user_id")
    if not isinstance(user_id, int):
        return None
    user = await get_active_user(user_id)
    if user is None or session.get("epoch") != user.session_epoch:
        connection.clear_session()
        return None
    return user


#: Paths where `Authorization: Bearer <personal API token>` is accepted instead of a session.
BEARER_PATH_PREFIX = "/api/"

#: The staff session cookie's name.
SESSION_COOKIE = "rv_session"


class TokenOrSessionAuthMiddleware(SessionAuthMiddleware):
    """Litestar's session authentication, plus personal API tokens on the JSON API.

    A request to `/api/…` with `Authorization: Bearer …` is authenticated by the token alone
    (`service.api_tokens.user_for`: live, owner active, owner's role unchanged) and never
    falls back to a session cookie, so a wrong or revoked token is a 401 whatever else the
    client sends. The route's role guards then apply to the token's owner as to a session.
    """

    async def authenticate_request(self, connection: ASGIConnection) -> AuthenticationResult:
        header = connection.headers.get("authorization", "")
        if connection.scope["path"].startswith(BEARER_PATH_PREFIX) and header[:7].lower() == (
            "bearer "
        ):
            user = await user_for(header[7:].strip())
            if user is None:
                raise NotAuthorizedException("the API token is not valid, or was revoked")
            return AuthenticationResult(user=user, auth="token")
        return await super().authenticate_request(connection)


class QuietSessionBackend(ServerSideSessionBackend):
    """Writes nothing for visitors without a session.

    Litestar's backend stores an empty session (a database row and a cookie) for every
    anonymous request; residents answering a survey never sign in, so that would be one
    pointless write per page view.
    """

    async def store_in_message(
        self, scope_session: Any, message: Message, connection: ASGIConnection
    ) -> None:
        if not scope_session and self.config.key not in connection.cookies:
            return
        if not scope_session:
            scope_session = Empty
        await super().store_in_message(scope_session, message, connection)


class QuietSessionConfig(ServerSideSessionConfig):
    _backend_class = QuietSessionBackend


def build_session_auth(settings: Settings) -> SessionAuth[StaffUser, ServerSideSessionBackend]:
    return SessionAuth[StaffUser, ServerSideSessionBackend](
        retrieve_user_handler=retrieve_user,
        authentication_middleware_class=TokenOrSessionAuthMiddleware,
        session_backend_config=QuietSessionConfig(
            key=SESSION_COOKIE,
            store="sessions",
            max_age=settings.session_max_age_s,
            httponly=True,
            samesite="lax",
            secure=settings.secure_cookies,
            exclude=[f"^{p}" for p in PUBLIC_PATH_PREFIXES],
            exclude_opt_key="skip_session",
        ),
        exclude=[f"^{p}" for p in PUBLIC_PATH_PREFIXES],
        exclude_opt_key="exclude_from_auth",
    )
