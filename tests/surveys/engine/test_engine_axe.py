"""Every question page of the all-question-types survey, in English and Welsh,
with and without errors, has zero axe-core violations at WCAG 2.2 A and AA
(target-size on) and no sideways scrolling at 320 CSS px.

This checks the question macros alone, in a bare GOV.UK page with GOV.UK
Frontend's CSS; the resident pages' own browser tests cover the real layout.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2
import pytest

from surveys.bank import load_bank_survey
from surveys.questions import page_view, parse_page

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[3]
CSS = ROOT / "node_modules" / "govuk-frontend" / "dist" / "govuk" / "govuk-frontend.min.css"
SURVEY = load_bank_survey("all-question-types")
ANSWERS = {"q_services": ["parks"], "q_recommend": 3}
BAD_FORMS: dict[str, dict[str, list[str]]] = {
    "p_single": {},
    "p_multiple": {"q_services": ["parks", "none"]},
    "p_number": {"q_household": ["lots"]},
    "p_date": {"q_moved-day": ["31"], "q_moved-month": ["2"], "q_moved-year": ["2024"]},
    "p_short_text": {"q_street": ["x" * 90]},
    "p_long_text": {"q_why": ["x" * 600]},
    "p_postcode": {"q_postcode": ["nope"]},
    "p_contact": {"q_email": ["nope"], "q_phone": ["nope"], "q_contact_ok": ["maybe"]},
}
PAGE = """<!DOCTYPE html>
<html lang="{{ p.lang }}" class="govuk-template"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{{ title }}</title>
<style>{{ css | safe }}</style></head>
<body class="govuk-template__body govuk-frontend-supported">
<div class="govuk-width-container"><main class="govuk-main-wrapper" id="main-content">
{%- from "govuk_frontend_jinja/components/error-summary/macro.html" import govukErrorSummary %}
{%- from "govuk_frontend_jinja/components/button/macro.html" import govukButton %}
{%- from "surveys/questions/render.html" import render_question %}
{% if p.error_summary %}{{ govukErrorSummary(p.error_summary) }}{% endif %}
{% if p.heading %}<h1 class="govuk-heading-l">{{ p.heading }}</h1>{% endif %}
{% if p.description %}<p class="govuk-body">{{ p.description }}</p>{% endif %}
<form method="post" novalidate>
{% for v in p.questions %}{{ render_question(v) }}{% endfor %}
{{ govukButton({"text": "Continue"}) }}
</form></main></div></body></html>"""


def cases() -> list[tuple[str, str, bool]]:
    out = []
    for lang in SURVEY.languages:
        for p in SURVEY.pages:
            out.append((lang, p.id, False))
            if p.id in BAD_FORMS:
                out.append((lang, p.id, True))
    return out


@pytest.fixture(scope="module")
def css() -> str:
    if not CSS.is_file():
        pytest.fail(f"GOV.UK Frontend CSS not found at {CSS}: run bin/setup (npm install)")
    return CSS.read_text(encoding="utf-8")


async def test_question_pages_pass_axe_at_320px(
    browser: Any, css: str, jinja_env: jinja2.Environment
) -> None:
    from accessibility.axe import run_axe

    template = jinja_env.from_string(PAGE)
    context = await browser.new_context(viewport={"width": 320, "height": 800})
    page = await context.new_page()
    problems = []
    try:
        for lang, page_id, with_errors in cases():
            result = (
                parse_page(SURVEY, page_id, BAD_FORMS[page_id], lang, ANSWERS)
                if with_errors
                else None
            )
            if with_errors:
                assert result is not None and not result.ok, page_id
            view = page_view(SURVEY, page_id, lang, ANSWERS, result)
            await page.set_content(template.render(p=view, css=css, title=page_id))
            axe = await run_axe(page)
            where = f"{page_id} ({lang}{', errors' if with_errors else ''})"
            problems += [f"{where}: {v.rule} at {v.selector}" for v in axe.violations]
            if await page.evaluate("document.documentElement.scrollWidth > window.innerWidth"):
                problems.append(f"{where}: scrolls sideways at 320px")
    finally:
        await context.close()
    assert problems == []
