"""Service-level pages: home, health, staff sign-in and sign-out, staff home."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlsplit

import msgspec
from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.exceptions import ClientException, NotFoundException
from litestar.params import Body, QueryParameter
from litestar.response import Redirect, Response, Template
from litestar.status_codes import HTTP_303_SEE_OTHER

from service import api_tokens, audit
from service.accounts import SignInRefused, authenticate, list_users
from service.auth import PUBLIC_OPT, any_staff, public, requires_role, session_for
from service.health import database_reachable
from service.proxies import request_address
from service.roles import Role
from service.settings import Settings
from service.tables import StaffUser

FormData = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]


def _safe_next(url: str | None) -> str:
    """Only same-site paths: an open redirect after sign-in would help phishing.

    Browsers drop tabs and newlines anywhere in a URL and treat ``\\`` as ``/``, so
    ``/\t/evil.example`` becomes ``//evil.example`` (another site). Any control
    character, whitespace or backslash refuses the value outright; what is left must
    parse as a bare path (no scheme, no host) that does not start with ``//``.
    """
    if not url or any(
        ch.isspace() or ch == "\\" or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in url
    ):
        return "/staff"
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or not url.startswith("/") or url.startswith("//"):
        return "/staff"
    return url


class PublicPages(Controller):
    guards = [public]  # noqa: RUF012
    opt = PUBLIC_OPT

    @get("/", include_in_schema=False)
    async def home(self) -> Template:
        return Template("home.html")

    @get("/privacy", include_in_schema=False)
    async def privacy(self) -> Template:
        return Template("privacy.html")

    @get("/accessibility", include_in_schema=False)
    async def accessibility_statement(self) -> Template:
        return Template("accessibility_statement.html")

    @get("/health", tags=["service"])
    async def health(self) -> Response[dict[str, str]]:
        """Liveness and database check for load balancers and monitoring."""
        if not await database_reachable():
            return Response({"status": "unavailable", "database": "unreachable"}, status_code=503)
        return Response({"status": "ok", "database": "ok"})


class SignInController(Controller):
    path = "/staff"
    guards = [public]  # noqa: RUF012
    opt = PUBLIC_OPT
    include_in_schema = False

    @get("/sign-in")
    async def sign_in_page(self, next: str | None = None) -> Template:
        return Template(
            "staff/sign_in.html", context={"next_url": _safe_next(next), "email": "", "error": None}
        )

    @post("/sign-in", status_code=HTTP_303_SEE_OTHER)
    async def sign_in(
        self,
        request: Request[Any, Any, Any],
        data: FormData,
        settings: NamedDependency[Settings],
    ) -> Template | Redirect:
        email = (data.get("email") or "").strip()
        password = data.get("password") or ""
        next_url = _safe_next(data.get("next"))
        address = request_address(request, settings.trusted_proxies)
        error: str | None = None
        status = 400
        if not email or not password:
            error = "Enter your email address and password"
        else:
            try:
                signed_in = await authenticate(email, password, address, settings)
            except SignInRefused as refused:
                error = refused.message
                status = 429 if refused.reason in ("locked", "address") else 400
            else:
                request.clear_session()
                request.set_session(session_for(signed_in.user_id, signed_in.session_epoch))
                return Redirect(next_url, status_code=HTTP_303_SEE_OTHER)
        return Template(
            "staff/sign_in.html",
            context={"next_url": next_url, "email": email, "error": error},
            status_code=status,
        )


class StaffController(Controller):
    path = "/staff"
    guards = [any_staff]  # noqa: RUF012
    include_in_schema = False

    @get("/")
    async def staff_home(self) -> Template:
        return Template("staff/home.html")

    @get("/users", guards=[requires_role(Role.ADMIN)])
    async def staff_users(self) -> Template:
        """Administrators see every staff account, its role and last sign-in."""
        users = await list_users()
        return Template("staff/users.html", context={"users": users})

    async def _account_page(
        self,
        user: StaffUser,
        *,
        new_token: api_tokens.NewToken | None = None,
        error: api_tokens.TokenError | None = None,
        name: str = "",
        revoked: bool = False,
        status_code: int = 200,
    ) -> Template:
        return Template(
            "staff/account.html",
            context={
                "user": user,
                "tokens": await api_tokens.list_for(user),
                "new_token": new_token,
                "error": error,
                "name": name,
                "revoked": revoked,
            },
            status_code=status_code,
            headers={"cache-control": "no-store"},
        )

    @get("/account")
    async def account(
        self, request: Request[StaffUser, Any, Any], revoked: bool = False
    ) -> Template:
        """Your account: your personal API tokens (made, listed and revoked here)."""
        return await self._account_page(request.user, revoked=revoked)

    @post("/account/tokens", status_code=200)
    async def create_token(self, request: Request[StaffUser, Any, Any], data: FormData) -> Template:
        """Make a token and show it on this one page; it is stored only as a hash."""
        name = str(data.get("token_name") or "")
        try:
            made = await api_tokens.create(request.user, name)
        except api_tokens.TokenError as error:
            return await self._account_page(request.user, error=error, name=name, status_code=400)
        return await self._account_page(request.user, new_token=made, status_code=201)

    @post("/account/tokens/{token_id:int}/revoke", status_code=HTTP_303_SEE_OTHER)
    async def revoke_token(self, request: Request[StaffUser, Any, Any], token_id: int) -> Redirect:
        if not 1 <= token_id < 2**31 or not await api_tokens.revoke(request.user, token_id):
            raise NotFoundException("You have no such token")
        return Redirect("/staff/account?revoked=true", status_code=HTTP_303_SEE_OTHER)

    @get("/audit", guards=[requires_role(Role.ADMIN)])
    async def audit_log(self, page: int = 1) -> Template:
        """Administrators see who viewed, exported or changed personal data, newest first."""
        page = max(1, min(page, 100_000))
        events = await audit.recent(limit=AUDIT_PAGE + 1, offset=(page - 1) * AUDIT_PAGE)
        return Template(
            "staff/audit.html",
            context={
                "events": events[:AUDIT_PAGE],
                "page": page,
                "more": len(events) > AUDIT_PAGE,
            },
        )

    @get("/jobs", guards=[requires_role(Role.ADMIN)])
    async def jobs_page(self, retried: bool = False) -> Template:
        """Administrators see the background queue: queued, running, failed and done jobs."""
        from service.jobs import engine_name, recent_jobs

        return Template(
            "staff/jobs.html",
            context={"groups": await recent_jobs(), "retried": retried, "engine": engine_name()},
            headers={"cache-control": "no-store"},
        )

    @post(
        "/jobs/{job_id:str}/retry",
        guards=[requires_role(Role.ADMIN)],
        status_code=HTTP_303_SEE_OTHER,
    )
    async def retry_job(self, job_id: str) -> Redirect:
        """Queue a failed job again with fresh attempts (after fixing what made it fail).

        The id is the job table's number or SAQ's job key, whichever engine is in use.
        """
        from service.jobs import retry

        if not await retry(job_id):
            raise NotFoundException("There is no failed job with that number")
        return Redirect("/staff/jobs?retried=true", status_code=HTTP_303_SEE_OTHER)

    @post("/sign-out", status_code=HTTP_303_SEE_OTHER)
    async def sign_out(self, request: Request[Any, Any, Any]) -> Redirect:
        request.clear_session()
        return Redirect("/staff/sign-in", status_code=HTTP_303_SEE_OTHER)


AUDIT_PAGE = 100


class AuditEventOut(msgspec.Struct):
    """One audit event: who (email and role at the time) did what to whose data, and why."""

    id: int
    at: str | None  # ISO 8601, UTC
    staff_email: str
    role: str
    action: str  # view, export or change
    subject: str
    detail: str
    reason: str


class AuditAPI(Controller):
    """The staff audit log as JSON, for administrators (`/api/audit?limit=&offset=`)."""

    path = "/api/audit"
    guards = [requires_role(Role.ADMIN)]  # noqa: RUF012
    tags = ["service"]  # noqa: RUF012

    @get("/")
    async def events(
        self,
        limit: Annotated[int, QueryParameter(ge=1, le=1000)] = 100,
        offset: Annotated[int, QueryParameter(ge=0, lt=2**31)] = 0,
    ) -> Response[list[AuditEventOut]]:
        """The newest events first, `limit` at a time from `offset`."""
        if not 1 <= limit <= 1000 or not 0 <= offset < 2**31:
            field = "limit" if not 1 <= limit <= 1000 else "offset"
            raise ClientException(
                detail="the query is not valid", extra=[{"key": field, "message": "out of range"}]
            )
        rows = await audit.recent(limit=limit, offset=offset)
        return Response(
            msgspec.convert(
                [{**r, "at": r["at"].isoformat() if r["at"] else None} for r in rows],
                list[AuditEventOut],
            ),
            headers={"cache-control": "no-store"},
        )


ROUTES = [PublicPages, SignInController, StaffController, AuditAPI]
