"""`/panel/me/{token}`: a member's own page by their personal link, no password.

See and change details and preferences, pause until a date, leave with an optional reason,
download their data (JSON and a readable page) and ask for erasure. Every form carries the CSRF
field; every change goes through `panel.self_service`, which records it.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import Any

from litestar import Controller, Request, get, post
from litestar.response import Redirect, Response, Template
from litestar.status_codes import (
    HTTP_200_OK,
    HTTP_303_SEE_OTHER,
    HTTP_400_BAD_REQUEST,
    HTTP_404_NOT_FOUND,
    HTTP_410_GONE,
)
from markupsafe import Markup

from panel import data_protection, member_links, self_service
from panel.consent_wording import wording, wording_list
from panel.self_service_words import words
from panel.signup_steps import CHANNEL_WORDS, NEEDS, _checkboxes, _input, _list, _radios
from panel.signup_words import LANGUAGES
from service.auth import RESIDENT_OPT, public
from service.forms import FORM_REPEATS
from service.mail import send_mail
from service.settings import Settings

log = logging.getLogger(__name__)
NO_STORE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
BASE = "/panel/me"


def _lang(request: Request[Any, Any, Any], member: self_service.SelfServiceMember | None) -> str:
    asked = request.query_params.get("lang")
    if asked in LANGUAGES:
        return str(asked)
    if member is not None and member.values["language"] in LANGUAGES:
        return str(member.values["language"])
    return "en"


def _switcher(request: Request[Any, Any, Any], lang: str) -> list[dict[str, str]]:
    return [
        {"lang": code, "name": name, "href": f"{request.url.path}?lang={code}"}
        for code, name in LANGUAGES.items()
        if code != lang
    ]


def _date(value: dt.date | None, lang: str) -> str:
    if value is None:
        return ""
    months = {
        "cy": "Ionawr Chwefror Mawrth Ebrill Mai Mehefin Gorffennaf Awst Medi Hydref Tachwedd "
        "Rhagfyr",
    }.get(
        lang,
        "January February March April May June July August September October November December",
    )
    return f"{value.day} {months.split()[value.month - 1]} {value.year}"


def _flat(form: dict[str, list[Any]]) -> dict[str, Any]:
    return {k: (v[0] if len(v) == 1 else v) for k, v in form.items()}


async def _unknown(request: Request[Any, Any, Any]) -> Template:
    """An unknown link (404), or an expired or replaced one (410), each with the way to get a
    new link."""
    lang = _lang(request, None)
    w = words(lang)
    token = str(request.path_params.get("token") or "")
    state = await member_links.link_state(token) if token else None
    status = state.status if state is not None else "unknown"
    expired = status in ("expired", "replaced")
    key = status if expired else "unknown"
    return Template(
        "panel/signup/message.html",
        context={
            "lang": lang,
            "w": w,
            "title": w[f"me_{key}_title"],
            "text": w[f"me_{key}_text"].replace("{days}", str(member_links.link_days())),
            "new_link": True,
            "switcher": [],
        },
        status_code=HTTP_410_GONE if expired else HTTP_404_NOT_FOUND,
        headers=NO_STORE,
    )


class SelfServicePages(Controller):
    path = BASE
    guards = [public]  # noqa: RUF012
    opt = {**RESIDENT_OPT, FORM_REPEATS: ("consents", "needs", "wants_thank_you")}  # noqa: RUF012
    include_in_schema = False

    # --------------------------------------------------------------------- overview
    @get("/{token:str}")
    async def show(self, request: Request[Any, Any, Any], token: str) -> Template:
        member = await self_service.member_for_token(token)
        if member is None:
            return await _unknown(request)
        lang = _lang(request, member)
        w = words(lang)
        v = member.values
        here = f"{BASE}/{token}"
        status = w.get(f"status_{v['status']}", v["status"]).format(
            date=_date(v["paused_until"], lang)
        )
        needs = [w[f"need_{n}"] for n in ("large_print", "easy_read", "bsl") if v[n]]
        address = ", ".join(p for p in (v["address_line1"], v["town"], v["postcode"]) if p)

        def row(key: str, value: str, href: str | None = None) -> dict[str, Any]:
            item: dict[str, Any] = {
                "key": {"text": key},
                "value": {
                    ("html" if isinstance(value, Markup) else "text"): value,
                    "classes": "rv-wrap",
                },
            }
            if href:
                item["actions"] = {
                    "items": [{"href": href, "text": w["change"], "visuallyHiddenText": key}]
                }
            return item

        not_given = w["check_not_given"]
        details = [
            row(w["name"], f"{v['first_name']} {v['last_name']}", f"{here}/details"),
            row(w["email"], v["email"] or not_given, f"{here}/details"),
            row(w["phone"], v["phone"] or not_given, f"{here}/details"),
            row(w["address"], address or not_given, f"{here}/details"),
        ]
        preferences = [
            row(w["channel"], w[CHANNEL_WORDS[v["preferred_contact"]]], f"{here}/preferences"),
            row(
                w["consents"],
                wording_list(member.consents, lang) if member.consents else w["data_none"],
                f"{here}/preferences",
            ),
            row(
                w["language_pref"],
                LANGUAGES.get(v["language"], v["language"]),
                f"{here}/preferences",
            ),
            row(w["needs"], ", ".join(needs) or w["need_none"], f"{here}/preferences"),
        ]
        saved = request.query_params.get("saved")
        message = {
            "details": w["saved"],
            "email_pending": w["saved_email_pending"],
            "partly": w["saved_partly"],
            "preferences": w["saved"],
            "paused": w["paused"].format(date=_date(v["paused_until"], lang)),
            "resumed": w["resumed"],
            "post_stopped": w["post_stopped"],
        }.get(saved or "")
        pending = (
            w["email_pending"].format(
                pending=v["pending_email"],
                days=member_links.EMAIL_CHANGE_DAYS,
                current=v["email"] or w["check_not_given"],
            )
            if v.get("pending_email")
            else None
        )
        expires = member.link_expires_at
        expiry = w["me_link_expires"].format(date=_date(expires.date(), lang)) if expires else ""
        return Template(
            "panel/me.html",
            context={
                "lang": lang,
                "w": w,
                "title": w["me_title"],
                "member": v,
                "here": here,
                "details": details,
                "preferences": preferences,
                "status_text": status,
                "message": message,
                "pending_email": pending,
                "link_expiry": expiry,
                "post_consent": "contact:post" in member.consents,
                "switcher": _switcher(request, lang),
            },
            headers=NO_STORE,
        )

    def _form(
        self,
        request: Request[Any, Any, Any],
        token: str,
        lang: str,
        title: str,
        components: list[dict[str, Any]],
        *,
        errors: dict[str, str] | None = None,
        heading: bool = True,
        button: str | None = None,
        intro: list[str] | None = None,
        warning: bool = False,
    ) -> Template:
        w = words(lang)
        errors = errors or {}
        return Template(
            "panel/signup/step.html",
            context={
                "lang": lang,
                "w": w,
                "title": title,
                "heading": title if heading else None,
                "intro": intro or [],
                "components": components,
                "error_summary": {
                    "titleText": w["error_summary"],
                    "errorList": [
                        {"text": m, "href": f"#{'until-day' if f == 'until' else f}"}
                        for f, m in errors.items()
                    ],
                }
                if errors
                else None,
                "has_errors": bool(errors),
                "back_href": f"{BASE}/{token}",
                "action": request.url.path,
                "button_text": button or w["save"],
                "button_classes": "govuk-button--warning" if warning else "",
                "switcher": _switcher(request, lang),
            },
            status_code=HTTP_400_BAD_REQUEST if errors else HTTP_200_OK,
            headers=NO_STORE,
        )

    # --------------------------------------------------------------------- details
    def _details(
        self,
        request: Request[Any, Any, Any],
        token: str,
        lang: str,
        values: dict[str, Any],
        errors: dict[str, str] | None = None,
    ) -> Template:
        w = words(lang)
        errors = errors or {}
        fields: list[tuple[str, str, dict[str, Any]]] = [
            ("first_name", w["first_name"], {"autocomplete": "given-name", "spellcheck": False}),
            ("last_name", w["last_name"], {"autocomplete": "family-name", "spellcheck": False}),
            ("email", w["email"], {"type": "email", "autocomplete": "email", "spellcheck": False}),
            (
                "phone",
                w["phone"],
                {"type": "tel", "autocomplete": "tel", "classes": "govuk-input--width-20"},
            ),
            ("address_line1", w["address_line1"], {"autocomplete": "address-line1"}),
            (
                "town",
                w["town"],
                {"autocomplete": "address-level2", "classes": "govuk-!-width-two-thirds"},
            ),
            (
                "postcode",
                w["postcode"],
                {"autocomplete": "postal-code", "classes": "govuk-input--width-10"},
            ),
        ]
        components = [
            _input(f, label, values.get(f), errors, **extra) for f, label, extra in fields
        ]
        return self._form(request, token, lang, w["details_title"], components, errors=errors)

    @get("/{token:str}/details")
    async def details(self, request: Request[Any, Any, Any], token: str) -> Template:
        member = await self_service.member_for_token(token)
        if member is None:
            return await _unknown(request)
        return self._details(request, token, _lang(request, member), member.values)

    @post("/{token:str}/details", status_code=HTTP_303_SEE_OTHER)
    async def save_details(
        self, request: Request[Any, Any, Any], token: str, settings: Settings
    ) -> Template | Redirect:
        member = await self_service.member_for_token(token)
        if member is None:
            return await _unknown(request)
        lang = _lang(request, member)
        form = _flat((await request.form()).dict())
        try:
            change = await self_service.update_details(member.id, form)
        except self_service.ChangeError as error:
            return self._details(request, token, lang, form, {error.field: words(lang)[error.key]})
        if change.pending_email and change.email_token:
            link = f"{settings.public_url.rstrip('/')}/panel/confirm-email/{change.email_token}"
            try:
                await send_mail(
                    member_links.email_change_mail(change.pending_email, link, lang, settings),
                    settings,
                )
            except OSError:
                log.exception("new-email confirmation could not be sent (member %s)", member.id)
        # "saved" only for what was saved: a new email address waits for its confirmation
        saved = "details"
        if change.pending_email:
            saved = "partly" if change.changed else "email_pending"
        return Redirect(
            f"{BASE}/{token}?saved={saved}", status_code=HTTP_303_SEE_OTHER, headers=NO_STORE
        )

    # --------------------------------------------------------------------- preferences
    def _preferences(
        self,
        request: Request[Any, Any, Any],
        token: str,
        lang: str,
        values: dict[str, Any],
        errors: dict[str, str] | None = None,
    ) -> Template:
        w = words(lang)
        errors = errors or {}
        consents = set(values["consents"])
        needs = set(values["needs"])
        channel_radios = _radios(
            "preferred_contact",
            w["channel_title"],
            [(c, w[k]) for c, k in CHANNEL_WORDS.items()],
            values["preferred_contact"],
            errors,
        )
        language_radios = _radios(
            "language", w["language_title"], list(LANGUAGES.items()), values["language"], errors
        )
        consent_boxes = _checkboxes(
            "consents",
            w["consents_title"],
            w["consents_hint"],
            [
                {"value": p, "text": wording(p, lang), "checked": p in consents}
                for p in self_service.OPTIONAL_PURPOSES
            ],
            errors,
        )
        need_boxes = _checkboxes(
            "needs",
            w["needs_title"],
            w["needs_hint"],
            [
                {"value": n, "text": w[f"need_{n}"], "checked": n in needs}
                for n in NEEDS
                if n != "welsh"
            ],
            errors,
        )
        thanks = _checkboxes(
            "wants_thank_you",
            w["thank_you_title"],
            "",
            [{"value": "yes", "text": w["thank_you"], "checked": bool(values["wants_thank_you"])}],
            errors,
        )
        components = [channel_radios, consent_boxes, language_radios, need_boxes, thanks]
        for component in components:  # one h1 on the page; each group is an h2-sized legend
            legend = component["params"]["fieldset"]["legend"]
            legend.update(isPageHeading=False, classes="govuk-fieldset__legend--m")
            if not component["params"]["hint"] or not component["params"]["hint"].get("text"):
                component["params"]["hint"] = None
        return self._form(request, token, lang, w["preferences_title"], components, errors=errors)

    @get("/{token:str}/preferences")
    async def preferences(self, request: Request[Any, Any, Any], token: str) -> Template:
        member = await self_service.member_for_token(token)
        if member is None:
            return await _unknown(request)
        v = member.values
        values = {
            "preferred_contact": v["preferred_contact"],
            "consents": member.consents,
            "language": v["language"],
            "needs": {n for n in ("large_print", "easy_read", "bsl") if v[n]},
            "wants_thank_you": v["wants_thank_you"],
        }
        return self._preferences(request, token, _lang(request, member), values)

    @post("/{token:str}/preferences", status_code=HTTP_303_SEE_OTHER)
    async def save_preferences(
        self, request: Request[Any, Any, Any], token: str
    ) -> Template | Redirect:
        member = await self_service.member_for_token(token)
        if member is None:
            return await _unknown(request)
        lang = _lang(request, member)
        form = _flat((await request.form()).dict())
        values: dict[str, Any] = {
            "preferred_contact": str(form.get("preferred_contact") or ""),
            "consents": set(_list(form, "consents")),
            "language": str(form.get("language") or "en"),
            "needs": set(_list(form, "needs")),
            "wants_thank_you": "yes" in _list(form, "wants_thank_you"),
        }
        try:
            await self_service.update_preferences(member.id, **values)
        except self_service.ChangeError as error:
            return self._preferences(
                request, token, lang, values, {error.field: words(lang)[error.key]}
            )
        return Redirect(
            f"{BASE}/{token}?saved=preferences", status_code=HTTP_303_SEE_OTHER, headers=NO_STORE
        )

    # --------------------------------------------------------------------- pause
    def _pause(
        self,
        request: Request[Any, Any, Any],
        token: str,
        lang: str,
        values: dict[str, str],
        errors: dict[str, str] | None = None,
    ) -> Template:
        w = words(lang)
        errors = errors or {}
        box = " govuk-input--error" if errors else ""
        component = {
            "macro": "date",
            "params": {
                "id": "until",
                "namePrefix": "until",
                "fieldset": {
                    "legend": {
                        "text": w["pause_legend"],
                        "isPageHeading": True,
                        "classes": "govuk-fieldset__legend--l",
                    }
                },
                "hint": {"text": w["pause_hint"]},
                "errorMessage": {"text": errors["until"]} if "until" in errors else None,
                "items": [
                    {
                        "name": "day",
                        "label": w["day"],
                        "classes": "govuk-input--width-2" + box,
                        "value": values.get("day", ""),
                    },
                    {
                        "name": "month",
                        "label": w["month"],
                        "classes": "govuk-input--width-2" + box,
                        "value": values.get("month", ""),
                    },
                    {
                        "name": "year",
                        "label": w["year"],
                        "classes": "govuk-input--width-4" + box,
                        "value": values.get("year", ""),
                    },
                ],
            },
        }
        return self._form(
            request,
            token,
            lang,
            w["pause_legend"],
            [component],
            errors=errors,
            heading=False,
            button=w["pause_button"],
        )

    @get("/{token:str}/pause")
    async def pause_page(self, request: Request[Any, Any, Any], token: str) -> Template:
        member = await self_service.member_for_token(token)
        if member is None:
            return await _unknown(request)
        return self._pause(request, token, _lang(request, member), {})

    @post("/{token:str}/pause", status_code=HTTP_303_SEE_OTHER)
    async def pause(self, request: Request[Any, Any, Any], token: str) -> Template | Redirect:
        member = await self_service.member_for_token(token)
        if member is None:
            return await _unknown(request)
        lang = _lang(request, member)
        w = words(lang)
        form = _flat((await request.form()).dict())
        values = {
            p: str(form.get(f"until-{p}") or "").strip()[:4] for p in ("day", "month", "year")
        }
        try:
            until = dt.date(int(values["year"]), int(values["month"]), int(values["day"]))
        except ValueError:
            return self._pause(request, token, lang, values, {"until": w["err_pause_date"]})
        try:
            await self_service.pause(member.id, until)
        except self_service.ChangeError as error:
            return self._pause(request, token, lang, values, {"until": w[error.key]})
        return Redirect(
            f"{BASE}/{token}?saved=paused", status_code=HTTP_303_SEE_OTHER, headers=NO_STORE
        )

    @post("/{token:str}/resume", status_code=HTTP_303_SEE_OTHER)
    async def resume(self, request: Request[Any, Any, Any], token: str) -> Template | Redirect:
        member = await self_service.member_for_token(token)
        if member is None:
            return await _unknown(request)
        await self_service.resume(member.id)
        return Redirect(
            f"{BASE}/{token}?saved=resumed", status_code=HTTP_303_SEE_OTHER, headers=NO_STORE
        )

    # --------------------------------------------------------------------- leave
    @get("/{token:str}/leave")
    async def leave_page(
        self, request: Request[Any, Any, Any], token: str, settings: Settings
    ) -> Template:
        member = await self_service.member_for_token(token)
        if member is None:
            return await _unknown(request)
        lang = _lang(request, member)
        w = words(lang)
        reason = {
            "macro": "textarea",
            "params": {
                "id": "reason",
                "name": "reason",
                "label": {"text": w["leave_reason"], "classes": "govuk-label--m"},
                "hint": {"text": w["leave_reason_hint"]},
                "maxlength": 1000,
            },
        }
        intro = [w["leave_text"].format(days=settings.panel_withdrawn_retention_days)]
        return self._form(
            request,
            token,
            lang,
            w["leave_title"],
            [reason],
            button=w["leave_button"],
            intro=intro,
            warning=True,
        )

    @post("/{token:str}/leave", status_code=HTTP_200_OK)
    async def leave(self, request: Request[Any, Any, Any], token: str) -> Template:
        member = await self_service.member_for_token(token)
        if member is None:
            return await _unknown(request)
        lang = _lang(request, member)
        w = words(lang)
        form = _flat((await request.form()).dict())
        await self_service.leave(member.id, str(form.get("reason") or ""))
        return Template(
            "panel/signup/message.html",
            context={
                "lang": lang,
                "w": w,
                "title": w["left_title"],
                "text": w["left_text"],
                "panel": True,
                "switcher": [],
            },
            headers=NO_STORE,
        )

    # --------------------------------------------------------------------- stop letters
    @get("/{token:str}/stop-post")
    async def stop_post_page(self, request: Request[Any, Any, Any], token: str) -> Template:
        member = await self_service.member_for_token(token)
        if member is None:
            return await _unknown(request)
        lang = _lang(request, member)
        w = words(lang)
        intro = [w["stop_post_text"]]
        if member.values["preferred_contact"] == "post":
            others = [
                c
                for c in ("email", "sms", "phone")
                if f"contact:{c}" in member.consents
                and member.values["email" if c == "email" else "phone"]
            ]
            intro.append(
                w["stop_post_moves"].format(channel=w[CHANNEL_WORDS[others[0]]].lower())
                if others
                else w["stop_post_none"]
            )
        return self._form(
            request,
            token,
            lang,
            w["stop_post_title"],
            [],
            button=w["stop_post_button"],
            intro=intro,
            warning=True,
        )

    @post("/{token:str}/stop-post", status_code=HTTP_303_SEE_OTHER)
    async def stop_post(self, request: Request[Any, Any, Any], token: str) -> Template | Redirect:
        member = await self_service.member_for_token(token)
        if member is None:
            return await _unknown(request)
        await member_links.stop_post(member.id)
        return Redirect(
            f"{BASE}/{token}?saved=post_stopped", status_code=HTTP_303_SEE_OTHER, headers=NO_STORE
        )

    # --------------------------------------------------------------------- your data
    @get("/{token:str}/data")
    async def data_page(self, request: Request[Any, Any, Any], token: str) -> Template:
        member = await self_service.member_for_token(token)
        if member is None:
            return await _unknown(request)
        lang = _lang(request, member)
        w = words(lang)
        document = await data_protection.subject_access(member.id)
        return Template(
            "panel/my_data.html",
            context={
                "lang": lang,
                "w": w,
                "title": w["data_title"],
                "doc": document,
                "json_href": f"{BASE}/{token}/data.json",
                "back_href": f"{BASE}/{token}",
                "switcher": _switcher(request, lang),
            },
            headers=NO_STORE,
        )

    @get("/{token:str}/data.json")
    async def data_json(
        self, request: Request[Any, Any, Any], token: str
    ) -> Response[bytes] | Template:
        member = await self_service.member_for_token(token)
        if member is None:
            return await _unknown(request)
        document = await data_protection.subject_access(member.id)
        body = json.dumps(document, ensure_ascii=False, indent=2).encode()
        return Response(
            body,
            media_type="application/json",
            headers={
                **NO_STORE,
                "Content-Disposition": (
                    f'attachment; filename="my-panel-data-{document["reference"]}.json"'
                ),
            },
        )

    # --------------------------------------------------------------------- erasure
    @get("/{token:str}/erasure")
    async def erasure_page(self, request: Request[Any, Any, Any], token: str) -> Template:
        member = await self_service.member_for_token(token)
        if member is None:
            return await _unknown(request)
        lang = _lang(request, member)
        w = words(lang)
        removes, keeps = data_protection.ERASURE_TEXT.get(lang, data_protection.ERASURE_TEXT["en"])
        return Template(
            "panel/erasure_request.html",
            context={
                "lang": lang,
                "w": w,
                "title": w["erasure_title"],
                "removes": removes,
                "keeps": keeps,
                "back_href": f"{BASE}/{token}",
                "switcher": _switcher(request, lang),
            },
            headers=NO_STORE,
        )

    @post("/{token:str}/erasure", status_code=HTTP_200_OK)
    async def erasure(self, request: Request[Any, Any, Any], token: str) -> Template:
        member = await self_service.member_for_token(token)
        if member is None:
            return await _unknown(request)
        lang = _lang(request, member)
        w = words(lang)
        new = await self_service.request_erasure(member.id)
        return Template(
            "panel/signup/message.html",
            context={
                "lang": lang,
                "w": w,
                "title": w["erasure_done_title"],
                "text": w["erasure_done_text"] if new else w["erasure_already"],
                "panel": True,
                "switcher": [],
            },
            headers=NO_STORE,
        )
