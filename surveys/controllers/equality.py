"""Staff page `/staff/surveys/{slug}/equality`: EqIA evidence for one survey outcome.

A thin wrapper for research officers: it reads the form (GET, so a result can be bookmarked
and nothing is written), loads the responses through `analysis.aload` and hands them to
`equality.pipeline`; every number on the page is the disclosure-controlled output of
`equality`. The full report downloads as one self-contained HTML file, either built at once
(`report.html`) or, for a large survey, queued as a background job (`POST reports`) whose
finished report is kept and listed on the page for download.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from litestar import Controller, Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER

from service.tables import StaffUser
from surveys.controllers.api import RESEARCH
from surveys.services import definitions_store, equality_reports
from surveys.services.errors import NotFound

_evidence = equality_reports.evidence


class StaffEqualityPages(Controller):
    path = "/staff/surveys/{slug:str}/equality"
    guards = [RESEARCH]  # noqa: RUF012
    include_in_schema = False

    @get("/")
    async def page(
        self,
        slug: str,
        outcome: str = "",
        characteristics: str = "",
        queued: int | None = None,
        show: bool = True,
    ) -> Template:
        """``show=false`` fills the form without building the evidence (after queueing)."""
        return await self._page(slug, outcome, characteristics, queued=queued, show=show)

    async def _page(
        self,
        slug: str,
        outcome: str,
        characteristics: str,
        *,
        queued: int | None = None,
        show: bool = True,
        error: dict[str, str] | None = None,
    ) -> Template:
        from equality import EqualityError
        from equality.report import context

        stored = await definitions_store.get_version(slug)
        ctx: dict[str, Any] = {
            "queued": queued,
            "reports": await equality_reports.recent_reports(slug),
            "title": "Equalities evidence",
            "slug": slug,
            "survey_title": stored.survey.title(stored.survey.languages[0]),
            "outcome": outcome,
            "characteristics": characteristics,
            "error": None,
            "report": None,
        }
        status = 200
        if error:
            ctx["error"], status = error, 400
        elif outcome and show:
            try:
                evidence = await _evidence(slug, outcome, characteristics)
                ctx["report"] = context(evidence.assessment, digital=evidence.digital)
            except EqualityError as exc:
                field = "characteristics" if "characteristic" in str(exc) else "outcome"
                ctx["error"] = {"field": field, "message": str(exc)}
                status = 400
        return Template("surveys/staff/equality.html", context=ctx, status_code=status)

    @get("/report.html")
    async def download(self, slug: str, outcome: str, characteristics: str = "") -> Response[str]:
        from equality import EqualityError
        from equality.report import render_html

        await definitions_store.get_version(slug)
        try:
            evidence = await _evidence(slug, outcome, characteristics)
        except EqualityError as exc:
            return Response(str(exc), status_code=400, media_type="text/plain")
        html = render_html(evidence.assessment, digital=evidence.digital)
        return Response(
            html,
            media_type="text/html",
            headers={"Content-Disposition": f'attachment; filename="eqia-{slug}.html"'},
        )

    @post("/reports", status_code=HTTP_303_SEE_OTHER)
    async def queue(self, request: Request[StaffUser, Any, Any], slug: str) -> Template | Redirect:
        """Queue the full report as a background job; the page lists it until it is ready."""
        from equality import EqualityError

        form = await request.form()
        outcome = str(form.get("outcome", "")).strip()
        characteristics = str(form.get("characteristics", "")).strip()
        try:
            report_id = await equality_reports.queue_report(
                slug, outcome, characteristics, request.user.email
            )
        except EqualityError as exc:
            return await self._page(
                slug, outcome, characteristics, error={"field": "outcome", "message": str(exc)}
            )
        query = urlencode(
            {
                "outcome": outcome,
                "characteristics": characteristics,
                "queued": report_id,
                "show": "false",
            }
        )
        return Redirect(
            f"/staff/surveys/{slug}/equality/?{query}#reports", status_code=HTTP_303_SEE_OTHER
        )

    @get("/reports/{report_id:int}")
    async def finished(self, slug: str, report_id: int) -> Response[str]:
        try:
            html = await equality_reports.report_html(slug, report_id)
        except NotFound:
            html = None
        if html is None:
            raise NotFoundException("That report is not ready, or is not this survey's")
        return Response(
            html,
            media_type="text/html",
            headers={"Content-Disposition": f'attachment; filename="eqia-{slug}-{report_id}.html"'},
        )
