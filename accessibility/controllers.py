"""Accessibility pages for the web team, and the JSON API.

Staff pages under ``/staff/accessibility``; the API under ``/api/accessibility`` (staff session
cookie, CSRF header ``x-csrftoken`` for unsafe methods; or an API token). Every route needs the
web_team role (admins always). Audits are only ever started for configured sites, by id: no route
takes a URL to audit, so none can be used to make the server fetch an arbitrary address.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, MediaType, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotFoundException, ValidationException
from litestar.params import Body
from litestar.response import File, Redirect, Template
from litestar.static_files import create_static_files_router
from litestar.status_codes import HTTP_303_SEE_OTHER

from accessibility import services
from accessibility.demo_site import serve_demo_council
from accessibility.reports.csv_report import to_csv
from accessibility.reports.statement import REGULATIONS, build_statement, check_statement
from accessibility.schedules import describe_schedule
from accessibility.schemas import (
    MarkIn,
    RunCancelled,
    RunOut,
    RunQueued,
    SiteCreated,
    SiteIn,
    SiteSummary,
    site_from_form,
)
from service.auth import PUBLIC_OPT, public, requires_role
from service.navigation import NavItem
from service.openapi import CONFLICT
from service.params import PathInt, QueryInt
from service.roles import Role
from service.settings import PROJECT_ROOT, Settings

WEB_TEAM = requires_role(Role.WEB_TEAM)
#: Cancelling a run is an administrator's decision (on top of the controllers' WEB_TEAM).
ADMIN = requires_role()
FormData = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
STATIC_DIR = PROJECT_ROOT / "accessibility" / "static"


def _problem(status: int, detail: str, errors: list[tuple[str, str]]) -> Response[Any]:
    return Response(
        {
            "status_code": status,
            "detail": detail,
            "errors": [{"path": p, "message": m} for p, m in errors],
        },
        status_code=status,
        media_type=MediaType.JSON,
    )


def _actor(request: Request[Any, Any, Any]) -> services.Actor:
    """The signed-in staff user, for settings only an administrator may change."""
    return services.Actor(email=request.user.email, role=request.user.role)


def _not_found(error: services.NotFound) -> NotFoundException:
    return NotFoundException(str(error))


def _error_summary(errors: list[tuple[str, str]]) -> dict[str, Any]:
    return {
        "titleText": "There is a problem",
        "errorList": [{"text": m, "href": f"#{f.replace('_', '-')}"} for f, m in errors],
    }


async def _statement_html(
    request: Request[Any, Any, Any], site_id: int, settings: Settings
) -> tuple[Any, ...]:
    site = await services.get_site(site_id)
    run_id = await services.latest_finished_run(site_id)
    if run_id is None:
        raise NotFoundException("this site has no finished run yet; run an audit first")
    view = await services.report_view(run_id)
    st = build_statement(
        view,
        website_url=site["start_urls"][0],
        organisation=settings.council_name,
        email=settings.support_email,
        phone=settings.support_phone,
    )
    engine = request.app.template_engine
    if engine is None:  # the app factory always configures Jinja
        raise RuntimeError("no template engine")
    fragment = engine.get_template("accessibility/_statement.html").render(
        st=st, regulations=REGULATIONS
    )
    return site, run_id, st, fragment


async def _mark_page(
    run_id: int, fingerprint: str, errors: list[tuple[str, str]], reason: str
) -> Template:
    """The mark form for one problem of one run (400 with the errors when there are some)."""
    try:
        view = await services.report_view(run_id)
        run = await services.get_run(run_id)
        site = await services.get_site(run["site"])
    except services.NotFound as error:
        raise _not_found(error) from None
    issue = next((i for i in view.issues if i.fingerprint == fingerprint), None)
    if issue is None:
        raise NotFoundException("this run has no such problem")
    anchors = {"status": "#status", "reason": "#reason"}
    return Template(
        "accessibility/mark.html",
        context={
            "site": site,
            "issue": issue,
            "run_id": run_id,
            "current": (issue.mark or {}).get("status"),
            "reason": reason or (issue.mark or {}).get("reason", ""),
            "errors": errors,
            "error_list": [{"text": m, "href": anchors.get(f, "#status")} for f, m in errors],
        },
        status_code=400 if errors else 200,
    )


class AccessibilityPages(Controller):
    """The web team's pages: sites, runs, reports, marks and the draft statement."""

    path = "/staff/accessibility"
    guards = [WEB_TEAM]  # noqa: RUF012
    include_in_schema = False

    @get("/")
    async def index(self) -> Template:
        sites = await services.list_sites()
        schedules = {s["id"]: describe_schedule(s["schedule"] or "") for s in sites}
        return Template(
            "accessibility/index.html", context={"sites": sites, "schedules": schedules}
        )

    @get("/sites/new")
    async def new_site(self) -> Template:
        return Template("accessibility/site_form.html", context={"form": {}, "errors": []})

    @post("/sites", status_code=HTTP_303_SEE_OTHER)
    async def create_site(
        self, request: Request[Any, Any, Any], data: FormData
    ) -> Template | Redirect:
        site, errors = site_from_form(data)
        if site is not None:
            try:
                site_id = await services.create_site(site, _actor(request))
            except services.SiteError as error:
                errors = error.errors
        if site is None or errors:
            return Template(
                "accessibility/site_form.html",
                context={"form": data, "errors": errors, "summary": _error_summary(errors)},
                status_code=400,
            )
        return Redirect(f"/staff/accessibility/sites/{site_id}", status_code=HTTP_303_SEE_OTHER)

    @get("/sites/{site_id:int}")
    async def site(self, site_id: PathInt) -> Template:
        try:
            site = await services.get_site(site_id)
        except services.NotFound as error:
            raise _not_found(error) from None
        runs = await services.list_runs(site_id)
        return Template(
            "accessibility/site.html",
            context={
                "site": site,
                "runs": runs,
                "schedule_words": describe_schedule(site["schedule"] or ""),
            },
        )

    @post("/sites/{site_id:int}/runs", status_code=HTTP_303_SEE_OTHER)
    async def start_run(self, site_id: PathInt) -> Redirect:
        try:
            await services.queue_run(site_id)
        except services.NotFound as error:
            raise _not_found(error) from None
        return Redirect(f"/staff/accessibility/sites/{site_id}", status_code=HTTP_303_SEE_OTHER)

    @get("/runs/{run_id:int}")
    async def run_report(self, run_id: PathInt) -> Template:
        try:
            view = await services.report_view(run_id)
            run = await services.get_run(run_id)
        except services.NotFound as error:
            raise _not_found(error) from None
        return Template(
            "accessibility/run.html",
            context={
                "report": view,
                "run": run,
                "mark_action": f"/staff/accessibility/runs/{run_id}/marks",
            },
        )

    @post("/runs/{run_id:int}/cancel", guards=[ADMIN], status_code=HTTP_303_SEE_OTHER)
    async def cancel_run(self, run_id: PathInt, request: Request[Any, Any, Any]) -> Redirect:
        """An administrator stops a queued or running run (the button in the site's runs)."""
        try:
            await services.cancel_run(run_id, request.user.email)
            run = await services.get_run(run_id)
        except services.NotFound as error:
            raise _not_found(error) from None
        except services.RunNotActive:
            run = await services.get_run(run_id)  # it ended meanwhile: the list says how
        return Redirect(f"/staff/accessibility/sites/{run['site']}", status_code=HTTP_303_SEE_OTHER)

    @get("/runs/{run_id:int}/report.csv")
    async def run_csv(self, run_id: PathInt) -> Response[str]:
        try:
            view = await services.report_view(run_id)
        except services.NotFound as error:
            raise _not_found(error) from None
        return Response(
            to_csv(view),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="audit-run-{run_id}.csv"'},
        )

    @get("/runs/{run_id:int}/report.json")
    async def run_json(self, run_id: PathInt) -> Response[dict[str, Any]]:
        try:
            body = await services.run_json(run_id)
        except services.NotFound as error:
            raise _not_found(error) from None
        return Response(
            body,
            media_type=MediaType.JSON,
            headers={"Content-Disposition": f'attachment; filename="audit-run-{run_id}.json"'},
        )

    @get("/runs/{run_id:int}/trend.png")
    async def trend_png(self, run_id: PathInt) -> Response[bytes]:
        try:
            run = await services.get_run(run_id)
        except services.NotFound as error:
            raise _not_found(error) from None
        png = await services.trend_png(run["site"], run_id)
        return Response(png, media_type="image/png")

    @get("/runs/{run_id:int}/screenshots/{name:str}")
    async def screenshot(self, run_id: PathInt, name: str) -> File:
        try:
            path = services.screenshot_path(run_id, name)
        except services.NotFound as error:
            raise _not_found(error) from None
        return File(path=path, media_type="image/png", content_disposition_type="inline")

    @get("/runs/{run_id:int}/marks/{fingerprint:str}")
    async def mark_page(self, run_id: PathInt, fingerprint: str) -> Template:
        return await _mark_page(run_id, fingerprint, [], "")

    @post("/sites/{site_id:int}/marks", status_code=HTTP_303_SEE_OTHER)
    async def mark(
        self,
        request: Request[Any, Any, Any],
        site_id: PathInt,
        data: FormData,
        run: QueryInt = None,
    ) -> Template | Redirect:
        mark = MarkIn(
            fingerprint=str(data.get("fingerprint", "")),
            status=str(data.get("status", "")),
            reason=str(data.get("reason", "")),
        )
        try:
            await services.mark_issue(site_id, mark, request.user.email)
        except services.NotFound as error:
            raise _not_found(error) from None
        except services.SiteError as error:
            if run is None:
                raise ValidationException(
                    str(error), extra=[{"key": f, "message": m} for f, m in error.errors]
                ) from None
            return await _mark_page(run, mark.fingerprint, error.errors, mark.reason)
        target = (
            f"/staff/accessibility/runs/{run}" if run else f"/staff/accessibility/sites/{site_id}"
        )
        return Redirect(f"{target}#issue-{mark.fingerprint}", status_code=HTTP_303_SEE_OTHER)

    @get("/sites/{site_id:int}/statement")
    async def statement(
        self, request: Request[Any, Any, Any], site_id: PathInt, settings: NamedDependency[Settings]
    ) -> Template:
        try:
            site, run_id, st, fragment = await _statement_html(request, site_id, settings)
        except services.NotFound as error:
            raise _not_found(error) from None
        results = check_statement(fragment)
        return Template(
            "accessibility/statement.html",
            context={
                "site": site,
                "st": st,
                "run_id": run_id,
                "regulations": REGULATIONS,
                "checks": results,
                "passed": sum(results.values()),
            },
        )

    @get("/sites/{site_id:int}/statement/download")
    async def statement_download(
        self, request: Request[Any, Any, Any], site_id: PathInt, settings: NamedDependency[Settings]
    ) -> Response[str]:
        try:
            site, _run_id, _st, fragment = await _statement_html(request, site_id, settings)
        except services.NotFound as error:
            raise _not_found(error) from None
        document = (
            '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f"<title>Accessibility statement for {site['name']}</title></head><body>"
            f"{fragment}</body></html>\n"
        )
        return Response(
            document,
            media_type=MediaType.HTML,
            headers={"Content-Disposition": 'attachment; filename="accessibility-statement.html"'},
        )


class AccessibilityAPI(Controller):
    """JSON API: configured sites and their runs. Audits start only for configured sites."""

    path = "/api/accessibility"
    guards = [WEB_TEAM]  # noqa: RUF012
    tags = ["accessibility"]  # noqa: RUF012

    @get("/sites")
    async def list_sites(self) -> list[SiteSummary]:
        """Configured sites with their latest run."""
        return msgspec.convert(
            [
                {
                    "id": s["id"],
                    "name": s["name"],
                    "start_urls": s["start_urls"],
                    "schedule": s["schedule"],
                    "last_run": s["last_run"],
                }
                for s in await services.list_sites()
            ],
            list[SiteSummary],
        )

    @post("/sites", status_code=201)
    async def create_site(
        self, request: Request[Any, Any, Any], data: SiteIn
    ) -> Response[SiteCreated]:
        """Configure a site (JSON body: SiteIn). 400 names each bad field."""
        site = data
        try:
            site_id = await services.create_site(site, _actor(request))
        except services.SiteError as error:
            return _problem(400, "the site settings are not valid", error.errors)
        return Response(SiteCreated(site_id), status_code=201)

    @post("/sites/{site_id:int}/runs", status_code=202)
    async def start_run(self, site_id: PathInt) -> Response[RunQueued]:
        """Queue an audit of a configured site; poll the run for its status."""
        try:
            run_id = await services.queue_run(site_id, trigger="api")
        except services.NotFound as error:
            return _problem(404, str(error), [("site_id", "no such site")])
        return Response(RunQueued(run_id, "queued"), status_code=202)

    @get("/runs/{run_id:int}")
    async def get_run(self, run_id: PathInt) -> Response[RunOut]:
        """A run's status; when done, its findings in the CLI's JSON shape."""
        try:
            run = await services.get_run(run_id)
            body: dict[str, Any] = {
                "id": run_id,
                "site": run["site"],
                "status": run["status"],
                "error": run["error"] or None,
            }
            if run["status"] == "done":
                body |= await services.run_json(run_id)
        except services.NotFound as error:
            return _problem(404, str(error), [("run_id", "no such run")])
        return Response(msgspec.convert(body, RunOut))

    @post("/runs/{run_id:int}/cancel", guards=[ADMIN], status_code=200, responses=CONFLICT)
    async def cancel_run(
        self, run_id: PathInt, request: Request[Any, Any, Any]
    ) -> Response[RunCancelled]:
        """Cancel a queued or running run (administrators): 409 when it has already ended."""
        try:
            await services.cancel_run(run_id, request.user.email)
        except services.NotFound as error:
            return _problem(404, str(error), [("run_id", "no such run")])
        except services.RunNotActive as error:
            return _problem(409, str(error), [("run_id", "the run has already ended")])
        return Response(RunCancelled(run_id, "cancelled"))


ROUTES = [
    AccessibilityPages,
    AccessibilityAPI,
    serve_demo_council,
    create_static_files_router(
        "/static/accessibility",
        directories=[STATIC_DIR],
        opt=PUBLIC_OPT,
        guards=[public],
        include_in_schema=False,
    ),
]

NAVIGATION = [
    NavItem("Accessibility audits", "/staff/accessibility", frozenset({Role.WEB_TEAM.value}))
]
