"""A first end-to-end pass: parse, route, parse a page, render, export."""

from __future__ import annotations

from engine_helpers import make_survey

from surveys.definitions import parse_definition
from surveys.questions import export_row, parse_page, question_view

PAGES = [
    {
        "id": "p1",
        "questions": [
            {
                "id": "q1",
                "type": "single_choice",
                "text": {"en": "Q1?"},
                "required": True,
                "options": [
                    {"code": "a", "label": {"en": "A"}},
                    {"code": "b", "label": {"en": "B"}},
                ],
            }
        ],
    },
    {
        "id": "p2",
        "show_if": {"equals": {"question": "q1", "value": "a"}},
        "questions": [
            {"id": "q2", "type": "satisfaction_scale", "text": {"en": "You chose {answer:q1}"}}
        ],
    },
]


def test_round_trip(jinja_env) -> None:
    survey = parse_definition(make_survey(*PAGES))
    assert [p.id for p in survey.visible_pages({})] == ["p1"]
    result = parse_page(survey, "p1", {"q1": ["a"]}, "en", {})
    assert result.ok and result.values == {"q1": "a"}
    assert survey.next_page("p1", result.values).id == "p2"
    view = question_view(survey, survey.question("q2"), "en", result.values)
    assert view["text"] == "You chose A"
    html = jinja_env.from_string(
        '{% from "surveys/questions/render.html" import render_question %}{{ render_question(v) }}'
    ).render(v=view)
    assert '<h1 class="govuk-fieldset__heading">' in html
    assert export_row(survey, {"q1": "a", "q2": "neither"}) == {"q1": "a", "q2": "neither"}
