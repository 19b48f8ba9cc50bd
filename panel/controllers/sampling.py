"""Staff pages and JSON API for drawing samples and viewing draws (panel managers only)."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.enums import MediaType, RequestEncodingType
from litestar.exceptions import NotFoundException
from litestar.params import Body
from litestar.response import Redirect, Response, Template
from litestar.status_codes import HTTP_303_SEE_OTHER

from panel.contact_rules import panel_rules
from panel.sample_requests import Errors, parse_request
from panel.sampling import DrawResult, SampleError, draw_sample, get_draw, recent_draws, replay_draw
from panel.schemas import DrawDocument, DrawSummary, ReplayOut, SampleRequestBody
from service.auth import requires_role
from service.forms import FORM_REPEATS
from service.openapi import CONFLICT
from service.params import PathInt
from service.roles import Role

FormData = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
panel_staff = requires_role(Role.PANEL_MANAGER)

DIMENSION_TITLES = {
    "age_band": "Age band",
    "sex": "Sex",
    "ward": "Ward",
    "ethnicity": "Ethnic group",
    "disability": "Disability",
    "imd_quintile": "Deprivation quintile (IMD)",
}
METHOD_TITLES = {
    "random": "Simple random",
    "stratified": "Stratified, in proportion to the population",
    "quota": "Quota selection",
}


def _user_email(request: Request[Any, Any, Any]) -> str:
    user = request.scope.get("user")
    return str(getattr(user, "email", "") or "")


def _summary(errors: Errors) -> dict[str, Any]:
    return {
        "titleText": "There is a problem",
        "errorList": [
            {"text": m, "href": "#" + f.split(".")[0].replace("_", "-")} for f, m in errors
        ],
    }


def _form_page(form: dict[str, Any], errors: Errors, status: int = 200) -> Template:
    return Template(
        "panel/sample_form.html",
        context={
            "form": form,
            "errors": errors,
            "summary": _summary(errors),
            "rules": panel_rules(),
            "dimensions": DIMENSION_TITLES,
            "methods": METHOD_TITLES,
        },
        status_code=status,
    )


def _draw_document(result: DrawResult) -> dict[str, Any]:
    return {
        **result.document(),
        "size": len(result.drawn),
        "rules": result.rules,
        "quotas": result.against_quotas(),
        "strata": result.against_strata(),
        "shortfalls": result.shortfalls,
        "excluded": result.excluded,
        "created_by": result.created_by,
        "created_at": result.created_at.isoformat(),
    }


class SamplePages(Controller):
    path = "/staff/panel/samples"
    guards = [panel_staff]  # noqa: RUF012
    include_in_schema = False
    opt = {FORM_REPEATS: ("stratify",)}  # noqa: RUF012 (checkboxes)

    @get("/")
    async def index(self) -> Template:
        return Template(
            "panel/samples.html",
            context={"draws": await recent_draws(), "methods": METHOD_TITLES},
        )

    @get("/new")
    async def new(self) -> Template:
        rules = panel_rules()
        return _form_page(
            {
                "method": "random",
                "not_invited_within_days": rules.not_invited_within_days,
                "max_invitations_12_months": rules.max_invitations_12_months,
                "one_per_household": "yes" if rules.one_per_household else "",
            },
            [],
        )

    @post("/", status_code=HTTP_303_SEE_OTHER)
    async def create(self, request: Request[Any, Any, Any], data: FormData) -> Template | Redirect:
        draw, errors = parse_request(data, _user_email(request), form=True)
        if draw is None:
            return _form_page(data, errors, 400)
        try:
            result = await draw_sample(draw)
        except SampleError as error:
            return _form_page(data, [("size", p) for p in error.problems], 400)
        return Redirect(f"/staff/panel/samples/{result.draw_id}", status_code=HTTP_303_SEE_OTHER)

    @get("/{draw_id:int}")
    async def show(self, draw_id: int, replayed: str | None = None) -> Template:
        try:
            result = await get_draw(draw_id)
        except KeyError:
            raise NotFoundException(f"there is no draw {draw_id}") from None
        return Template(
            "panel/sample.html",
            context={
                "draw": result,
                "methods": METHOD_TITLES,
                "dimensions": DIMENSION_TITLES,
                "replayed": replayed,
            },
        )

    @post("/{draw_id:int}/replay", status_code=HTTP_303_SEE_OTHER)
    async def replay(self, draw_id: int) -> Redirect:
        try:
            replay = await replay_draw(draw_id)
        except KeyError:
            raise NotFoundException(f"there is no draw {draw_id}") from None
        outcome = "same" if replay.same else "different"
        return Redirect(
            f"/staff/panel/samples/{draw_id}?replayed={outcome}#replay",
            status_code=HTTP_303_SEE_OTHER,
        )


def _problem(status: int, detail: str, errors: Errors) -> Response[Any]:
    return Response(
        {
            "status_code": status,
            "detail": detail,
            "errors": [{"path": p, "message": m} for p, m in errors],
        },
        status_code=status,
        media_type=MediaType.JSON,
    )


class SampleAPI(Controller):
    path = "/api/panel/samples"
    guards = [panel_staff]  # noqa: RUF012
    tags = ["panel"]  # noqa: RUF012

    @get("/")
    async def list_draws(self) -> list[DrawSummary]:
        """The most recent draws, newest first."""
        return msgspec.convert(
            [
                {**d, "seed": int(d["seed"]), "created_at": d["created_at"].isoformat()}
                for d in await recent_draws()
            ],
            list[DrawSummary],
        )

    @post("/", status_code=201, responses=CONFLICT)
    async def create(
        self, request: Request[Any, Any, Any], data: SampleRequestBody
    ) -> Response[DrawDocument]:
        """Draw and record a sample. JSON body: `size`, `method` (random|stratified|quota),
        `quotas` ([{dimension, group, min, max}]), `stratify`, `rules`, `seed`.
        400 names each bad field; 409 says why the draw cannot be made (nothing recorded)."""
        draw, errors = parse_request(dict(data), _user_email(request), form=False)
        if draw is None:
            return _problem(400, "the draw request is not valid", errors)
        try:
            result = await draw_sample(draw)
        except SampleError as error:
            return _problem(
                409, "the sample cannot be drawn", [("sample", p) for p in error.problems]
            )
        return Response(msgspec.convert(_draw_document(result), DrawDocument), status_code=201)

    @get("/{draw_id:int}")
    async def show(self, draw_id: PathInt) -> DrawDocument:
        """A recorded draw: the `--json` document plus rules, quotas against drawn, exclusions."""
        try:
            return msgspec.convert(_draw_document(await get_draw(draw_id)), DrawDocument)
        except KeyError:
            raise NotFoundException(f"there is no draw {draw_id}") from None

    @post("/{draw_id:int}/replay", status_code=200)
    async def replay(self, draw_id: PathInt) -> ReplayOut:
        """Run the draw again from its record: `same` is true when it gives the same people."""
        try:
            replay = await replay_draw(draw_id)
        except KeyError:
            raise NotFoundException(f"there is no draw {draw_id}") from None
        return ReplayOut(draw_id=draw_id, same=replay.same, members=len(replay.recorded))
