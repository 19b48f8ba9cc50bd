"""Public sign-up pages (`/panel/join`) and the email confirmation link (`/panel/confirm`).

Answers so far live in an encrypted cookie (`panel.sealed`), so every page is GET + POST with a
redirect, back links work and nothing is stored about someone who stops half-way. Nothing is
written until the resident confirms on the check-answers page. The pages never say whether an
address is already on the panel: a repeat sign-up gets the same page, and an email instead.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from litestar import Controller, Request, get, post
from litestar.datastructures import Cookie
from litestar.response import Redirect, Template
from litestar.status_codes import (
    HTTP_200_OK,
    HTTP_303_SEE_OTHER,
    HTTP_400_BAD_REQUEST,
    HTTP_404_NOT_FOUND,
    HTTP_410_GONE,
)
from markupsafe import Markup

from panel import signup, signup_limits, signup_mail
from panel.consent_wording import wording_list
from panel.sealed import seal, unseal
from panel.services import self_service_link
from panel.signup_steps import (
    BY_ID,
    CHANNEL_WORDS,
    Draft,
    application,
    first_unanswered,
    previous_step,
    steps_for,
)
from panel.signup_words import LANGUAGES, options, words
from service.auth import RESIDENT_OPT, public
from service.forms import FORM_REPEATS
from service.logs import safe_traceback
from service.proxies import request_address
from service.settings import Settings

log = logging.getLogger(__name__)

DRAFT_COOKIE = "rv_signup"
LANG_COOKIE = "rv_lang"  # the same cookie the survey pages use, so a choice carries over
DRAFT_MAX_AGE_S = 2 * 3600
NO_STORE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
BASE = "/panel/join"
SOURCE = re.compile(r"^[a-z0-9][a-z0-9-]{0,31}$")


def _lang(request: Request[Any, Any, Any]) -> str:
    for candidate in (request.query_params.get("lang"), request.cookies.get(LANG_COOKIE)):
        if candidate in LANGUAGES:
            return str(candidate)
    return "en"


def _switcher(request: Request[Any, Any, Any], lang: str) -> list[dict[str, str]]:
    return [
        {"lang": code, "name": name, "href": f"{request.url.path}?lang={code}"}
        for code, name in LANGUAGES.items()
        if code != lang
    ]


def _cookies(
    request: Request[Any, Any, Any], lang: str, settings: Settings, draft: Draft | None
) -> list[Cookie]:
    secure = settings.secure_cookies
    cookies = []
    if request.query_params.get("lang") == lang:
        cookies.append(
            Cookie(
                key=LANG_COOKIE,
                value=lang,
                httponly=True,
                samesite="lax",
                secure=secure,
                max_age=86400 * 30,
            )
        )
    if draft is not None:
        cookies.append(
            Cookie(
                key=DRAFT_COOKIE,
                value=seal(draft, settings.secret_key, DRAFT_COOKIE),
                httponly=True,
                samesite="lax",
                secure=secure,
                path=BASE,
                max_age=DRAFT_MAX_AGE_S,
            )
        )
    return cookies


def _draft(request: Request[Any, Any, Any], settings: Settings) -> Draft:
    raw = request.cookies.get(DRAFT_COOKIE)
    if not raw:
        return {}
    return unseal(raw, settings.secret_key, DRAFT_COOKIE, DRAFT_MAX_AGE_S) or {}


def _flat(form: dict[str, list[Any]]) -> dict[str, Any]:
    return {k: (v[0] if len(v) == 1 else v) for k, v in form.items()}


def _see_other(path: str, cookies: list[Cookie] | None = None) -> Redirect:
    return Redirect(path, status_code=HTTP_303_SEE_OTHER, headers=NO_STORE, cookies=cookies or [])


class SignUpPages(Controller):
    path = BASE
    guards = [public]  # noqa: RUF012
    opt = {**RESIDENT_OPT, FORM_REPEATS: ("consents", "needs")}  # noqa: RUF012 (checkboxes)
    include_in_schema = False

    @get("/")
    async def start(self, request: Request[Any, Any, Any], settings: Settings) -> Template:
        lang = _lang(request)
        w = words(lang)
        # A recruitment campaign's link (`/panel/join?source=library-2026`) is recorded as the
        # member's source; a fresh start otherwise leaves any answers so far untouched.
        source = request.query_params.get("source") or ""
        draft = {"source": source} if SOURCE.match(source) else None
        return Template(
            "panel/signup/start.html",
            context={
                "lang": lang,
                "w": w,
                "title": w["start_title"],
                "switcher": _switcher(request, lang),
            },
            headers=NO_STORE,
            cookies=_cookies(request, lang, settings, draft),
        )

    def _step_page(
        self,
        request: Request[Any, Any, Any],
        settings: Settings,
        step_id: str,
        draft: Draft,
        lang: str,
        errors: dict[str, str] | None = None,
    ) -> Template:
        w = words(lang)
        step = BY_ID[step_id]
        errors = errors or {}
        previous = previous_step(step_id, draft)
        back = (
            f"{BASE}/check"
            if request.query_params.get("return") == "check"
            else (f"{BASE}/{previous}" if previous else BASE)
        )
        error_summary = (
            {
                "titleText": w["error_summary"],
                "errorList": [
                    {"text": message, "href": f"#{_anchor(step_id, field)}"}
                    for field, message in errors.items()
                ],
            }
            if errors
            else None
        )
        return Template(
            "panel/signup/step.html",
            context={
                "lang": lang,
                "w": w,
                "title": w[step.title],
                "heading": None if step.heading_in_component else w[step.title],
                "components": step.components(draft, w, lang, errors),
                "error_summary": error_summary,
                "has_errors": bool(errors),
                "back_href": back,
                "action": request.url.path,
                "switcher": _switcher(request, lang),
                "hint": w["address_hint"] if step_id == "address" else None,
            },
            status_code=HTTP_400_BAD_REQUEST if errors else HTTP_200_OK,
            headers=NO_STORE,
            cookies=_cookies(request, lang, settings, draft if not errors else None),
        )

    @get("/{step_id:str}")
    async def show(
        self, request: Request[Any, Any, Any], settings: Settings, step_id: str
    ) -> Template | Redirect:
        lang = _lang(request)
        draft = _draft(request, settings)
        if step_id == "check":
            return await self._check(request, settings, draft, lang)
        if step_id == "sent":
            return self._sent(request, lang)
        if step_id not in BY_ID or not BY_ID[step_id].applies(draft):
            return _see_other(BASE)
        ids = [s.id for s in steps_for(draft)]
        pending = first_unanswered(draft)
        if pending is not None and ids.index(step_id) > ids.index(pending):
            return _see_other(f"{BASE}/{pending}")
        return self._step_page(request, settings, step_id, draft, lang)

    @post("/{step_id:str}", status_code=HTTP_303_SEE_OTHER)
    async def answer(
        self, request: Request[Any, Any, Any], settings: Settings, step_id: str
    ) -> Template | Redirect:
        lang = _lang(request)
        draft = _draft(request, settings)
        if step_id == "check":
            return await self._submit(request, settings, draft, lang)
        if step_id not in BY_ID or not BY_ID[step_id].applies(draft):
            return _see_other(BASE)
        form = _flat((await request.form()).dict())
        errors = BY_ID[step_id].parse(form, draft, words(lang))
        if errors:
            return self._step_page(request, settings, step_id, draft, lang, errors)
        draft["lang"] = lang
        draft["done"] = sorted({*draft.get("done", []), step_id})
        pending = first_unanswered(draft)
        target = f"{BASE}/{pending}" if pending else f"{BASE}/check"
        return _see_other(target, _cookies(request, lang, settings, draft))

    async def _check(
        self, request: Request[Any, Any, Any], settings: Settings, draft: Draft, lang: str
    ) -> Template | Redirect:
        pending = first_unanswered(draft)
        if pending is not None:
            return _see_other(f"{BASE}/{pending}" if draft else BASE)
        w = words(lang)
        return Template(
            "panel/signup/check.html",
            context={
                "lang": lang,
                "w": w,
                "title": w["check_title"],
                "rows": _summary_rows(draft, w, lang),
                "back_href": f"{BASE}/{previous_step('check', draft)}",
                "switcher": _switcher(request, lang),
            },
            headers=NO_STORE,
            cookies=_cookies(request, lang, settings, None),
        )

    async def _submit(
        self, request: Request[Any, Any, Any], settings: Settings, draft: Draft, lang: str
    ) -> Template | Redirect:
        if first_unanswered(draft) is not None:
            return _see_other(BASE)
        address = request_address(request, settings.trusted_proxies)
        key = signup_limits.address_key(settings.secret_key, address)
        if not await signup_limits.allow(key, settings.panel_signups_per_hour):
            w = words(lang)
            return Template(
                "panel/signup/message.html",
                context={
                    "lang": lang,
                    "w": w,
                    "title": w["rate_title"],
                    "text": w["rate_text"],
                    "switcher": _switcher(request, lang),
                },
                status_code=429,
                headers={**NO_STORE, "retry-after": "3600"},
            )
        try:
            result = await signup.apply(application(draft))
        except signup.SignUpError as error:
            step = {
                "first_name": "name",
                "last_name": "name",
                "preferred_contact": "contact",
                "consent": "consent",
                "email": "email",
                "phone": "phone",
                "address_line1": "address",
            }.get(error.field, "name")
            return self._step_page(
                request, settings, step, draft, lang, {_field(step): error.message}
            )
        await _send_messages(result, lang, settings)
        how = "email" if draft.get("email") else "staff"
        gone = Cookie(
            key=DRAFT_COOKIE, value="", path=BASE, max_age=0, httponly=True, samesite="lax"
        )
        return _see_other(f"{BASE}/sent?how={how}", [gone])

    def _sent(self, request: Request[Any, Any, Any], lang: str) -> Template:
        w = words(lang)
        how = "email" if request.query_params.get("how") == "email" else "staff"
        return Template(
            "panel/signup/message.html",
            context={
                "lang": lang,
                "w": w,
                "title": w[f"done_{how}_title"],
                "text": w[f"done_{how}_text"],
                "panel": True,
                "switcher": _switcher(request, lang),
            },
            headers=NO_STORE,
        )


def _field(step: str) -> str:
    return {
        "name": "first_name",
        "contact": "preferred_contact",
        "consent": "consents",
        "address": "address_line1",
    }.get(step, step)


def _anchor(step_id: str, field: str) -> str:
    """The id of a field's first control, as the GOV.UK macros number them (radios and
    checkboxes use the prefix for the first item, the date input its day box)."""
    return "dob-day" if field == "dob" else field


async def _send_messages(result: signup.SignUpResult, lang: str, settings: Settings) -> None:
    """The confirmation link, or a note with the member's own link when they already belong.

    A failed send is logged without the address; the applicant can sign up again for a new link.
    """
    if not result.email:
        return
    try:
        if result.confirm_token:
            link = f"{settings.public_url}/panel/confirm/{result.confirm_token}"
            await signup_mail.send(
                signup_mail.confirmation_mail(result.email, link, lang, settings), settings
            )
        elif result.status in ("active", "paused"):
            link = settings.public_url + await self_service_link(result.member_id)
            await signup_mail.send(
                signup_mail.already_member_mail(result.email, link, lang, settings), settings
            )
    except OSError as error:
        # Not log.exception: an SMTP error's message quotes the refused address.
        log.warning(
            "sign-up mail could not be sent (member id %s)\n%s",
            result.member_id,
            safe_traceback(error),
        )


def _summary_rows(draft: Draft, w: dict[str, str], lang: str) -> list[dict[str, Any]]:
    def label(question: str, code: str) -> str:
        if not code:
            return w["check_not_given"]
        if code == "prefer_not_to_say":
            return w["prefer_not_to_say"]
        return dict(options(question, lang)).get(code, code)

    born = application(draft).date_of_birth
    needs = [w[f"need_{n}"] for n in draft.get("needs", []) if n != "none"]
    address = ", ".join(
        p for p in (draft.get("address_line1"), draft.get("town"), draft.get("postcode")) if p
    )
    rows = [
        ("name", w["name_title"], f"{draft.get('first_name', '')} {draft.get('last_name', '')}"),
        ("contact", w["channel_title"], w[CHANNEL_WORDS[draft["preferred_contact"]]]),
        ("email", w["email_title"], draft.get("email") or w["check_not_given"]),
        ("phone", w["phone_title"], draft.get("phone") or w["check_not_given"]),
        ("address", w["address_title"], address or w["check_not_given"]),
        (
            "date-of-birth",
            w["dob_title"],
            f"{born.day}/{born.month}/{born.year}" if born else w["check_not_given"],
        ),
        ("needs", w["needs_title"], ", ".join(needs) or w["need_none"]),
        (
            "consent",
            w["consent_title"],
            wording_list(draft.get("consents", []), lang),
        ),
        ("sex", w["sex_title"], label("sex", draft.get("sex", ""))),
        (
            "ethnic-group",
            w["ethnicity_title"],
            label("ethnic_group", draft.get("ethnic_group", "")),
        ),
        (
            "long-term-condition",
            w["condition_title"],
            label("long_term_condition", draft.get("long_term_condition", "")),
        ),
    ]
    if draft.get("long_term_condition") == "yes":
        rows.append(
            (
                "reduced-ability",
                w["reduced_title"],
                label("reduced_ability", draft.get("reduced_ability", "")),
            )
        )
    return [
        {
            "key": {"text": key},
            "value": {
                ("html" if isinstance(value, Markup) else "text"): value,
                "classes": "rv-wrap",
            },
            "actions": {
                "items": [
                    {
                        "href": f"{BASE}/{step}?return=check",
                        "text": w["check_change"],
                        "visuallyHiddenText": key,
                    }
                ]
            },
        }
        for step, key, value in rows
    ]


class ConfirmPages(Controller):
    """`/panel/confirm/{token}`: GET asks (mail scanners fetch links), POST confirms, once."""

    path = "/panel/confirm"
    guards = [public]  # noqa: RUF012
    opt = RESIDENT_OPT
    include_in_schema = False

    @get("/{token:str}")
    async def ask(self, request: Request[Any, Any, Any], token: str) -> Template:
        lang = _lang(request)
        w = words(lang)
        return Template(
            "panel/signup/confirm.html",
            context={
                "lang": lang,
                "w": w,
                "title": w["confirm_ask_title"],
                "switcher": _switcher(request, lang),
            },
            headers=NO_STORE,
        )

    @post("/{token:str}", status_code=HTTP_200_OK)
    async def confirm(self, request: Request[Any, Any, Any], token: str) -> Template:
        lang = _lang(request)
        w = words(lang)
        outcome = await signup.confirm_email(token)
        key = {"confirmed": "confirmed", "used": "confirm_used", "expired": "confirm_expired"}.get(
            outcome, "confirm_unknown"
        )
        status = {"confirmed": HTTP_200_OK, "used": HTTP_410_GONE, "expired": HTTP_410_GONE}.get(
            outcome, HTTP_404_NOT_FOUND
        )
        return Template(
            "panel/signup/message.html",
            context={
                "lang": lang,
                "w": w,
                "title": w[f"{key}_title"],
                "text": w[f"{key}_text"],
                "again": outcome == "expired",
                "switcher": [],
            },
            status_code=status,
            headers=NO_STORE,
        )
