"""Page-level helpers: page views, error summary, check answers, answer
validation for staff entry; and random forms never break parse_page."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from surveys.bank import load_bank_survey
from surveys.questions import (
    apply_page,
    check_answers_rows,
    error_summary,
    page_view,
    parse_page,
    validate_answers,
)

SURVEY = load_bank_survey("all-question-types")


def test_page_view_on_get_shows_stored_answers() -> None:
    view = page_view(SURVEY, "p_single", "en", {"q_lived": "y1_5"})
    assert view["heading"] is None  # the lone question's legend is the h1
    [q] = view["questions"]
    assert q["is_page_heading"] is True
    assert [i["checked"] for i in q["params"]["items"]] == [False, True, False]
    assert view["error_summary"] is None


def test_page_view_with_several_questions_has_a_page_heading() -> None:
    view = page_view(SURVEY, "p_about_you", "cy", {})
    assert view["heading"] == "Amdanoch chi"
    assert view["description"].startswith("Rydym yn gofyn y cwestiynau hyn")
    assert [q["is_page_heading"] for q in view["questions"]] == [False, False]


def test_page_view_after_errors_keeps_input_and_summarises() -> None:
    form = {"q_email": ["not-an-email"], "q_phone": ["07700 900982"], "q_contact_ok": ["yes"]}
    result = parse_page(SURVEY, "p_contact", form, "en", {})
    assert not result.ok
    view = page_view(SURVEY, "p_contact", "en", {}, result)
    by_id = {q["id"]: q for q in view["questions"]}
    assert by_id["q_email"]["params"]["value"] == "not-an-email"
    assert by_id["q_phone"]["params"]["value"] == "07700 900982"
    assert by_id["q_contact_ok"]["params"]["items"][0]["checked"] is True
    assert view["error_summary"] == {
        "titleText": "There is a problem",
        "errorList": [
            {
                "text": "Enter an email address in the correct format, like name@example.com",
                "href": "#q_email",
            }
        ],
    }


def test_error_summary_in_welsh_and_empty() -> None:
    result = parse_page(SURVEY, "p_single", {}, "cy", {})
    assert error_summary(result.errors, "cy") == {
        "titleText": "Mae problem wedi codi",
        "errorList": [{"text": "Dewiswch ateb", "href": "#q_lived"}],
    }
    assert error_summary([], "en") is None


def test_check_answers_rows_follow_routing() -> None:
    answers = {
        "q_lived": "gt_5",
        "q_services": ["libraries"],
        "q_parks_satisfaction": "neither",
        "q_moved": "2020-01-02",
    }
    rows = check_answers_rows(SURVEY, "en", answers)
    assert [r["qid"] for r in rows] == ["q_lived", "q_services", "q_moved"]  # parks skipped
    assert rows[2] == {
        "page_id": "p_date",
        "qid": "q_moved",
        "question": "When did you move to your current address?",
        "answer": "2 January 2020",
    }


def test_validate_answers_for_staff_entry() -> None:
    good = {"q_lived": "gt_5", "q_recommend": 4, "q_postcode": "SW1A 1AA"}
    assert validate_answers(SURVEY, good) == []
    bad = {"q_recommend": 12, "q_postcode": "sw1a1aa", "mystery": 1}
    problems = {(p.qid, p.message) for p in validate_answers(SURVEY, bad)}
    assert ("mystery", "survey 'all-question-types' has no question 'mystery'") in problems
    assert ("q_lived", "required answer missing") in problems
    assert ("q_recommend", "12 is not a valid answer to this rating question") in problems
    assert ("q_postcode", "'sw1a1aa' is not a valid answer to this postcode question") in problems


def test_walking_the_whole_survey() -> None:
    """A resident's journey, page by page, as the delivery layer drives it."""
    forms: dict[str, dict[str, list[str]]] = {
        "p_single": {"q_lived": ["lt_1"]},
        "p_multiple": {"q_services": ["parks"]},
        "p_parks": {"q_parks_satisfaction": ["very_satisfied"]},
        "p_rating": {"q_recommend": ["2"]},
        "p_long_text": {"q_why": ["More benches"]},
        "p_postcode": {"q_postcode": ["cf10 1ep"]},
    }
    answers: dict[str, Any] = {}
    current = SURVEY.first_page(answers)
    seen = []
    while current is not None:
        seen.append(current.id)
        result = parse_page(SURVEY, current, forms.get(current.id, {}), "en", answers)
        assert result.ok, result.errors
        answers = apply_page(SURVEY, answers, result)
        current = SURVEY.next_page(current.id, answers)
    assert "p_parks" in seen and "p_long_text" in seen
    assert answers["q_postcode"] == "CF10 1EP"
    assert answers["q_recommend"] == 2
    assert validate_answers(SURVEY, answers) == []


def field_names() -> list[str]:
    names = []
    for q in SURVEY.questions:
        names.append(q.id)
        names += [f"{q.id}-{part}" for part in ("day", "month", "year")]
        names += [f"{q.id}__{item.code}" for item in q.items]
    return names


CODES = sorted({o.code for q in SURVEY.questions for o in q.options} | {"yes", "31", "2", "2024"})


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(
    page_index=st.integers(0, len(SURVEY.pages) - 1),
    form=st.dictionaries(
        st.sampled_from(field_names()),
        st.lists(st.sampled_from(CODES) | st.text(max_size=20), max_size=3),
    ),
    lang=st.sampled_from(["en", "cy"]),
)
def test_random_forms_never_break_parse_page(
    page_index: int, form: dict[str, list[str]], lang: str
) -> None:
    page = SURVEY.pages[page_index]
    answers = {"q_services": ["parks"], "q_recommend": 1}
    result = parse_page(SURVEY, page, form, lang, answers)
    shown = {q.id for q in SURVEY.visible_questions(page, answers)}
    assert set(result.values) <= shown
    for error in result.errors:
        assert error.qid in shown and error.message
    if result.ok:
        for qid, value in result.values.items():
            question = SURVEY.question(qid)
            assert value is None or question.handler.is_valid_answer(question, value), (qid, value)
    page_view(SURVEY, page, lang, answers, result)
