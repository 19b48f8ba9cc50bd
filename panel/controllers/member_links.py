"""`/panel/link` (a fresh self-service link by email) and `/panel/confirm-email/{token}`
(confirming a new email address). Public pages; the logic is in `panel.member_links`.

The fresh-link page answers the same whether or not the address belongs to a member, so it
cannot be used to find out who is on the panel.
"""

from __future__ import annotations

from typing import Any

from email_validator import EmailNotValidError, validate_email
from litestar import Controller, Request, get, post
from litestar.response import Template
from litestar.status_codes import (
    HTTP_200_OK,
    HTTP_400_BAD_REQUEST,
    HTTP_404_NOT_FOUND,
    HTTP_410_GONE,
    HTTP_429_TOO_MANY_REQUESTS,
)

from panel import member_links
from panel.controllers.self_service import NO_STORE, _flat, _lang, _switcher
from panel.self_service_words import words
from panel.signup_steps import _input
from service.auth import RESIDENT_OPT, public
from service.proxies import request_address
from service.settings import Settings


def _message(lang: str, title: str, text: str, status: int, *, panel: bool = False) -> Template:
    return Template(
        "panel/signup/message.html",
        context={
            "lang": lang,
            "w": words(lang),
            "title": title,
            "text": text,
            "panel": panel,
            "switcher": [],
        },
        status_code=status,
        headers=NO_STORE,
    )


def _braces(text: str) -> str:
    """Text given by a person, safe inside a `str.format` template."""
    return text.replace("{", "{{").replace("}", "}}")


class LinkRequestPages(Controller):
    path = "/panel/link"
    guards = [public]  # noqa: RUF012
    opt = RESIDENT_OPT
    include_in_schema = False

    def _form(
        self, request: Request[Any, Any, Any], lang: str, value: str, error: str | None
    ) -> Template:
        w = words(lang)
        errors = {"email": error} if error else {}
        field = _input(
            "email",
            w["link_email"],
            value,
            errors,
            type="email",
            autocomplete="email",
            spellcheck=False,
            hint={"text": w["link_hint"]},
        )
        return Template(
            "panel/signup/step.html",
            context={
                "lang": lang,
                "w": w,
                "title": w["link_title"],
                "heading": w["link_title"],
                "components": [field],
                "error_summary": {
                    "titleText": w["error_summary"],
                    "errorList": [{"text": error, "href": "#email"}],
                }
                if error
                else None,
                "has_errors": bool(error),
                "back_href": "/panel/join",
                "action": request.url.path,
                "button_text": w["link_button"],
                "switcher": _switcher(request, lang),
            },
            status_code=HTTP_400_BAD_REQUEST if error else HTTP_200_OK,
            headers=NO_STORE,
        )

    @get("/")
    async def ask(self, request: Request[Any, Any, Any]) -> Template:
        return self._form(request, _lang(request, None), "", None)

    @post("/", status_code=HTTP_200_OK)
    async def send(self, request: Request[Any, Any, Any], settings: Settings) -> Template:
        lang = _lang(request, None)
        w = words(lang)
        form = _flat((await request.form()).dict())
        raw = str(form.get("email") or "").strip()[:254]
        try:
            email = validate_email(raw, check_deliverability=False).normalized
        except EmailNotValidError:
            return self._form(request, lang, raw, w["err_link_email"])
        address = request_address(request, settings.trusted_proxies)
        if not await member_links.allow_link_request(address, email, settings):
            return _message(
                lang,
                w["link_limit_title"],
                w["link_limit_text"],
                HTTP_429_TOO_MANY_REQUESTS,
            )
        await member_links.queue_fresh_link(email, lang)
        text = w["link_sent_text"].format(
            address=_braces(email), days=member_links.link_days(settings)
        )
        return _message(lang, w["link_sent_title"], text, HTTP_200_OK, panel=True)


class EmailChangePages(Controller):
    """GET asks (mail scanners open links; GET changes nothing), POST confirms, once."""

    path = "/panel/confirm-email"
    guards = [public]  # noqa: RUF012
    opt = RESIDENT_OPT
    include_in_schema = False

    @get("/{token:str}")
    async def ask(self, request: Request[Any, Any, Any], token: str) -> Template:
        lang = _lang(request, None)
        w = words(lang)
        return Template(
            "panel/signup/confirm.html",
            context={
                "lang": lang,
                "w": {
                    **w,
                    "confirm_ask_text": w["new_email_ask_text"],
                    "confirm_button": w["new_email_button"],
                },
                "title": w["new_email_ask_title"],
                "switcher": _switcher(request, lang),
            },
            headers=NO_STORE,
        )

    @post("/{token:str}", status_code=HTTP_200_OK)
    async def confirm(self, request: Request[Any, Any, Any], token: str) -> Template:
        lang = _lang(request, None)
        w = words(lang)
        outcome = await member_links.confirm_email_change(token)
        status = {
            "confirmed": HTTP_200_OK,
            "used": HTTP_410_GONE,
            "expired": HTTP_410_GONE,
            "taken": HTTP_400_BAD_REQUEST,
        }.get(outcome, HTTP_404_NOT_FOUND)
        key = outcome if outcome in ("confirmed", "used", "expired", "taken") else "unknown"
        return _message(
            lang,
            w[f"new_email_{key}_title"],
            w[f"new_email_{key}_text"],
            status,
            panel=outcome == "confirmed",
        )
