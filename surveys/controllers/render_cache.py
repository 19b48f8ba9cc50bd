"""Rendered resident question pages, remembered, for residents who have answered nothing yet.

A question page's HTML depends only on the survey version, the page, the language, the
resident's answers so far and two query flags, apart from two per-request strings: the token in
its links and the CSRF field. Rendering GOV.UK Frontend's macros costs 1-2 ms of CPU, and the
most common view is the same page before any answer (every resident's first page). Only those
pages are kept: a page showing answers (pre-filled, piped into text, special-category ones
included) would hold residents' answers in process memory, so it is rendered fresh every time
and never stored. Pages are rendered once with markers in place of the token and the CSRF
field, kept in a bounded LRU, and the markers are replaced per request. The markers cannot
occur in rendered text (the CSRF marker is not valid HTML text a template could produce, and
tokens never contain `_`).
"""

from __future__ import annotations

import html
from collections import OrderedDict
from typing import Any

from litestar import MediaType, Request, Response
from litestar.datastructures import Cookie
from litestar.utils.scope.state import ScopeState

TOKEN_MARK = "__rv_token__"  # noqa: S105 - a placeholder, not a secret
CSRF_MARK = "\x00rv-csrf\x00"
MAX_PAGES = 4096

_PAGES: OrderedDict[tuple[Any, ...], str] = OrderedDict()


def cache_key(*parts: Any) -> tuple[Any, ...]:
    """The key of a page viewed before any answer: survey, version, page, language, flags."""
    return tuple(parts)


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
