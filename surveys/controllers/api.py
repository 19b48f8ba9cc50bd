"""The surveys JSON API under `/api/surveys`, for staff tools and scripts.

Authentication is the staff session cookie (`rv_session`, from signing in at /staff/sign-in) or a
personal API token (`Authorization: Bearer rv_…`, made at /staff/account), with the same role guards
either way. CSRF applies to every unsafe method sent with the session cookie: read the `rv_csrf`
cookie and send its value in the `x-csrftoken` header (token-only requests skip it). Errors come
back as JSON `{"status_code", "detail", "errors": [{"path", "message"}]}`: 400 for a malformed body
or invalid definition/answers, 403 for a role that may not, 404 for an unknown survey, 409 when an
assisted entry is for a panel member who has already responded or a link is asked for a member who
may not be contacted. Nothing is written unless the whole request is valid.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, Literal

import msgspec
import yaml
from litestar import Controller, MediaType, Request, Response, get, post
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import OpenAPIType, Schema

from panel import services as panel_services
from service import audit
from service.auth import requires_role
from service.openapi import BINARY, CONFLICT, TEXT, file_download, raw_body
from service.params import PathInt, QueryInt
from service.roles import Role
from service.settings import Settings
from service.tables import StaffUser
from surveys.definitions import DefinitionError
from surveys.schemas import (
    AssistedOut,
    AssistedResponse,
    DefinitionSaved,
    IssuedLinkOut,
    LinkRequest,
    LinksOut,
    OpenLinkOut,
    OpenLinkRequest,
    ResponseCounts,
    SurveyDefinition,
    SurveyDetail,
    SurveySummary,
)
from surveys.services import (
    definition_uploads,
    definitions_store,
    export_policy,
    exports,
    links,
    responses,
)
from surveys.services.errors import SurveyError

STAFF = requires_role(Role.PANEL_MANAGER, Role.RESEARCH_OFFICER)
RESEARCH = requires_role(Role.RESEARCH_OFFICER)
PANEL = requires_role(Role.PANEL_MANAGER)


def problem(status: int, detail: str, errors: list[tuple[str, str]]) -> Response[dict[str, Any]]:
    """The API's error body: what was wrong and where."""
    return Response(
        {
            "status_code": status,
            "detail": detail,
            "errors": [{"path": path, "message": message} for path, message in errors],
        },
        status_code=status,
        media_type=MediaType.JSON,
    )


def survey_error_handler(_: Request[Any, Any, Any], exc: SurveyError) -> Response[Any]:
    return problem(exc.status_code, exc.message, exc.errors)


def definition_error_handler(_: Request[Any, Any, Any], exc: DefinitionError) -> Response[Any]:
    errors = [(issue.path or "body", issue.message) for issue in exc.errors]
    return problem(400, "the survey definition is not valid", errors)


def parse_definition_body(body: bytes, content_type: str) -> Any:
    """A definition from a JSON or YAML body; SurveyError naming the line when malformed."""
    if not body.strip():
        raise SurveyError("the request body is empty", [("body", "send a survey definition")])
    try:
        if "yaml" in content_type:
            return yaml.safe_load(body.decode("utf-8"))
        return json.loads(body)
    except json.JSONDecodeError as error:
        raise SurveyError(
            "malformed JSON",
            [("body", f"{error.msg} at line {error.lineno} column {error.colno}")],
        ) from None
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        raise SurveyError("malformed YAML", [("body", str(error).replace("\n", " "))]) from None


def export_filter(
    version: int | None,
    since: dt.date | None,
    until: dt.date | None,
    mode: str | None,
    status: str | None,
    include_partial: bool,
    include_personal: bool,
) -> exports.ExportFilter:
    return exports.ExportFilter(
        version=version,
        since=since,
        until=until,
        mode=mode or None,
        status=status or None,
        include_partial=include_partial,
        include_personal=include_personal,
    )


async def export_file(
    user: StaffUser,
    settings: Settings,
    slug: str,
    fmt: str,
    filters: exports.ExportFilter,
    *,
    include_sensitive: bool = False,
    reason: str = "",
) -> Response[bytes]:
    """The export the user's role allows (`export_policy`), recorded in the audit log first
    when it carries contact details or sensitive answers."""
    if fmt not in exports.FORMATS:
        raise SurveyError(
            "unknown export format", [("format", f"must be one of {', '.join(exports.FORMATS)}")]
        )
    disclosure = export_policy.disclosure_for(
        user.role,
        include_personal=filters.include_personal,
        include_sensitive=include_sensitive,
        reason=reason,
        pseudonym_key=settings.secret_key,
    )
    frame, codebook = await exports.export_frame(slug, filters, disclosure)
    if disclosure.audited and fmt != "codebook":  # a codebook holds no one's data
        carried = [
            *(["names and contact details"] if disclosure.personal else []),
            *(["sensitive answers"] if disclosure.answers and disclosure.sensitive else []),
            "keyed pseudonyms" if disclosure.pseudonym_key else "panel references",
        ]
        await audit.record(
            user,
            "export",
            f"survey {slug}",
            detail=f"{fmt}, {len(frame)} rows: {', '.join(carried)}",
            reason=disclosure.reason,
        )
    return export_response(slug, fmt, frame, codebook)


def export_response(slug: str, fmt: str, frame: Any, codebook: dict[str, Any]) -> Response[bytes]:
    media_type, suffix = exports.FORMATS[fmt]
    version = codebook.get("version")
    name = f"{slug}-v{version}.{suffix}" if version else f"{slug}.{suffix}"
    return Response(
        exports.render(fmt, frame, codebook),
        media_type=media_type,
        headers={
            "content-disposition": f'attachment; filename="{name}"',
            "cache-control": "no-store",
        },
    )


#: The codebook document (`format=codebook`): `surveys.questions.export.survey_codebook` and the
#: fixed, panel and personal columns `exports.export_frame` puts in front.
CODEBOOK_SCHEMA = Schema(
    type=OpenAPIType.OBJECT,
    required=["survey", "title", "version", "variables"],
    properties={
        "survey": Schema(type=OpenAPIType.STRING, description="The survey's slug"),
        "title": Schema(type=OpenAPIType.STRING),
        "version": Schema(type=OpenAPIType.INTEGER, minimum=1),
        "variables": Schema(
            type=OpenAPIType.ARRAY,
            description="One per export column, in column order",
            items=Schema(
                type=OpenAPIType.OBJECT,
                required=["name", "label", "type", "ordered", "values", "missing"],
                properties={
                    "name": Schema(type=OpenAPIType.STRING, description="The column"),
                    "label": Schema(type=OpenAPIType.STRING),
                    "type": Schema(
                        type=OpenAPIType.STRING,
                        description="text, categorical, binary, numeric, date, …",
                    ),
                    "ordered": Schema(type=OpenAPIType.BOOLEAN),
                    "values": Schema(
                        type=OpenAPIType.OBJECT,
                        description="Value labels: code → label",
                        additional_properties=Schema(type=OpenAPIType.STRING),
                    ),
                    "missing": Schema(
                        type=OpenAPIType.ARRAY,
                        description="Codes that mean no answer (don't know, prefer not to say)",
                        items=Schema(type=OpenAPIType.STRING),
                    ),
                },
            ),
        ),
    },
)
#: What `format=` sends, by media type: exactly `exports.FORMATS`'s (tested).
EXPORT_CONTENT = {
    exports.FORMATS["csv"][0]: TEXT,
    exports.FORMATS["xlsx"][0]: BINARY,
    exports.FORMATS["sav"][0]: BINARY,
    exports.FORMATS["codebook"][0]: CODEBOOK_SCHEMA,
}


#: `POST /api/surveys` with a definition already stored: nothing made, the stored version said.
UNCHANGED = {
    200: ResponseSpec(
        data_container=DefinitionSaved,
        description="Nothing changed (the same definition was already stored): nothing was made",
        generate_examples=False,
    )
}
#: `format=`: the keys of `exports.FORMATS` (tested), as an enum in the OpenAPI document.
ExportFormat = Literal["csv", "xlsx", "sav", "codebook"]


class SurveysAPI(Controller):
    path = "/api/surveys"
    guards = [STAFF]  # noqa: RUF012
    tags = ["surveys"]  # noqa: RUF012
    exception_handlers = {  # noqa: RUF012
        SurveyError: survey_error_handler,
        DefinitionError: definition_error_handler,
    }

    @get("/")
    async def list_surveys(self) -> list[SurveySummary]:
        """Every survey with its current version and live response counts by status and mode."""
        rows = await definitions_store.list_surveys()
        return [
            SurveySummary(
                slug=r["slug"],
                title=r["title"],
                version=r["current_version"],
                status=r["status"],
                open_link=r["open_enabled"],
                complete=r["complete"],
                partial=r["partial"],
                counts=msgspec.convert(r["counts"], ResponseCounts),
            )
            for r in rows
        ]

    @post(
        "/",
        status_code=201,
        operation_class=raw_body(
            "A survey definition (see docs), as JSON or YAML",
            "application/json",
            "application/yaml",
        ),
        responses=UNCHANGED,
        # a definition may be up to 512 KB; every other body keeps the app's 256 KB
        request_max_body_size=definition_uploads.MAX_FORM_BYTES,
    )
    async def upload(self, request: Request[StaffUser, Any, Any]) -> Response[DefinitionSaved]:
        """Create a survey or a new version from a JSON or YAML (`content-type: application/yaml`)
        definition. An unchanged definition answers 200 and makes nothing."""
        data = parse_definition_body(await request.body(), request.headers.get("content-type", ""))
        result = await definitions_store.save_definition(data, created_by=request.user.email)
        return Response(
            DefinitionSaved(
                slug=result.stored.slug,
                version=result.stored.version,
                content_hash=result.stored.content_hash,
                created=result.created,
                replaced=result.replaced,
            ),
            status_code=201 if result.created or result.replaced else 200,
        )

    @get("/{slug:str}")
    async def detail(self, slug: str) -> SurveyDetail:
        """The current version's number and title, every version stored, and response counts."""
        stored = await definitions_store.get_version(slug)
        counts = (await definitions_store.response_counts(stored.survey_id)).get(
            stored.survey_id, {"complete": {}, "partial": {}}
        )
        return SurveyDetail(
            slug=stored.slug,
            title=stored.survey.title(stored.survey.languages[0]),
            version=stored.version,
            versions=await definitions_store.version_numbers(stored.survey_id),
            counts=msgspec.convert(counts, ResponseCounts),
        )

    @get("/{slug:str}/versions/{version:int}")
    async def definition(self, slug: str, version: PathInt) -> SurveyDefinition:
        """One stored version's definition, as it was uploaded."""
        stored = await definitions_store.get_version(slug, version)
        return SurveyDefinition(stored.slug, stored.version, dict(stored.survey.data))

    @post("/{slug:str}/links", status_code=201, guards=[PANEL], responses=CONFLICT)
    async def make_links(self, data: LinkRequest, slug: str, settings: Settings) -> LinksOut:
        """Single-use links. The tokens are in this answer only: they are stored hashed."""
        body = data
        errors: list[tuple[str, str]] = []
        member_ids: list[int] = []
        for i, reference in enumerate(body.member_references):
            member = await panel_services.member_by_reference(reference)
            if member is None:
                errors.append((f"member_references[{i}]", "no panel member with this reference"))
            else:
                member_ids.append(int(member["id"]))
        if body.count <= 0 and not body.member_references:
            errors.append(("count", "ask for at least one link"))
        if body.expires_in_days is not None and not 1 <= body.expires_in_days <= 366:
            errors.append(("expires_in_days", "must be between 1 and 366"))
        if errors:
            raise SurveyError("the request body is not valid", errors)
        issued = await links.create_links(
            slug, member_ids=member_ids, count=body.count, expires_in_days=body.expires_in_days
        )
        base = settings.public_url.rstrip("/")
        return LinksOut(
            [IssuedLinkOut(base + link.path(), link.token, link.member_id) for link in issued]
        )

    @post("/{slug:str}/open-link", guards=[PANEL])
    async def open_link(self, data: OpenLinkRequest, slug: str, settings: Settings) -> OpenLinkOut:
        """Turn the open link (anyone may answer) on or off; its short link comes with it."""
        body = data
        row = await definitions_store.set_open_link(slug, body.enabled)
        base = settings.public_url.rstrip("/")
        return OpenLinkOut(
            slug=row["slug"],
            enabled=row["open_enabled"],
            url=f"{base}/o/{row['slug']}",
            short_url=f"{base}/r/{row['short_code']}" if row["short_code"] else None,
        )

    @post("/{slug:str}/responses", status_code=201, responses=CONFLICT)
    async def assisted(
        self, request: Request[StaffUser, Any, Any], slug: str, data: AssistedResponse
    ) -> AssistedOut:
        """Enter a paper, phone or face-to-face response for a resident; records who entered it.

        For a panel member (`member_reference`) the entry claims their open personal link and
        completes any partial online response; a member who has already responded gets 409 with
        the path `member_reference`, and nothing is stored."""
        body = data
        stored = await responses.record_assisted(
            slug,
            body.answers,
            mode=body.mode,
            entered_by=int(request.user.id),
            member_reference=body.member_reference,
            version=body.version,
            lang=body.lang,
        )
        return AssistedOut(**stored)

    @get(
        "/{slug:str}/export",
        operation_class=file_download(
            "The export file: `format=csv` text/csv (UTF-8 with a byte-order mark), `xlsx` an "
            "Excel workbook, `sav` an SPSS file, `codebook` the JSON codebook; sent as an "
            "attachment (`content-disposition`) with `cache-control: no-store`",
            EXPORT_CONTENT,
        ),
    )
    async def export(
        self,
        request: Request[StaffUser, Any, Any],
        slug: str,
        settings: Settings,
        format: ExportFormat = "csv",
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
        """Responses as csv, xlsx, sav or codebook (JSON), as `export_policy` allows your role:
        research officers get answers with keyed pseudonyms; panel managers a fieldwork list
        (no answers), with names and contact details when `include_personal=true`;
        administrators either, or sensitive answers beside panel references with
        `include_sensitive=true` and a `reason`."""
        return await export_file(
            request.user,
            settings,
            slug,
            format,
            export_filter(version, since, until, mode, status, include_partial, include_personal),
            include_sensitive=include_sensitive,
            reason=reason,
        )
