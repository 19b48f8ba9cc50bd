"""Staff pages under `/staff/surveys`: surveys with live counts, exports, open links and QR
codes, starting a survey from the bank, and entering a paper, phone or face-to-face response."""

from __future__ import annotations

import datetime as dt
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER

from service.settings import Settings
from service.tables import StaffUser
from surveys.bank import list_bank, load_bank
from surveys.controllers.api import (
    PANEL,
    PERSONAL_DATA_ROLES,
    RESEARCH,
    STAFF,
    check_personal,
    export_filter,
    export_response,
)
from surveys.definitions import DefinitionError
from surveys.questions import FieldError, apply_page, error_summary, parse_page, question_view
from surveys.services import definitions_store, exports, qr, responses
from surveys.services.errors import NotFound, SurveyError

MODE_LABELS = {
    "online": "Online",
    "paper": "Paper",
    "phone": "Phone",
    "face_to_face": "Face to face",
}


def staff_error_page(_: Request[Any, Any, Any], exc: SurveyError) -> Template:
    return Template(
        "surveys/staff/problem.html",
        context={"title": exc.message, "errors": exc.errors},
        status_code=exc.status_code,
    )


class StaffSurveyPages(Controller):
    path = "/staff/surveys"
    guards = [STAFF]  # noqa: RUF012
    include_in_schema = False
    exception_handlers = {SurveyError: staff_error_page}  # noqa: RUF012

    @get("/")
    async def index(self) -> Template:
        surveys = await definitions_store.list_surveys()
        return Template(
            "surveys/staff/index.html",
            context={
                "title": "Surveys",
                "surveys": surveys,
                "modes": MODE_LABELS,
                "bank": [b for b in list_bank()],
            },
        )

    @post("/from-bank", guards=[PANEL], status_code=HTTP_303_SEE_OTHER)
    async def from_bank(self, request: Request[StaffUser, Any, Any]) -> Redirect:
        """Start a survey from the question bank (an unchanged bank survey makes nothing new)."""
        form = await request.form()
        name = str(form.get("name") or "")
        if name not in list_bank():
            raise SurveyError("choose a survey from the bank", [("name", "not a bank survey")])
        result = await definitions_store.save_definition(
            load_bank(name), created_by=request.user.email
        )
        return Redirect(f"/staff/surveys/{result.stored.slug}", status_code=HTTP_303_SEE_OTHER)

    @get("/{slug:str}")
    async def detail(
        self, request: Request[StaffUser, Any, Any], slug: str, settings: Settings
    ) -> Template:
        stored = await definitions_store.get_version(slug)
        counts = (await definitions_store.response_counts(stored.survey_id)).get(
            stored.survey_id, {"complete": {}, "partial": {}}
        )
        rows = await definitions_store.list_surveys()
        row = next(r for r in rows if r["slug"] == slug)
        base = settings.public_url.rstrip("/")
        return Template(
            "surveys/staff/detail.html",
            context={
                "title": stored.survey.title(stored.survey.languages[0]),
                "slug": slug,
                "version": stored.version,
                "versions": await definitions_store.version_numbers(stored.survey_id),
                "counts": counts,
                "modes": MODE_LABELS,
                "row": row,
                "open_url": f"{base}/o/{slug}",
                "short_url": f"{base}/r/{row['short_code']}" if row["short_code"] else None,
                "can_export": request.user.role in RESEARCH.roles,  # type: ignore[attr-defined]
                "can_personal": request.user.role in PERSONAL_DATA_ROLES,
                "can_manage": request.user.role in PANEL.roles,  # type: ignore[attr-defined]
            },
        )

    @post("/{slug:str}/open-link", guards=[PANEL], status_code=HTTP_303_SEE_OTHER)
    async def toggle_open(self, request: Request[Any, Any, Any], slug: str) -> Redirect:
        form = await request.form()
        await definitions_store.set_open_link(slug, form.get("enabled") == "yes")
        return Redirect(f"/staff/surveys/{slug}", status_code=HTTP_303_SEE_OTHER)

    @get("/{slug:str}/qr/{kind:str}")
    async def open_qr(self, slug: str, kind: str, settings: Settings) -> Response[bytes]:
        """QR code (png or svg) of the open link's short URL, for posters."""
        rows = await definitions_store.list_surveys()
        row = next((r for r in rows if r["slug"] == slug), None)
        if row is None or not row["open_enabled"] or not row["short_code"]:
            raise NotFound(
                "this survey has no open link", [("slug", "turn the open link on first")]
            )
        url = f"{settings.public_url.rstrip('/')}/r/{row['short_code']}"
        if kind == "png":
            return Response(qr.qr_png(url), media_type="image/png")
        if kind == "svg":
            return Response(qr.qr_svg(url, title=f"QR code for {url}"), media_type="image/svg+xml")
        raise SurveyError("unknown QR format", [("kind", "use png or svg")])

    @get("/{slug:str}/export", guards=[RESEARCH])
    async def export(
        self,
        request: Request[StaffUser, Any, Any],
        slug: str,
        format: str = "csv",
        version: int | None = None,
        since: dt.date | None = None,
        until: dt.date | None = None,
        mode: str | None = None,
        status: str | None = None,
        include_partial: bool = False,
        include_personal: bool = False,
    ) -> Response[bytes]:
        check_personal(request.user, include_personal)
        frame, codebook = await exports.export_frame(
            slug,
            export_filter(version, since, until, mode, status, include_partial, include_personal),
        )
        return export_response(slug, format, frame, codebook)

    # ------------------------------------------------------------ assisted entry
    async def _entry_page(
        self,
        slug: str,
        values: dict[str, Any],
        errors: list[FieldError],
        mode: str,
        reference: str,
        other_errors: list[tuple[str, str]],
        status_code: int = 200,
    ) -> Template:
        stored = await definitions_store.get_version(slug)
        survey = stored.survey
        lang = survey.languages[0]
        pages = []
        for page in survey.pages:
            views = [
                question_view(survey, q, lang, values, values.get(q.id), errors, page_heading=False)
                for q in page.questions
            ]
            title = survey.text(page.title, lang) if page.title else None
            pages.append({"id": page.id, "title": title, "questions": views})
        summary_errors = [FieldError(path, path, message) for path, message in other_errors]
        return Template(
            "surveys/staff/enter.html",
            context={
                "title": f"Enter a response: {survey.title(lang)}",
                "slug": slug,
                "pages": pages,
                "mode": mode,
                "reference": reference,
                "modes": {k: v for k, v in MODE_LABELS.items() if k != "online"},
                "error_summary": error_summary([*summary_errors, *errors], "en"),
                "field_errors": dict(other_errors),
            },
            status_code=status_code,
        )

    @get("/{slug:str}/enter")
    async def enter_form(self, slug: str) -> Template:
        return await self._entry_page(slug, {}, [], "", "", [])

    @post("/{slug:str}/enter", status_code=HTTP_303_SEE_OTHER)
    async def enter(self, request: Request[StaffUser, Any, Any], slug: str) -> Template | Redirect:
        """Every page is parsed in order with the answers so far, so routing decides which
        questions count exactly as it does for a resident; nothing is stored unless all is valid."""
        stored = await definitions_store.get_version(slug)
        survey = stored.survey
        lang = survey.languages[0]
        form = await request.form()
        data = form.dict()
        mode = str(form.get("mode") or "")
        reference = str(form.get("member_reference") or "").strip()
        answers: dict[str, Any] = {}
        errors: list[FieldError] = []
        redisplay: dict[str, Any] = {}
        for page in survey.pages:
            if page.id not in {p.id for p in survey.visible_pages(answers)}:
                continue
            result = parse_page(survey, page, data, lang, answers)
            redisplay.update(result.redisplay)
            if result.ok:
                answers = apply_page(survey, answers, result)
            else:
                errors += result.errors
        other: list[tuple[str, str]] = []
        if mode not in responses.ASSISTED_MODES:
            other.append(("mode", "Select how the response was given"))
        if errors or other:
            return await self._entry_page(
                slug, {**answers, **redisplay}, errors, mode, reference, other, status_code=400
            )
        try:
            await responses.record_assisted(
                slug,
                answers,
                mode=mode,
                entered_by=int(request.user.id),
                member_reference=reference or None,
                version=stored.version,
            )
        except SurveyError as error:
            return await self._entry_page(
                slug, answers, [], mode, reference, error.errors, status_code=error.status_code
            )
        except DefinitionError:  # pragma: no cover - stored versions are valid
            raise
        return Redirect(f"/staff/surveys/{slug}?entered=1", status_code=HTTP_303_SEE_OTHER)
