"""Each question macro renders well-formed GOV.UK markup with the right
fieldset, legend, label, hint, error and autocomplete wiring."""

from __future__ import annotations

from collections import Counter
from typing import Any

import jinja2
import pytest
from engine_helpers import make_survey, page, question
from lxml import etree, html

from surveys.bank import load_bank_survey
from surveys.definitions import Question, Survey, parse_definition
from surveys.questions import parse_page, question_view

SURVEY = load_bank_survey("all-question-types")
TEMPLATE = (
    '{% from "surveys/questions/render.html" import render_question %}'
    "{% for v in views %}{{ render_question(v) }}{% endfor %}"
)
FIELDSET_TYPES = {
    "single_choice",
    "multiple_choice",
    "satisfaction_scale",
    "agreement_scale",
    "rating",
    "date",
    "consent",
}
INPUT_TYPES = {"number", "short_text", "long_text", "postcode", "email", "phone"}


def render(env: jinja2.Environment, views: list[dict[str, Any]]) -> etree._Element:
    markup = env.from_string(TEMPLATE).render(views=views)
    parser = etree.HTMLParser(recover=False)
    fragment = html.fragment_fromstring(markup, create_parent="div", parser=parser)
    return fragment


def view(survey: Survey, q: Question, lang: str = "en", **kw: Any) -> dict[str, Any]:
    return question_view(survey, q, lang, kw.pop("answers", {}), **kw)


def text_of(el: etree._Element) -> str:
    return " ".join("".join(el.itertext()).split())


def test_every_type_is_in_the_fixture_survey() -> None:
    from surveys.questions import REGISTRY

    assert {q.type for q in SURVEY.questions} == set(REGISTRY)


@pytest.mark.parametrize("lang", ["en", "cy"])
@pytest.mark.parametrize("qid", [q.id for q in SURVEY.questions])
def test_question_markup(jinja_env: jinja2.Environment, qid: str, lang: str) -> None:
    q = SURVEY.question(qid)
    v = view(SURVEY, q, lang, answers={"q_services": ["parks"], "q_recommend": 3})
    root = render(jinja_env, [v])
    question_text = v["text"]
    assert question_text and "{" not in question_text
    if q.type in FIELDSET_TYPES:
        [fieldset] = root.xpath("//fieldset")
        legend = fieldset.xpath("./legend")[0]
        assert text_of(legend) == question_text
        if v["is_page_heading"]:
            assert legend.xpath("./h1")
        # Every option input has a label pointing at it.
        for inp in fieldset.xpath(".//input[@type='radio' or @type='checkbox']"):
            assert root.xpath(f"//label[@for='{inp.get('id')}']")
    elif q.type in INPUT_TYPES:
        [label] = root.xpath(f"//label[@for='{qid}']")
        assert text_of(label) == question_text
        [field] = root.xpath(f"//*[@id='{qid}']")
        assert field.tag in ("input", "textarea")
        assert field.get("name") == qid
    else:  # grid: a heading, then one fieldset per item, never a table
        assert q.type == "grid"
        assert not root.xpath("//table")
        assert text_of(root.xpath("//h1|//h2")[0]) == question_text
        fieldsets = root.xpath("//fieldset")
        assert [text_of(f.xpath("./legend")[0]) for f in fieldsets] == [
            SURVEY.localise(item.label, lang) for item in q.items
        ]
    # The error summary target exists.
    assert root.xpath(f"//*[@id='{v['field_id']}']")
    # Hints are announced with the field.
    for hint in root.xpath("//*[contains(@class, 'govuk-hint') and @id]"):
        hint_id = hint.get("id")
        assert root.xpath(f"//*[contains(concat(' ', @aria-describedby, ' '), ' {hint_id} ')]"), (
            hint_id
        )


def test_ids_are_unique_across_the_whole_survey(jinja_env: jinja2.Environment) -> None:
    views = [view(SURVEY, q, page_heading=False) for q in SURVEY.questions]
    root = render(jinja_env, views)
    ids = Counter(el.get("id") for el in root.xpath("//*[@id]"))
    assert [i for i, n in ids.items() if n > 1] == []


@pytest.mark.parametrize(
    ("qid", "field", "token"),
    [
        ("q_postcode", "q_postcode", "postal-code"),
        ("q_email", "q_email", "email"),
        ("q_phone", "q_phone", "tel"),
        ("q_street", "q_street", "address-line1"),
    ],
)
def test_autocomplete_attributes(
    jinja_env: jinja2.Environment, qid: str, field: str, token: str
) -> None:
    root = render(jinja_env, [view(SURVEY, SURVEY.question(qid))])
    [el] = root.xpath(f"//*[@id='{field}']")
    assert el.get("autocomplete") == token


def test_input_types_and_modes(jinja_env: jinja2.Environment) -> None:
    def field(qid: str) -> etree._Element:
        return render(jinja_env, [view(SURVEY, SURVEY.question(qid))]).xpath(f"//*[@id='{qid}']")[0]

    assert field("q_email").get("type") == "email"
    assert field("q_phone").get("type") == "tel"
    number = field("q_household")
    assert number.get("type") == "text" and number.get("inputmode") == "numeric"
    assert field("q_postcode").get("spellcheck") == "false"


def test_date_of_birth_uses_bday_autocomplete(jinja_env: jinja2.Environment) -> None:
    survey = parse_definition(make_survey(page("p1", question("dob", "date", autocomplete="bday"))))
    root = render(jinja_env, [view(survey, survey.question("dob"))])
    assert [el.get("autocomplete") for el in root.xpath("//input")] == [
        "bday-day",
        "bday-month",
        "bday-year",
    ]
    assert [el.get("name") for el in root.xpath("//input")] == ["dob-day", "dob-month", "dob-year"]


def test_character_count_works_without_javascript(jinja_env: jinja2.Environment) -> None:
    root = render(
        jinja_env, [view(SURVEY, SURVEY.question("q_why"), "cy", answers={"q_recommend": 3})]
    )
    [textarea] = root.xpath("//textarea")
    info = root.xpath(f"//*[@id='{textarea.get('aria-describedby').split()[-1]}']")[0]
    assert text_of(info) == "Gallwch ddefnyddio hyd at 500 nod"
    assert root.xpath("//*[@data-maxlength='500']")


def test_choice_values_are_kept(jinja_env: jinja2.Environment) -> None:
    q = SURVEY.question("q_services")
    root = render(jinja_env, [view(SURVEY, q, value=["libraries", "parks"])])
    checked = [el.get("value") for el in root.xpath("//input[@checked]")]
    assert checked == ["libraries", "parks"]
    exclusive = root.xpath("//input[@value='none']")[0]
    assert exclusive.get("data-behaviour") == "exclusive"


def test_prefer_not_to_say_is_offered_on_sensitive_questions(jinja_env: jinja2.Environment) -> None:
    for q in SURVEY.questions:
        if q.sensitive and q.options:
            assert q.option("prefer_not_to_say") is not None, q.id


def error_view(
    q: Question, form: dict[str, list[str]], answers: dict[str, Any] | None = None
) -> dict[str, Any]:
    survey = SURVEY
    answers = answers or {}
    result = parse_page(survey, q.page_id, form, "en", answers)
    errors = result.errors_for(q.id)
    assert errors, f"expected an error for {q.id}"
    return view(survey, q, value=result.redisplay.get(q.id), errors=result.errors, answers=answers)


@pytest.mark.parametrize(
    ("qid", "form", "described_el"),
    [
        ("q_lived", {}, "fieldset"),
        ("q_services", {"q_services": ["parks", "none"]}, "fieldset"),
        ("q_household", {"q_household": ["lots"]}, "input"),
        (
            "q_moved",
            {"q_moved-day": ["31"], "q_moved-month": ["2"], "q_moved-year": ["2024"]},
            "fieldset",
        ),
        ("q_street", {"q_street": ["x" * 81]}, "input"),
        ("q_postcode", {"q_postcode": ["nope"]}, "input"),
        ("q_email", {"q_email": ["nope"]}, "input"),
        ("q_phone", {"q_phone": ["nope"]}, "input"),
        ("q_contact_ok", {"q_contact_ok": ["maybe"]}, "fieldset"),
    ],
)
def test_errors_render_linked_to_the_field(
    jinja_env: jinja2.Environment, qid: str, form: dict[str, list[str]], described_el: str
) -> None:
    q = SURVEY.question(qid)
    v = error_view(q, form)
    root = render(jinja_env, [v])
    [message] = root.xpath("//p[contains(@class, 'govuk-error-message')]")
    assert text_of(message).startswith("Error:")
    assert text_of(message).endswith(v["error"])
    described = root.xpath(
        f"//{described_el}[contains(concat(' ', @aria-describedby, ' '), ' {message.get('id')} ')]"
    )
    assert described, "the error message must be announced with the field"
    assert root.xpath("//div[contains(@class, 'govuk-form-group--error')]")
    # The error summary link target is a real, focusable field.
    result = parse_page(SURVEY, q.page_id, form, "en", {})
    target = result.errors_for(qid)[0].field_id
    assert root.xpath(f"//*[@id='{target}']")[0].tag in ("input", "textarea")


def test_date_error_highlights_only_the_box_at_fault(jinja_env: jinja2.Environment) -> None:
    q = SURVEY.question("q_moved")
    v = error_view(q, {"q_moved-day": ["1"], "q_moved-month": [""], "q_moved-year": ["2024"]})
    root = render(jinja_env, [v])
    flagged = [el.get("id") for el in root.xpath("//input[contains(@class, 'govuk-input--error')]")]
    assert flagged == ["q_moved-month"]
    assert [el.get("value") for el in root.xpath("//input")] == ["1", "", "2024"]


def test_grid_errors_sit_on_each_item(jinja_env: jinja2.Environment) -> None:
    survey = parse_definition(
        make_survey(
            page(
                "p1",
                question(
                    "g",
                    "grid",
                    required=True,
                    scale="satisfaction",
                    hint={"en": "One answer for each"},
                    items=[
                        {"code": "a", "label": {"en": "Alpha"}},
                        {"code": "b", "label": {"en": "Beta"}},
                    ],
                ),
            )
        )
    )
    result = parse_page(survey, "p1", {"g__a": ["neither"]}, "en", {})
    assert [(e.field_id, e.message) for e in result.errors] == [
        ("g__b", "Select an answer for ‘Beta’")
    ]
    v = question_view(survey, survey.question("g"), "en", {}, result.redisplay["g"], result.errors)
    root = render(jinja_env, [v])
    fieldsets = root.xpath("//fieldset")
    assert len(fieldsets) == 2
    assert "g-hint" in fieldsets[0].get("aria-describedby")
    assert "g__b-error" in fieldsets[1].get("aria-describedby")
    assert not fieldsets[0].xpath(".//*[contains(@class, 'govuk-error-message')]")
    checked = [el.get("id") for el in root.xpath("//input[@checked]")]
    assert checked == ["g__a-3"]
    assert root.xpath("//h1[contains(@class, 'govuk-heading-l')]")


def test_question_not_alone_on_page_is_not_the_page_heading(jinja_env: jinja2.Environment) -> None:
    q = SURVEY.question("q_email")  # shares its page, which has a title
    v = view(SURVEY, q)
    assert v["is_page_heading"] is False
    root = render(jinja_env, [v])
    assert not root.xpath("//h1")
    assert root.xpath("//label[contains(@class, 'govuk-label--m')]")


def test_welsh_rendering(jinja_env: jinja2.Environment) -> None:
    q = SURVEY.question("q_services_grid")
    root = render(jinja_env, [view(SURVEY, q, "cy")])
    labels = {text_of(el) for el in root.xpath("//label")}
    assert {"Bodlon iawn", "Ddim yn gwybod"} <= labels
    assert text_of(root.xpath("//div[contains(@class, 'govuk-radios__divider')]")[0]) == "neu"
