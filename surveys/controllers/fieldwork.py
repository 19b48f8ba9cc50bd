"""Staff page `/staff/surveys/{slug}/fieldwork` (panel managers): invite a sample draw to the
survey's current version, watch sent / reminded / responded by channel, download letters."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException
from litestar.response import File, Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER, HTTP_400_BAD_REQUEST

from panel import services as panel_services
from service import audit
from service.settings import Settings
from service.tables import StaffUser
from surveys.controllers.api import PANEL
from surveys.services import definitions_store, fieldwork, sending
from surveys.services.errors import SurveyError

CHANNEL_LABELS = {
    "email": "Email",
    "sms": "Text message",
    "post": "Letter",
    "phone": "Phone call",
    "none": "Not contactable",
    "total": "Total",
}
METHOD_LABELS = {"random": "simple random", "stratified": "stratified", "quota": "quota"}
#: How many draws the page offers; an older one can still be invited through the API or CLI.
RECENT_DRAWS = 15
KIND_LABELS = {"invitation": "Invitations", "reminder": "Reminders", "thank_you": "Thank-yous"}


class FieldworkPages(Controller):
    path = "/staff/surveys/{slug:str}/fieldwork"
    guards = [PANEL]  # noqa: RUF012
    include_in_schema = False

    async def _page(
        self,
        slug: str,
        *,
        viewer: StaffUser,
        errors: list[tuple[str, str]] | None = None,
        form: dict[str, str] | None = None,
        status_code: int = 200,
        banner: str = "",
        called: dict[str, str] | None = None,
    ) -> Template:
        stored = await definitions_store.get_version(slug)
        calls = await fieldwork.call_list(stored.survey_id, stored.version)
        # The call list shows names and phone numbers: record who saw them.
        await audit.record_views(
            viewer, (c["member_id"] for c in calls), page=f"fieldwork call list ({slug})"
        )
        return Template(
            "surveys/staff/fieldwork.html",
            context={
                "title": f"Invitations and reminders: {stored.survey.title('en')}",
                "slug": slug,
                "version": stored.version,
                "counts": await fieldwork.fieldwork_counts(stored.survey_id, stored.version),
                "skipped": await fieldwork.skipped(stored.survey_id, stored.version),
                "batches": await fieldwork.letter_batches(stored.survey_id),
                "channels": CHANNEL_LABELS,
                "kinds": KIND_LABELS,
                "errors": errors or [],
                "form": form or {},
                "banner": banner,
                "draws": await panel_services.list_draws(RECENT_DRAWS),
                "calls": calls,
                "called": called,
                "methods": METHOD_LABELS,
                "minutes": fieldwork.estimate_minutes(len(stored.survey.questions)),
            },
            status_code=status_code,
        )

    @get("/")
    async def show(self, request: Request[StaffUser, Any, Any], slug: str) -> Template:
        query = request.query_params
        banner = ""
        if "invited" in query:
            banner = (
                f"{query.get('invited')} members invited; {query.get('skipped', '0')} skipped "
                f"and {query.get('already', '0')} already invited. Sending has been queued."
            )
        return await self._page(slug, viewer=request.user, banner=banner)

    @post("/", status_code=HTTP_303_SEE_OTHER)
    async def invite(self, request: Request[StaffUser, Any, Any], slug: str) -> Template | Redirect:
        form = await request.form()
        values = {k: str(form.get(k, "")).strip() for k in ("draw", "minutes")}
        errors: list[tuple[str, str]] = []
        draw = minutes = None
        if not values["draw"].isdigit():
            errors.append(("draw", "Choose the sample draw to invite"))
        else:
            draw = int(values["draw"])
        if values["minutes"]:
            if not values["minutes"].isdigit():
                errors.append(("minutes", "Enter how many minutes the survey takes, like 5"))
            else:
                minutes = int(values["minutes"])
        if not errors:
            try:
                result = await fieldwork.invite(
                    slug, draw_id=draw, minutes=minutes, created_by=request.user.email
                )
            except SurveyError as error:
                errors = [(_field(path), message) for path, message in error.errors]
            else:
                return Redirect(
                    f"/staff/surveys/{slug}/fieldwork?invited={result.total}"
                    f"&skipped={len(result.skipped)}&already={len(result.already_invited)}",
                    status_code=HTTP_303_SEE_OTHER,
                )
        return await self._page(
            slug, viewer=request.user, errors=errors, form=values, status_code=HTTP_400_BAD_REQUEST
        )

    @post("/calls/{invitation_id:int}", status_code=200)
    async def called(
        self,
        request: Request[StaffUser, Any, Any],
        slug: str,
        invitation_id: int,
        settings: Settings,
    ) -> Template:
        """Mark a member on the call list as called: shows the link to read out, once."""
        stored = await definitions_store.get_version(slug)
        calls = await fieldwork.call_list(stored.survey_id, stored.version)
        member = next((c for c in calls if c["invitation_id"] == invitation_id), None)
        try:
            path = await fieldwork.mark_called(
                stored.survey_id, invitation_id, called_by=request.user.email
            )
        except SurveyError as error:
            return await self._page(
                slug,
                viewer=request.user,
                errors=[("calls", m) for _, m in error.errors],
                status_code=HTTP_400_BAD_REQUEST,
            )
        base = settings.public_url
        if member is not None:  # their name is shown beside the link to read out
            await audit.record_views(
                request.user, [member["member_id"]], page=f"fieldwork call made ({slug})"
            )
        return await self._page(
            slug,
            viewer=request.user,
            called={
                "name": member["name"] if member else "",
                "reference": member["reference"] if member else "",
                "link": base.rstrip("/") + path,
            },
        )

    @get("/letters/{batch_id:int}")
    async def letters(self, slug: str, batch_id: int) -> File:
        stored = await definitions_store.get_version(slug)
        found = await sending.letter_file(batch_id, survey_id=stored.survey_id)
        if found is None:
            raise NotFoundException("no such letter batch for this survey, or its file is gone")
        path, name = found
        return File(
            path=path,
            filename=name,
            media_type="application/pdf",
            headers={"Cache-Control": "no-store"},
        )


def _field(path: str) -> str:
    """Error paths from the service (`members[P-…]`, `draw`) as the form's field names."""
    return "draw" if path.startswith("members") or path == "members" else path
