"""Resident pages: personal links `/s/{token}`, open links `/o/{slug}`, short links `/r/{code}`.

GOV.UK patterns throughout: question pages (one thing per page where the definition says so),
a progress line, an error summary linking to each field, check your answers, confirmation.
Everything is a plain form post and redirect, so it works with JavaScript off. A page's answers
are stored only once the whole page is valid; a bad page is shown again with the resident's
input kept and nothing stored.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER

from service.auth import RESIDENT_OPT, public
from service.forms import CHECKED_BY_HANDLER, FORM_REPEATS, refuse_repeats
from service.proxies import request_address
from service.settings import Settings
from surveys.controllers import render_cache
from surveys.definitions.model import Survey as SurveyModel
from surveys.questions import (
    apply_page,
    check_answers_rows,
    page_view,
    parse_page,
    repeatable_fields,
)
from surveys.services import links, responses
from surveys.services.definitions_store import survey_for_link
from surveys.services.errors import NotFound, RateLimited
from surveys.services.links import LinkState
from surveys.services.wording import LANGUAGE_NAMES, words

NO_STORE = {"cache-control": "no-store", "x-robots-tag": "noindex"}
LANG_COOKIE = "rv_lang"


def _lang(request: Request[Any, Any, Any], survey: SurveyModel, state: LinkState | None) -> str:
    """`?lang=` first, then what the response remembers, then the cookie, then the default."""
    for candidate in (
        request.query_params.get("lang"),
        state.lang if state is not None and state.response_id is not None else None,
        request.cookies.get(LANG_COOKIE),
    ):
        if candidate in survey.languages:
            return str(candidate)
    return survey.languages[0]


def _lang_cookies(request: Request[Any, Any, Any], lang: str) -> list[Cookie]:
    if request.query_params.get("lang") == lang:
        return [
            Cookie(key=LANG_COOKIE, value=lang, httponly=True, samesite="lax", max_age=86400 * 30)
        ]
    return []


def _switcher(
    request: Request[Any, Any, Any], survey: SurveyModel, lang: str
) -> list[dict[str, str]]:
    """Links to the page in the survey's other languages (empty for one-language surveys)."""
    if len(survey.languages) < 2:
        return []
    return [
        {
            "lang": other,
            "name": LANGUAGE_NAMES.get(other, other),
            "href": f"{request.url.path}?lang={other}",
        }
        for other in survey.languages
        if other != lang
    ]


def link_problem(kind: str, lang: str = "en", status: int = 404) -> Template:
    """The friendly page for unknown, expired and used links: other ways to respond, no detail
    that would help anyone guess tokens (unknown and malformed look exactly the same)."""
    return Template(
        "surveys/link_problem.html",
        context={"kind": kind, "w": words(lang), "lang": lang},
        status_code=status,
        headers=NO_STORE,
    )


async def _load(token: str) -> tuple[LinkState, SurveyModel] | Template:
    state = await links.resolve(token)
    if state is None:
        return link_problem("unknown", status=404)
    survey = await survey_for_link(state)
    if state.status == "used":
        return link_problem("used", survey.languages[0], status=410)
    if state.closed:
        return link_problem("closed", survey.languages[0], status=410)
    if state.expired:
        return link_problem("expired", survey.languages[0], status=410)
    return state, survey


def _resume_page(survey: SurveyModel, state: LinkState) -> str | None:
    """Where a returning resident carries on: the page after the last one they sent, or None
    when they have been through every page (then: check your answers)."""
    answers = state.answers
    if not state.last_page:
        first = survey.first_page(answers)
        return first.id if first else None
    try:
        nxt = survey.next_page(state.last_page, answers)
    except KeyError:
        first = survey.first_page(answers)
        return first.id if first else None
    return nxt.id if nxt else None


def _progress(survey: SurveyModel, page_id: str, answers: dict[str, Any]) -> tuple[int, int]:
    visible = [p.id for p in survey.visible_pages(answers)]
    n = visible.index(page_id) + 1 if page_id in visible else 1
    return n, max(len(visible), n)


class ResidentPages(Controller):
    guards = [public]  # noqa: RUF012
    opt = RESIDENT_OPT
    include_in_schema = False

    # ------------------------------------------------------------ personal links
    @get("/s/{token:str}")
    async def start(self, request: Request[Any, Any, Any], token: str) -> Template | Redirect:
        """The survey's start page, or straight on to where a returning resident stopped."""
        loaded = await _load(token)
        if isinstance(loaded, Template):
            return loaded
        state, survey = loaded
        lang = _lang(request, survey, state)
        if state.response_id is not None:
            await responses.set_language(state, lang)
            target = _resume_page(survey, state)
            path = f"/s/{token}/page/{target}" if target else f"/s/{token}/check"
            return Redirect(path, status_code=HTTP_303_SEE_OTHER, headers=NO_STORE)
        first = survey.first_page({})
        w = words(lang)
        return Template(
            "surveys/start.html",
            context={
                "lang": lang,
                "w": w,
                "survey_title": survey.title(lang),
                "description": survey.text(survey.description, lang) if survey.description else "",
                "minutes": max(2, round(len(survey.questions) * 0.4)),
                "start_href": f"/s/{token}/page/{first.id}" if first else f"/s/{token}/check",
                "kept": w["kept_open"] if state.kind == "open" else w["kept_personal"],
                "switcher": _switcher(request, survey, lang),
            },
            headers=NO_STORE,
            cookies=_lang_cookies(request, lang),
        )

    def _page(
        self,
        request: Request[Any, Any, Any],
        token: str,
        survey: SurveyModel,
        state: LinkState,
        page_id: str,
        lang: str,
        answers: dict[str, Any],
        result: Any = None,
    ) -> Template | Response[str]:
        """A question page. Without errors and before any answer, it comes from the render
        cache, keyed by everything it shows except the token and CSRF field (see render_cache);
        a page that shows a resident's answers is rendered fresh and not kept."""
        cacheable = result is None and not answers
        t = render_cache.TOKEN_MARK if cacheable else token
        view = page_view(survey, page_id, lang, answers, result)
        n, total = _progress(survey, page_id, answers)
        previous = survey.previous_page(page_id, answers)
        returning = request.query_params.get("return") == "check"
        missing = request.query_params.get("missing") == "1"
        back = (
            f"/s/{t}/check"
            if returning
            else (f"/s/{t}/page/{previous.id}" if previous else f"/s/{t}")
        )
        action = f"/s/{t}/page/{page_id}" + ("?return=check" if returning else "")
        first_q = view["questions"][0] if view["questions"] else None
        heading = view["heading"] or (
            survey.text(survey.page(page_id).questions[0].text, lang, answers) if first_q else ""
        )
        switcher = [
            {**item, "href": f"/s/{t}/page/{page_id}?lang={item['lang']}"}
            for item in _switcher(request, survey, lang)
        ]
        context = {
            "lang": lang,
            "w": words(lang),
            "p": view,
            "title": heading,
            "survey_title": survey.title(lang),
            "progress": words(lang)["progress"].format(n=n, total=total),
            "back_href": back,
            "action": action,
            "missing": missing,
            "switcher": switcher,
        }
        cookies = _lang_cookies(request, lang)
        if cacheable:
            key = render_cache.cache_key(
                state.survey_id,
                state.version,
                state.content_hash,
                page_id,
                lang,
                returning,
                missing,
            )
            return render_cache.render(
                request,
                "surveys/question_page.html",
                context,
                key=key,
                token=token,
                headers=NO_STORE,
                cookies=cookies,
            )
        return Template(
            "surveys/question_page.html",
            context=context,
            status_code=200 if result is None else 400,
            headers=NO_STORE,
            cookies=cookies,
        )

    @get("/s/{token:str}/page/{page_id:str}")
    async def show_page(
        self, request: Request[Any, Any, Any], token: str, page_id: str
    ) -> Template | Redirect | Response[str]:
        loaded = await _load(token)
        if isinstance(loaded, Template):
            return loaded
        state, survey = loaded
        lang = _lang(request, survey, state)
        await responses.set_language(state, lang)
        answers = survey.prune(state.answers)
        if page_id not in {p.id for p in survey.visible_pages(answers)}:
            target = _resume_page(survey, state)
            path = f"/s/{token}/page/{target}" if target else f"/s/{token}/check"
            return Redirect(path, status_code=HTTP_303_SEE_OTHER, headers=NO_STORE)
        return self._page(request, token, survey, state, page_id, lang, answers)

    @post(
        "/s/{token:str}/page/{page_id:str}",
        status_code=HTTP_303_SEE_OTHER,
        opt={FORM_REPEATS: CHECKED_BY_HANDLER},
    )
    async def answer_page(
        self, request: Request[Any, Any, Any], token: str, page_id: str
    ) -> Template | Redirect | Response[str]:
        loaded = await _load(token)
        if isinstance(loaded, Template):
            return loaded
        state, survey = loaded
        lang = _lang(request, survey, state)
        answers = survey.prune(state.answers)
        if page_id not in {p.id for p in survey.visible_pages(answers)}:
            return Redirect(f"/s/{token}", status_code=HTTP_303_SEE_OTHER)
        form = await request.form()
        refuse_repeats(form, repeatable_fields(survey))  # 400 before anything is saved
        result = parse_page(survey, page_id, form.dict(), lang, answers)
        if not result.ok:
            return self._page(request, token, survey, state, page_id, lang, answers, result)
        merged = apply_page(survey, answers, result)
        try:
            await responses.save_answers(state, merged, page_id=page_id, lang=lang)
        except responses.AlreadySubmitted:
            return link_problem("used", lang, status=410)
        if request.query_params.get("return") == "check":
            return Redirect(f"/s/{token}/check", status_code=HTTP_303_SEE_OTHER)
        nxt = survey.next_page(page_id, merged)
        path = f"/s/{token}/page/{nxt.id}" if nxt else f"/s/{token}/check"
        return Redirect(path, status_code=HTTP_303_SEE_OTHER)

    @get("/s/{token:str}/check")
    async def check(self, request: Request[Any, Any, Any], token: str) -> Template | Redirect:
        loaded = await _load(token)
        if isinstance(loaded, Template):
            return loaded
        state, survey = loaded
        lang = _lang(request, survey, state)
        await responses.set_language(state, lang)
        if state.response_id is None:
            return Redirect(f"/s/{token}", status_code=HTTP_303_SEE_OTHER)
        rows = check_answers_rows(survey, lang, state.answers)
        w = words(lang)
        summary = [
            {
                "key": {"text": row["question"]},
                "value": {"text": row["answer"]},
                "actions": {
                    "items": [
                        {
                            "href": f"/s/{token}/page/{row['page_id']}?return=check",
                            "text": w["change"],
                            "visuallyHiddenText": row["question"],
                        }
                    ]
                },
            }
            for row in rows
        ]
        last = survey.visible_pages(state.answers)
        return Template(
            "surveys/check.html",
            context={
                "lang": lang,
                "w": w,
                "title": w["check_title"],
                "survey_title": survey.title(lang),
                "rows": summary,
                "back_href": f"/s/{token}/page/{last[-1].id}" if last else f"/s/{token}",
                "action": f"/s/{token}/check",
                "switcher": _switcher(request, survey, lang),
            },
            headers=NO_STORE,
            cookies=_lang_cookies(request, lang),
        )

    @post("/s/{token:str}/check", status_code=HTTP_303_SEE_OTHER)
    async def submit(self, request: Request[Any, Any, Any], token: str) -> Template | Redirect:
        state = await links.resolve(token)
        if state is None:
            return link_problem("unknown", status=404)
        survey = await survey_for_link(state)
        if state.status == "used":
            return Redirect(f"/s/{token}/done", status_code=HTTP_303_SEE_OTHER)
        if state.closed:
            return link_problem("closed", survey.languages[0], status=410)
        if state.expired:
            return link_problem("expired", survey.languages[0], status=410)
        try:
            result = await responses.submit(state, survey)
        except responses.AlreadySubmitted:
            return Redirect(f"/s/{token}/done", status_code=HTTP_303_SEE_OTHER)
        if not result.ok:
            first = survey.first_page(survey.prune(state.answers))
            page = survey.page_of(result.errors[0].qid).id if result.errors else None
            page = page or (first.id if first else None)
            if page is None:
                return Redirect(f"/s/{token}", status_code=HTTP_303_SEE_OTHER)
            return Redirect(f"/s/{token}/page/{page}?missing=1", status_code=HTTP_303_SEE_OTHER)
        return Redirect(f"/s/{token}/done", status_code=HTTP_303_SEE_OTHER)

    @get("/s/{token:str}/done")
    async def done(self, request: Request[Any, Any, Any], token: str) -> Template | Redirect:
        state = await links.resolve(token)
        if state is None:
            return link_problem("unknown", status=404)
        if state.status != "used":
            return Redirect(f"/s/{token}", status_code=HTTP_303_SEE_OTHER)
        survey = await survey_for_link(state)
        lang = _lang(request, survey, state)
        w = words(lang)
        return Template(
            "surveys/done.html",
            context={
                "lang": lang,
                "w": w,
                "title": w["done_title"],
                "survey_title": survey.title(lang),
            },
            headers=NO_STORE,
        )

    # ------------------------------------------------------------ open links
    @get("/o/{slug:str}")
    async def open_start(
        self, request: Request[Any, Any, Any], slug: str, settings: Settings
    ) -> Template | Redirect:
        try:
            row = await links.open_survey(slug)
        except NotFound:
            return link_problem("unknown", status=404)
        token = links.read_cookie(settings.secret_key, request.cookies.get(_open_cookie(slug)))
        if token is not None:
            state = await links.resolve(token)
            if state is not None and state.survey_id == row["id"]:
                if state.status == "used":
                    return link_problem("used", status=200)
                return Redirect(f"/s/{token}", status_code=HTTP_303_SEE_OTHER)
        stored = await survey_for_slug(slug)
        lang = _lang(request, stored, None)
        w = words(lang)
        return Template(
            "surveys/open_start.html",
            context={
                "lang": lang,
                "w": w,
                "title": stored.title(lang),
                "survey_title": stored.title(lang),
                "description": stored.text(stored.description, lang) if stored.description else "",
                "minutes": max(2, round(len(stored.questions) * 0.4)),
                "action": f"/o/{slug}",
                "switcher": _switcher(request, stored, lang),
            },
            headers=NO_STORE,
            cookies=_lang_cookies(request, lang),
        )

    @post("/o/{slug:str}", status_code=HTTP_303_SEE_OTHER)
    async def open_begin(
        self, request: Request[Any, Any, Any], slug: str, settings: Settings
    ) -> Template | Redirect:
        address = request_address(request, settings.trusted_proxies)
        try:
            issued = await links.start_open(slug, links.address_key(settings.secret_key, address))
        except NotFound:
            return link_problem("unknown", status=404)
        except RateLimited:
            lang = request.cookies.get(LANG_COOKIE) or "en"
            w = words(lang)
            return Template(
                "surveys/rate_limited.html",
                context={"lang": lang, "w": w, "title": w["rate_title"]},
                status_code=429,
                headers={**NO_STORE, "retry-after": "3600"},
            )
        cookie = Cookie(
            key=_open_cookie(slug),
            value=links.sign_cookie(settings.secret_key, issued.token),
            path=f"/o/{slug}",
            max_age=86400 * links.OPEN_LINK_EXPIRY_DAYS,
            httponly=True,
            samesite="lax",
            secure=settings.secure_cookies,
        )
        return Redirect(issued.path(), status_code=HTTP_303_SEE_OTHER, cookies=[cookie])

    @get("/r/{code:str}")
    async def short_link(self, code: str) -> Template | Redirect:
        slug = await links.survey_by_short_code(code)
        if slug is None:
            return link_problem("unknown", status=404)
        return Redirect(f"/o/{slug}", status_code=HTTP_303_SEE_OTHER)


def _open_cookie(slug: str) -> str:
    return "rv_open_" + slug.replace("-", "_")


async def survey_for_slug(slug: str) -> SurveyModel:
    from surveys.services.definitions_store import get_version

    return (await get_version(slug)).survey
