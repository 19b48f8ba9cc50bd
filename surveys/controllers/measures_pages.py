"""Staff pages `/staff/measures`: the strategy measures, one page per measure, targets.

Thin: figures and status come from `surveys.services.measures` (which uses
`analysis.measures`), targets and council measures are checked and stored by
`surveys.services.measures_store`. The summary and the per-measure sections reuse the
progress report's own formatting (`analysis.measures.report.context`), so the page and the
report a Cabinet reads never disagree. Research officers, panel managers and administrators.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import anyio.to_thread
from litestar import Controller, Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER, HTTP_400_BAD_REQUEST

import analysis
from analysis.measures import Measure, Period
from analysis.measures.report import AUDIENCES, render_html
from analysis.measures.report import context as report_context
from service.tables import StaffUser
from surveys.controllers.api import STAFF
from surveys.services import definitions_store
from surveys.services.measures import build_results, current_period
from surveys.services.measures_store import (
    FieldErrors,
    add_council_measure,
    effective_measures,
    set_target,
    stored_targets,
)

NEW_FIELDS = ("id", "name", "definition", "survey", "question", "statistic", "levels",
              "weighting", "higher_is_better")  # fmt: skip


def _pdf_bytes(html: str) -> bytes:
    """The report printed to a tagged A4 PDF (the same printer as the CLI and the EqIA)."""
    from equality.report import print_pdf  # imported late: Playwright is slow to import

    with tempfile.TemporaryDirectory() as tmp:
        return print_pdf(html, Path(tmp) / "report.pdf").read_bytes()


def _period(text: str) -> tuple[Period | None, list[tuple[str, str]]]:
    try:
        return Period.parse(text), []
    except analysis.AnalysisError:
        return None, [("period", f"Period {text!r} is not known: use 2026, 2026-H2 or 2026-Q3")]


async def _measure(measure_id: str) -> tuple[Measure, list[Measure]]:
    measures = await effective_measures()
    found = next((m for m in measures if m.id == measure_id), None)
    if found is None:
        raise NotFoundException(f"There is no measure {measure_id!r}")
    return found, measures


class StaffMeasuresPages(Controller):
    path = "/staff/measures"
    guards = [STAFF]  # noqa: RUF012
    include_in_schema = False

    @get("/")
    async def index(self, period: str = "") -> Template:
        label = period.strip() or current_period()
        the_period, errors = _period(label)
        ctx: dict[str, Any] = {"title": "Strategy measures", "period": label, "errors": errors}
        if the_period is not None:
            results = await build_results(the_period)
            ctx["report"] = report_context(results, period=the_period.label)
        return Template(
            "surveys/measures/index.html",
            context=ctx,
            status_code=HTTP_400_BAD_REQUEST if errors else 200,
        )

    @get("/report.html")
    async def report(self, period: str, audience: str = "cabinet") -> Response[bytes]:
        return await self._download(period, audience, "html")

    @get("/report.pdf")
    async def report_pdf(self, period: str, audience: str = "cabinet") -> Response[bytes]:
        return await self._download(period, audience, "pdf")

    @get("/report")
    async def report_form(
        self, period: str, audience: str = "cabinet", format: str = "html"
    ) -> Response[bytes]:
        """The download form's target: audience (cabinet|management) and format (html|pdf)."""
        return await self._download(period, audience, format)

    async def _download(self, period: str, audience: str, fmt: str) -> Response[bytes]:
        """The progress report as the CLI writes it, for the chosen audience and format.

        PDF is printed by Chromium while the request waits (as `resident-voice
        progress-report --output report.pdf` does, a second or two): the report is one page
        of measures, not a survey-sized EqIA, so it needs no background job.
        """
        the_period, errors = _period(period)
        if the_period is None or audience not in AUDIENCES or fmt not in ("html", "pdf"):
            if errors:
                message = errors[0][1]
            elif audience not in AUDIENCES:
                message = f"audience: must be cabinet or management, not {audience!r}"
            else:
                message = f"format: must be html or pdf, not {fmt!r}"
            return Response(
                message.encode(), status_code=HTTP_400_BAD_REQUEST, media_type="text/plain"
            )
        html = render_html(
            await build_results(the_period), period=the_period.label, audience=audience
        )
        name = f"progress-{the_period.label}-{audience}.{fmt}"
        headers = {"Content-Disposition": f'attachment; filename="{name}"'}
        if fmt == "html":
            return Response(html.encode(), media_type="text/html", headers=headers)
        return Response(
            await anyio.to_thread.run_sync(_pdf_bytes, html),
            media_type="application/pdf",
            headers=headers,
        )

    async def _new_page(
        self, form: dict[str, str], errors: list[tuple[str, str]], status_code: int = 200
    ) -> Template:
        return Template(
            "surveys/measures/new.html",
            context={
                "title": "Add a measure from a survey question",
                "form": form,
                "errors": errors,
                "surveys": await definitions_store.list_surveys(),
            },
            status_code=status_code,
        )

    @get("/new")
    async def new(self) -> Template:
        return await self._new_page({"statistic": "proportion", "weighting": "raked"}, [])

    @post("/new", status_code=HTTP_303_SEE_OTHER)
    async def add(self, request: Request[StaffUser, Any, Any]) -> Template | Redirect:
        raw = await request.form()
        form = {k: str(raw.get(k, "")).strip() for k in NEW_FIELDS}
        try:
            measure = await add_council_measure(request.user, form, await effective_measures())
        except FieldErrors as error:
            return await self._new_page(form, error.errors, HTTP_400_BAD_REQUEST)
        return Redirect(f"/staff/measures/{measure.id}?added=1", status_code=HTTP_303_SEE_OTHER)

    async def _measure_page(
        self,
        measure_id: str,
        period: str,
        *,
        form: dict[str, str] | None = None,
        errors: list[tuple[str, str]] | None = None,
        banner: str = "",
        status_code: int = 200,
    ) -> Template:
        measure, _ = await _measure(measure_id)
        label = period.strip() or current_period()
        the_period, period_errors = _period(label)
        ctx: dict[str, Any] = {
            "title": measure.name,
            "m": measure,
            "period": label,
            "errors": (errors or []) + ([] if form else period_errors),
            "form": form or {"period": label},
            "banner": banner,
            "row": None,
            "stored": (await stored_targets()).get(measure.id, {}),
            "yaml_targets": measure.targets,
        }
        if the_period is not None:
            result = (await build_results(the_period, [measure]))[0]
            ctx["row"] = report_context([result], period=the_period.label)["rows"][0]
            if form is None and result.target is not None:
                ctx["form"] |= {
                    "value": f"{result.target.value:g}",
                    "tolerance": f"{result.target.tolerance:g}",
                }
        if period_errors and not form:
            status_code = HTTP_400_BAD_REQUEST
        return Template("surveys/measures/measure.html", context=ctx, status_code=status_code)

    @get("/{measure_id:str}")
    async def measure(
        self, request: Request[Any, Any, Any], measure_id: str, period: str = ""
    ) -> Template:
        query = request.query_params
        banner = ""
        if query.get("saved"):
            banner = f"Target for {query.get('saved')} saved."
        elif query.get("added"):
            banner = "Measure added. Set a target for it below."
        return await self._measure_page(measure_id, period, banner=banner)

    @post("/{measure_id:str}/target", status_code=HTTP_303_SEE_OTHER)
    async def target(
        self, request: Request[StaffUser, Any, Any], measure_id: str
    ) -> Template | Redirect:
        measure, _ = await _measure(measure_id)
        raw = await request.form()
        form = {k: str(raw.get(k, "")).strip() for k in ("period", "value", "tolerance")}
        try:
            period, _target = await set_target(request.user, measure, form)
        except FieldErrors as error:
            return await self._measure_page(
                measure_id,
                form["period"] if _period(form["period"])[0] else "",
                form=form,
                errors=error.errors,
                status_code=HTTP_400_BAD_REQUEST,
            )
        return Redirect(
            f"/staff/measures/{measure.id}?period={period}&saved={period}",
            status_code=HTTP_303_SEE_OTHER,
        )
