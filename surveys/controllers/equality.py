"""Staff page `/staff/surveys/{slug}/equality`: EqIA evidence for one survey outcome.

A thin wrapper for research officers: it reads the form (GET, so a result can be bookmarked
and nothing is written), loads the responses through `analysis.aload` and hands them to
`equality.pipeline`; every number on the page is the disclosure-controlled output of
`equality`. The full report downloads as one self-contained HTML file.
"""

from __future__ import annotations

from typing import Any

import anyio.to_thread
from litestar import Controller, Response, get
from litestar.response import Template

from surveys.controllers.api import RESEARCH
from surveys.services import definitions_store


async def _evidence(slug: str, outcome: str, characteristics: str) -> Any:
    import analysis
    from equality.pipeline import build, parse_outcome

    question, levels = parse_outcome(outcome)
    frame = await analysis.aload(slug)
    if frame.empty:
        from equality import EqualityError

        raise EqualityError(f"survey {slug!r} has no responses yet")
    names = [c.strip() for c in characteristics.split(",") if c.strip()] or None
    return await anyio.to_thread.run_sync(
        lambda: build(frame, (question, levels), characteristics=names)
    )


class StaffEqualityPages(Controller):
    path = "/staff/surveys/{slug:str}/equality"
    guards = [RESEARCH]  # noqa: RUF012
    include_in_schema = False

    @get("/")
    async def page(self, slug: str, outcome: str = "", characteristics: str = "") -> Template:
        from equality import EqualityError
        from equality.report import context

        stored = await definitions_store.get_version(slug)
        ctx: dict[str, Any] = {
            "title": "Equalities evidence",
            "slug": slug,
            "survey_title": stored.survey.title(stored.survey.languages[0]),
            "outcome": outcome,
            "characteristics": characteristics,
            "error": None,
            "report": None,
        }
        status = 200
        if outcome:
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
