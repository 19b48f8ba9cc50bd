"""Staff page for applicants who are waiting: phone- and post-only sign-ups need a person to
check them (a call or a letter) before they become active members."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER

from panel.controllers.staff import panel_staff
from panel.signup import confirm_by_staff, pending_applicants
from service import audit


class ApplicantPages(Controller):
    path = "/staff/panel/applicants"
    guards = [panel_staff]  # noqa: RUF012
    include_in_schema = False

    @get("/")
    async def applicants(self, request: Request[Any, Any, Any]) -> Template:
        applicants = await pending_applicants()
        # Names, emails, phone numbers and postcodes are on this page: record who saw them.
        await audit.record_views(
            request.user, (int(a["id"]) for a in applicants), page="applicants page"
        )
        return Template(
            "panel/applicants.html",
            context={
                "applicants": applicants,
                "confirmed": request.query_params.get("confirmed"),
            },
        )

    @post("/{member_id:int}/confirm", status_code=HTTP_303_SEE_OTHER)
    async def confirm(self, request: Request[Any, Any, Any], member_id: int) -> Redirect:
        if not await confirm_by_staff(member_id, request.user.email):
            raise NotFoundException(f"member {member_id} is not an applicant")
        return Redirect(
            f"/staff/panel/applicants?confirmed={member_id}", status_code=HTTP_303_SEE_OTHER
        )
