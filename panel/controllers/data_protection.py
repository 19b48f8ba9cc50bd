"""Staff pages for data protection: find a member, subject access (page and JSON), erasure
(which says what it removes and keeps, and that it cannot be undone, before it runs), open
requests, and the personal-data access log (admins only). Every view, export and erasure of a
member's personal data is logged (`panel.audit`)."""

from __future__ import annotations

import json
from typing import Any

from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException
from litestar.response import Redirect, Response, Template
from litestar.status_codes import HTTP_303_SEE_OTHER

from panel import data_protection
from panel.controllers.staff import panel_staff
from panel.self_service_words import words
from panel.services import member_by_reference
from service import audit


async def _document(member_id: int) -> dict[str, Any]:
    try:
        return await data_protection.subject_access(member_id)
    except data_protection.NotFound:
        raise NotFoundException(f"no member {member_id}") from None


class DataProtectionPages(Controller):
    path = "/staff/panel/data-protection"
    guards = [panel_staff]  # noqa: RUF012
    include_in_schema = False

    @get("/")
    async def index(self, request: Request[Any, Any, Any]) -> Template | Redirect:
        reference = (request.query_params.get("reference") or "").strip()
        error = None
        if reference:
            found = await member_by_reference(reference)
            if found:
                return Redirect(
                    f"{self.path}/members/{found['id']}", status_code=HTTP_303_SEE_OTHER
                )
            error = f"No member has the reference {reference.upper()}"
        return Template(
            "panel/data_protection.html",
            context={
                "requests": await data_protection.open_requests(),
                "reference": reference,
                "error": error,
                "has_errors": bool(error),
                "erased": request.query_params.get("erased"),
            },
        )

    @get("/members/{member_id:int}")
    async def member(self, request: Request[Any, Any, Any], member_id: int) -> Template:
        document = await _document(member_id)
        await audit.record(
            request.user, "view", f"panel member {member_id}", detail="subject access page"
        )
        return Template(
            "panel/staff_member_data.html",
            context={
                "doc": document,
                "w": words("en"),
                "member_id": member_id,
                "erased": document["member"]["status"] == "erased",
            },
        )

    @get("/members/{member_id:int}/data.json")
    async def export(self, request: Request[Any, Any, Any], member_id: int) -> Response[bytes]:
        document = await _document(member_id)
        await audit.record(
            request.user, "export", f"panel member {member_id}", detail="subject access JSON"
        )
        return Response(
            json.dumps(document, ensure_ascii=False, indent=2).encode(),
            media_type="application/json",
            headers={
                "Cache-Control": "no-store",
                "Content-Disposition": (
                    f'attachment; filename="subject-access-{document["reference"]}.json"'
                ),
            },
        )

    @get("/members/{member_id:int}/erase")
    async def erase_page(self, member_id: int) -> Template:
        document = await _document(member_id)
        return Template(
            "panel/staff_erase.html",
            context={
                "member_id": member_id,
                "reference": document["reference"],
                "status": document["member"]["status"],
                "removes": data_protection.ERASURE_REMOVES,
                "keeps": data_protection.ERASURE_KEEPS,
            },
        )

    @post("/members/{member_id:int}/erase", status_code=HTTP_303_SEE_OTHER)
    async def erase(self, request: Request[Any, Any, Any], member_id: int) -> Redirect:
        form = await request.form()
        if form.get("confirm") != "yes":
            return Redirect(
                f"{self.path}/members/{member_id}/erase?error=confirm",
                status_code=HTTP_303_SEE_OTHER,
            )
        try:
            await data_protection.erase(member_id, by=request.user.email)
        except data_protection.NotFound:
            raise NotFoundException(f"no member {member_id}") from None
        except data_protection.AlreadyErased:
            pass
        await audit.record(
            request.user, "erase", f"panel member {member_id}", detail="personal data erased"
        )
        return Redirect(f"{self.path}?erased={member_id}", status_code=HTTP_303_SEE_OTHER)
