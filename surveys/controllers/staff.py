"""Staff pages under `/staff/surveys`: surveys with live counts, exports, open links and QR
codes, starting a survey from the bank, and entering a paper, phone or face-to-face response."""

from __future__ import annotations

import datetime as dt
from typing import Any

import markupsafe
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.exceptions import HTTPException
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER, HTTP_413_REQUEST_ENTITY_TOO_LARGE

from service.forms import CHECKED_BY_HANDLER, FORM_REPEATS, refuse_repeats
from service.params import PathInt, QueryInt
from service.settings import Settings
from service.tables import StaffUser
from surveys.bank import list_bank, load_bank
from surveys.controllers.api import (
    PANEL,
    RESEARCH,
    STAFF,
    export_file,
    export_filter,
    parse_definition_body,
)
from surveys.definitions import DefinitionError
from surveys.questions import (
    FieldError,
    apply_page,
    error_summary,
    parse_page,
    question_view,
    repeatable_fields,
)
from surveys.services import definition_uploads, definitions_store, qr, responses
from surveys.services.errors import NotFound, SurveyError
from surveys.services.export_policy import EXPORT_ROLES, PERSONAL_DATA_ROLES

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


#: Banners on the versions page after an upload (`?saved=...&version=N`).
SAVED_MESSAGES = {
    "new_survey": "Survey added: version {version} is its first version.",
    "created": "Version {version} saved: it is now the current version.",
    "replaced": "Version {version} updated: it had no responses yet, so it was changed in place.",
    "unchanged": "Nothing changed: the definition is the same as version {version}.",
}


def _fault(path: str, message: str) -> str:
    return f"{path}: {message}" if path else message


def _fault_html(path: str, message: str) -> markupsafe.Markup:
    if not path:
        return markupsafe.escape(message)
    return markupsafe.Markup("<code>{}</code>: {}").format(path, message)


def definition_too_large(request: Request[Any, Any, Any], _: HTTPException) -> Redirect:
    """A form too big to read at all: back to the upload page, which says so."""
    return Redirect(f"{request.url.path}?problem=too-large", status_code=HTTP_303_SEE_OTHER)


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
                "can_export": request.user.role in EXPORT_ROLES,
                "can_answers": request.user.role in RESEARCH.roles,  # type: ignore[attr-defined]
                "can_personal": request.user.role in PERSONAL_DATA_ROLES,
                "is_admin": request.user.role == "admin",
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

    @get("/{slug:str}/export")
    async def export(
        self,
        request: Request[StaffUser, Any, Any],
        slug: str,
        settings: Settings,
        format: str = "csv",
        version: QueryInt = None,
        since: dt.date | None = None,
        until: dt.date | None = None,
        mode: str | None = None,
        status: str | None = None,
        include_partial: bool = False,
        include_personal: bool = False,
        include_sensitive: bool = False,
        reason: str = "",
    ) -> Response[bytes]:
        """The same export as the API's, by the same policy (`export_policy`)."""
        return await export_file(
            request.user,
            settings,
            slug,
            format,
            export_filter(version, since, until, mode, status, include_partial, include_personal),
            include_sensitive=include_sensitive,
            reason=reason,
        )

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

    @post(
        "/{slug:str}/enter", status_code=HTTP_303_SEE_OTHER, opt={FORM_REPEATS: CHECKED_BY_HANDLER}
    )
    async def enter(self, request: Request[StaffUser, Any, Any], slug: str) -> Template | Redirect:
        """Every page is parsed in order with the answers so far, so routing decides which
        questions count exactly as it does for a resident; nothing is stored unless all is valid."""
        stored = await definitions_store.get_version(slug)
        survey = stored.survey
        lang = survey.languages[0]
        form = await request.form()
        refuse_repeats(form, repeatable_fields(survey))  # 400 before anything is stored
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

    # ------------------------------------------------------------ definitions and versions
    @get("/{slug:str}/versions")
    async def versions(
        self, slug: str, saved: str | None = None, version: QueryInt = None
    ) -> Template:
        """Every version: created, content hash, responses, current, locked by responses."""
        stored = await definitions_store.get_version(slug)
        return Template(
            "surveys/staff/definition_versions.html",
            context={
                "title": f"Versions: {stored.survey.title(stored.survey.languages[0])}",
                "slug": slug,
                "rows": await definition_uploads.version_rows(stored.survey_id, stored.version),
                "saved": saved if saved in SAVED_MESSAGES and version is not None else None,
                "saved_message": SAVED_MESSAGES.get(saved or "", "").format(version=version),
            },
        )

    @get("/{slug:str}/versions/{version:int}/definition.yaml")
    async def download_definition(self, slug: str, version: PathInt) -> Response[bytes]:
        """One version's definition as YAML, ready to edit and upload again."""
        text = await definition_uploads.definition_yaml(slug, version)
        return Response(
            text.encode("utf-8"),
            media_type="application/yaml; charset=utf-8",
            headers={
                "content-disposition": f'attachment; filename="{slug}-v{version}.yaml"',
                "cache-control": "no-store",
            },
        )

    async def _upload_page(
        self,
        slug: str | None,
        text: str = "",
        errors: list[tuple[str, str, str]] | None = None,
        filename: str = "",
        status_code: int = 200,
    ) -> Template:
        """The upload page; `errors` are (field, path, message), one per fault."""
        if slug is None:
            title, survey_title = "Add a survey from a definition", None
        else:
            stored = await definitions_store.get_version(slug)
            survey_title = stored.survey.title(stored.survey.languages[0])
            title = "Upload a new version"
        errors = errors or []
        lines = {
            field: [markupsafe.escape(_fault(p, m)) for f, p, m in errors if f == field]
            for field in ("file", "definition")
        }
        return Template(
            "surveys/staff/definition_upload.html",
            context={
                "title": title,
                "slug": slug,
                "survey_title": survey_title,
                "action": "/staff/surveys/from-definition"
                if slug is None
                else f"/staff/surveys/{slug}/versions/new",
                "text": text,
                "filename": filename,
                "max_kb": definition_uploads.MAX_DEFINITION_BYTES // 1024,
                "error_summary": {
                    "titleText": "There is a problem",
                    "errorList": [
                        {"html": _fault_html(path, message), "href": f"#{field}"}
                        for field, path, message in errors
                    ],
                }
                if errors
                else None,
                "file_error": markupsafe.Markup("<br>").join(lines["file"]),
                "definition_error": markupsafe.Markup("<br>").join(lines["definition"]),
            },
            status_code=status_code,
        )

    async def _upload(
        self, request: Request[StaffUser, Any, Any], slug: str | None
    ) -> Template | Redirect:
        """Decode, parse (as the JSON API does) and save; on any fault, the page again with
        each fault and its path, and the text in the box so nothing is lost."""
        if slug is not None:
            await definitions_store.get_version(slug)  # 404 for an unknown survey
        form = await request.form()
        text = str(form.get("definition") or "")
        upload = form.get("file")
        filename = ""
        if isinstance(upload, UploadFile) and upload.filename:
            filename = upload.filename
            raw = await upload.read(definition_uploads.MAX_DEFINITION_BYTES + 1)
            await upload.close()
            try:
                if not raw:
                    raise SurveyError("empty file", [("file", f"{filename} is empty")])
                text = definition_uploads.decode_definition(raw)
            except SurveyError as error:
                status = 413 if error.message == definition_uploads.TOO_LARGE else 400
                faults = [("file", "", message) for _, message in error.errors]
                return await self._upload_page(slug, text, faults, status_code=status)
        if not text.strip():
            faults = [("definition", "", "Choose a file, or paste a survey definition")]
            return await self._upload_page(slug, text, faults, status_code=400)
        try:
            definition_uploads.check_text_size(text)
            data = parse_definition_body(
                text.encode("utf-8"), definition_uploads.content_type_for(text, filename)
            )
            result = await definition_uploads.save_upload(
                data, slug=slug, created_by=request.user.email
            )
        except SurveyError as error:
            status = 413 if error.message == definition_uploads.TOO_LARGE else 400
            faults = [("definition", "", f"{error.message}: {m}") for _, m in error.errors]
            if status == 413:
                faults = [("definition", "", error.message)]
            return await self._upload_page(slug, text, faults, filename, status_code=status)
        except DefinitionError as error:
            faults = [
                ("definition", issue.path or "(top level)", issue.message) for issue in error.errors
            ]
            return await self._upload_page(slug, text, faults, filename, status_code=400)
        saved = "created" if result.created else "replaced" if result.replaced else "unchanged"
        if slug is None and result.created:
            saved = "new_survey"
        return Redirect(
            f"/staff/surveys/{result.stored.slug}/versions"
            f"?saved={saved}&version={result.stored.version}",
            status_code=HTTP_303_SEE_OTHER,
        )

    @get("/from-definition")
    async def new_survey_form(self, problem: str | None = None) -> Template:
        """Add a survey from a YAML or JSON definition (its slug must be new)."""
        faults = [("file", "", definition_uploads.TOO_LARGE)] if problem == "too-large" else []
        return await self._upload_page(None, errors=faults)

    @post(
        "/from-definition",
        status_code=HTTP_303_SEE_OTHER,
        request_max_body_size=definition_uploads.MAX_FORM_BYTES,
        exception_handlers={HTTP_413_REQUEST_ENTITY_TOO_LARGE: definition_too_large},
    )
    async def new_survey(self, request: Request[StaffUser, Any, Any]) -> Template | Redirect:
        return await self._upload(request, None)

    @get("/{slug:str}/versions/new")
    async def new_version_form(self, slug: str, problem: str | None = None) -> Template:
        """Upload a new version of this survey (a YAML or JSON definition with its slug)."""
        faults = [("file", "", definition_uploads.TOO_LARGE)] if problem == "too-large" else []
        return await self._upload_page(slug, errors=faults)

    @post(
        "/{slug:str}/versions/new",
        status_code=HTTP_303_SEE_OTHER,
        request_max_body_size=definition_uploads.MAX_FORM_BYTES,
        exception_handlers={HTTP_413_REQUEST_ENTITY_TOO_LARGE: definition_too_large},
    )
    async def new_version(
        self, request: Request[StaffUser, Any, Any], slug: str
    ) -> Template | Redirect:
        return await self._upload(request, slug)
