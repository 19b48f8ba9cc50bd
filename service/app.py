"""The Litestar app factory: the one place where every domain is mounted."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from jinja2 import (
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PackageLoader,
    PrefixLoader,
    select_autoescape,
)
from litestar import Litestar
from litestar.config.csrf import CSRFConfig
from litestar.di import Provide
from litestar.exceptions import HTTPException
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin, YamlRenderPlugin
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig

from service import domains, jobs
from service.auth import PUBLIC_OPT, build_session_auth, public
from service.controllers import ROUTES as SERVICE_ROUTES
from service.csrf import TokenAwareCSRFMiddleware
from service.db import SharedSQLiteEngine
from service.errors import error_response
from service.forms import FORM_MAX_BYTES, FormGuardMiddleware
from service.jobs import Worker
from service.logs import configure_logging, request_log_middleware
from service.metrics import ROUTES as METRICS_ROUTES
from service.metrics import outermost as metrics_outermost
from service.navigation import staff_navigation
from service.nul_guard import NulGuardMiddleware
from service.openapi import API_TOKEN_COMPONENTS, API_TOKEN_SECURITY, document_api
from service.roles import Role
from service.security import add_security_headers
from service.session_store import DatabaseSessionStore
from service.settings import PROJECT_ROOT, Settings, get_settings

GOVUK_DIST = PROJECT_ROOT / "node_modules" / "govuk-frontend" / "dist" / "govuk"
STATIC_DIR = Path(__file__).parent / "static"


class FrontendMissing(RuntimeError):
    """GOV.UK Frontend's files are not installed."""


def template_environment(settings: Settings) -> Environment:
    """Jinja with every domain's templates and GOV.UK Frontend's macros."""
    roots = [Path(__file__).parent / "templates"]
    roots += [PROJECT_ROOT / d / "templates" for d in domains.DOMAINS]
    env = Environment(
        loader=ChoiceLoader(
            [
                FileSystemLoader([str(r) for r in roots if r.is_dir()]),
                PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
            ]
        ),
        autoescape=select_autoescape(["html", "xml"]),
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.globals.update(
        council_name=settings.council_name,
        service_name=settings.service_name,
        support_phone=settings.support_phone,
        support_email=settings.support_email,
        public_url=settings.public_url,
        staff_navigation=staff_navigation,
        role_label=lambda role: Role(role).label,
    )
    return env


def static_routers() -> list[Any]:
    if not (GOVUK_DIST / "govuk-frontend.min.js").exists():
        raise FrontendMissing(
            f"GOV.UK Frontend is not installed ({GOVUK_DIST} missing): run bin/setup "
            "(or `npm ci && npm run build`)"
        )
    common: dict[str, Any] = {"opt": PUBLIC_OPT, "guards": [public], "include_in_schema": False}
    return [
        create_static_files_router("/assets", directories=[GOVUK_DIST / "assets"], **common),
        create_static_files_router("/static/govuk", directories=[GOVUK_DIST], **common),
        create_static_files_router("/static/app", directories=[STATIC_DIR], **common),
    ]


def create_app(settings: Settings | None = None, *, run_worker: bool | None = None) -> Litestar:
    settings = settings or get_settings()
    configure_logging(settings.log_level)
    wanted = settings.run_worker if run_worker is None else run_worker
    # On SAQ (PostgreSQL) web processes only enqueue; `resident-voice worker` runs the jobs.
    worker = Worker() if wanted and jobs.engine_name(settings) == "table" else None

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        from piccolo.engine.postgres import PostgresEngine

        from service.tables import StaffUser

        engine = StaffUser._meta.db
        own_pool = engine if isinstance(engine, PostgresEngine) and engine.pool is None else None
        if own_pool is not None:
            await own_pool.start_connection_pool(min_size=1, max_size=10)
        if worker is not None:
            worker.start()
        # Everything imported so far (Litestar, pandas, the question bank…) lives as long as the
        # process: moved out of the collector's sight, a full collection no longer walks it, which
        # took tens of milliseconds from a request whenever one ran (gc.freeze, Python docs).
        gc.collect()
        gc.freeze()
        try:
            yield
        finally:
            if worker is not None:
                await worker.stop()
            await jobs.close()
            if own_pool is not None:
                await own_pool.close_connection_pool()
            if isinstance(engine, SharedSQLiteEngine):
                await engine.close()  # this loop's connection; others keep theirs

    session_auth = build_session_auth(settings)
    CSRF = CSRFConfig(
        secret=settings.secret_key,
        cookie_name="rv_csrf",
        cookie_secure=settings.secure_cookies,
        cookie_httponly=True,
        cookie_samesite="lax",
    )
    app = Litestar(
        route_handlers=[*SERVICE_ROUTES, *METRICS_ROUTES, *domains.routes(), *static_routers()],
        dependencies={"settings": Provide(lambda: settings, use_cache=True, sync_to_thread=False)},
        on_app_init=[session_auth.on_app_init, metrics_outermost],
        # CSRF is app middleware inside authentication (not `csrf_config`), so that requests
        # made with an API token alone can skip it: see service/csrf.py. Form bodies are
        # checked (size, UTF-8, one value a field) before it: see service/forms.py.
        middleware=[
            request_log_middleware,
            NulGuardMiddleware,  # no U+0000 in paths, queries or bodies: service/nul_guard.py
            FormGuardMiddleware,
            DefineMiddleware(TokenAwareCSRFMiddleware, config=CSRF),
        ],
        # Every body, form or JSON; the routes that take uploads set their own larger limit.
        request_max_body_size=FORM_MAX_BYTES,
        before_send=[add_security_headers],
        stores={"sessions": DatabaseSessionStore()},
        template_config=TemplateConfig(
            engine=JinjaTemplateEngine.from_environment(template_environment(settings))
        ),
        openapi_config=OpenAPIConfig(
            title="Resident Voice",
            version="0.1.0",
            path="/schema",
            render_plugins=[JsonRenderPlugin(), YamlRenderPlugin()],
            use_handler_docstrings=True,  # an operation's description is its docstring
            # the session middleware adds `sessionCookie` to both
            components=API_TOKEN_COMPONENTS,
            security=API_TOKEN_SECURITY,
        ),
        exception_handlers={HTTPException: error_response, Exception: error_response},
        lifespan=[lifespan],
        logging_config=None,  # service.logs configures logging (JSON lines)
        debug=False,
    )
    document_api(app)  # every /api operation's error answers, in /schema/openapi.json
    return app
