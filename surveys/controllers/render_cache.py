"""Rendered resident question pages, remembered.

A question page's HTML depends only on the survey version, the page, the language, the
resident's answers so far and two query flags, apart from two per-request strings: the token in
its links and the CSRF field. Rendering GOV.UK Frontend's macros costs 1-2 ms of CPU, most of a
page view, while most views are the same page for many residents (every first page, every
return visit). So pages are rendered once with markers in place of the token and the CSRF field,
kept in a bounded LRU, and the markers are replaced per request. The key holds the answers, so
a page never shows someone else's answers; the markers cannot occur in rendered text (the
CSRF marker is not valid HTML text a template could produce, and tokens never contain `_`).
"""

from __future__ import annotations

import html
import json
from collections import OrderedDict
from typing import Any

from litestar import MediaType, Request, Response
from litestar.datastructures import Cookie
from litestar.utils.scope.state import ScopeState

TOKEN_MARK = "__rv_token__"  # noqa: S105 - a placeholder, not a secret
CSRF_MARK = "\x00rv-csrf\x00"
MAX_PAGES = 4096

_PAGES: OrderedDict[tuple[Any, ...], str] = OrderedDict()


def cache_key(*parts: Any, answers: dict[str, Any]) -> tuple[Any, ...]:
    return (*parts, json.dumps(answers, sort_keys=True, ensure_ascii=False, default=str))


def render(
    request: Request[Any, Any, Any],
    template_name: str,
    context: dict[str, Any],
    *,
    key: tuple[Any, ...],
    token: str,
    headers: dict[str, str],
    cookies: list[Cookie],
) -> Response[str]:
    """The page for `key`, rendered now or taken from the cache, with this request's token and
    CSRF field filled in."""
    page = _PAGES.get(key)
    if page is None:
        engine = request.app.template_engine
        assert engine is not None
        page = engine.get_template(template_name).render(
            **context, request=request, csrf_input=CSRF_MARK
        )
        _PAGES[key] = page
        if len(_PAGES) > MAX_PAGES:
            _PAGES.popitem(last=False)
    else:
        _PAGES.move_to_end(key)
    csrf = ScopeState.from_scope(request.scope).csrf_token or ""
    field = f'<input type="hidden" name="_csrf_token" value="{html.escape(str(csrf))}" />'
    body = page.replace(TOKEN_MARK, token).replace(CSRF_MARK, field)
    return Response(
        body, media_type=MediaType.HTML, headers=headers, cookies=cookies, status_code=200
    )
