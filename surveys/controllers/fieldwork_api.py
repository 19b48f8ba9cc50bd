"""The fieldwork JSON API, `/api/surveys/{slug}/fieldwork` (panel managers): invite a draw to the
survey's current version and read progress by channel and state.

The request body is typed (`InviteRequest`) so OpenAPI documents it; Litestar's own validation
failure is answered in the surveys API's error shape, naming the field, like every other error.
"""

from __future__ import annotations

import re
from typing import Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.exceptions import ValidationException

from service.tables import StaffUser
from surveys.controllers.api import PANEL, problem, survey_error_handler
from surveys.schemas import FieldworkProgress, InviteOut, InviteRequest, Skipped
from surveys.services import definitions_store, fieldwork
from surveys.services.errors import SurveyError

_NAMED_FIELD = re.compile(r"field `([^`]+)`")


def validation_error_handler(
    _: Request[Any, Any, Any], exc: ValidationException
) -> Response[dict[str, Any]]:
    """Litestar's body validation as `{"errors": [{"path": "draw_id", …}]}`."""
    errors: list[tuple[str, str]] = []
    extra = exc.extra if isinstance(exc.extra, list) else []
    for item in extra:
        if isinstance(item, dict):
            message = str(item.get("message", exc.detail))
            key = str(item.get("key") or "data")
            if key == "data":  # a missing or unknown field: msgspec names it in the message
                named = _NAMED_FIELD.search(message)
                key = named.group(1) if named else "body"
            errors.append((key, message))
    return problem(400, "the request body is not valid", errors or [("body", str(exc.detail))])


def _api_path(path: str) -> str:
    """Service error paths as the API's field names (`draw` is `draw_id` in the body)."""
    return "draw_id" if path == "draw" else path


async def progress(slug: str) -> FieldworkProgress:
    """Counts for the current version: by channel (with a total) and by invitation state."""
    stored = await definitions_store.get_version(slug)
    rows = await fieldwork.fieldwork_counts(stored.survey_id, stored.version)
    channels = [r for r in rows if r["channel"] != "total"]
    total = next((r for r in rows if r["channel"] == "total"), None)
    nothing = {k: 0 for k in ("invited", "sent", "reminded", "responded", "pending", "skipped")}
    return msgspec.convert(
        {
            "slug": stored.slug,
            "version": stored.version,
            "channels": channels,
            "total": total or {"channel": "total", **nothing},
            "states": await fieldwork.state_counts(stored.survey_id, stored.version),
        },
        FieldworkProgress,
    )


class FieldworkAPI(Controller):
    path = "/api/surveys/{slug:str}/fieldwork"
    guards = [PANEL]  # noqa: RUF012
    tags = ["surveys"]  # noqa: RUF012
    exception_handlers = {  # noqa: RUF012
        SurveyError: survey_error_handler,
        ValidationException: validation_error_handler,
    }

    @get("/")
    async def show(self, slug: str) -> FieldworkProgress:
        """Progress of the current version: `channels` (invited, sent, reminded, responded,
        pending, skipped per channel), `total`, and `states`
        (pending|to_call|sent|responded|skipped)."""
        return await progress(slug)

    @post("/", status_code=201)
    async def invite(
        self, request: Request[StaffUser, Any, Any], slug: str, data: InviteRequest
    ) -> InviteOut:
        """Invite a recorded draw. 400 names the field (`draw_id`, `minutes`, `members[P-…]`
        when nobody can be invited); 404 for an unknown survey; nothing is written on error."""
        try:
            result = await fieldwork.invite(
                slug, draw_id=data.draw_id, minutes=data.minutes, created_by=request.user.email
            )
        except SurveyError as error:
            error.errors = [(_api_path(p), m) for p, m in error.errors]
            raise
        return InviteOut(
            slug=result.survey,
            version=result.version,
            invited=result.invited,
            total=result.total,
            skipped=[Skipped(r, why) for r, why in result.skipped],
            already_invited=result.already_invited,
        )
