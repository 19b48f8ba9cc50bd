"""Routing (show-if on pages and questions), prune and piping."""

from __future__ import annotations

from typing import Any

import pytest
from engine_helpers import choice, make_survey, page, question
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from surveys.bank import load_bank_survey
from surveys.definitions import Survey, parse_definition
from surveys.definitions.conditions import evaluate


def survey_with(condition: dict[str, Any]) -> Survey:
    return parse_definition(
        make_survey(
            page(
                "p1",
                choice("colour", "red", "green", "blue"),
                question("age", "number", min=0, max=120),
                question(
                    "pets",
                    "multiple_choice",
                    options=[{"code": c, "label": {"en": c}} for c in ("cat", "dog", "fish")],
                    none_of_these=True,
                ),
                question("moved", "date"),
                question("score", "rating", dont_know=True),
                question(
                    "grid",
                    "grid",
                    scale="satisfaction",
                    items=[{"code": "bins", "label": {"en": "Bins"}}],
                ),
                question("ok", "consent", statement={"en": "I agree"}),
            ),
            page("p2", choice("target", "x"), show_if=condition),
        )
    )


ANSWERS = {
    "colour": "red",
    "age": 70,
    "pets": ["cat", "fish"],
    "moved": "2020-05-01",
    "score": 3,
    "grid": {"bins": "very_satisfied"},
    "ok": True,
}


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ({"equals": {"question": "colour", "value": "red"}}, True),
        ({"equals": {"question": "colour", "value": "blue"}}, False),
        ({"not_equals": {"question": "colour", "value": "blue"}}, True),
        ({"any_of": {"question": "colour", "values": ["green", "red"]}}, True),
        ({"none_of": {"question": "colour", "values": ["green", "red"]}}, False),
        ({"greater_than_or_equal": {"question": "age", "value": 65}}, True),
        ({"greater_than": {"question": "age", "value": 70}}, False),
        ({"less_than": {"question": "age", "value": 71}}, True),
        ({"less_than_or_equal": {"question": "age", "value": 69}}, False),
        ({"equals": {"question": "pets", "value": "cat"}}, True),
        ({"any_of": {"question": "pets", "values": ["dog", "fish"]}}, True),
        ({"all_of": {"question": "pets", "values": ["cat", "fish"]}}, True),
        ({"all_of": {"question": "pets", "values": ["cat", "dog"]}}, False),
        ({"none_of": {"question": "pets", "values": ["dog"]}}, True),
        ({"less_than": {"question": "moved", "value": "2021-01-01"}}, True),
        ({"greater_than": {"question": "moved", "value": "2021-01-01"}}, False),
        ({"less_than_or_equal": {"question": "score", "value": 6}}, True),
        ({"equals": {"question": "grid", "item": "bins", "value": "very_satisfied"}}, True),
        ({"equals": {"question": "ok", "value": True}}, True),
        ({"answered": {"question": "colour"}}, True),
        ({"not_answered": {"question": "colour"}}, False),
        (
            {
                "and": [
                    {"equals": {"question": "colour", "value": "red"}},
                    {
                        "or": [
                            {"less_than": {"question": "age", "value": 18}},
                            {"equals": {"question": "ok", "value": True}},
                        ]
                    },
                ]
            },
            True,
        ),
        ({"not": {"equals": {"question": "colour", "value": "red"}}}, False),
        (
            {
                "and": [
                    {"equals": {"question": "colour", "value": "red"}},
                    {"equals": {"question": "age", "value": 1}},
                ]
            },
            False,
        ),
    ],
)
def test_conditions_route_pages(condition: dict[str, Any], expected: bool) -> None:
    survey = survey_with(condition)
    shown = [p.id for p in survey.visible_pages(ANSWERS)]
    assert ("p2" in shown) is expected


def test_unanswered_questions_only_match_absence() -> None:
    empty: dict[str, Any] = {}
    assert evaluate({"not_answered": {"question": "q"}}, empty)
    assert evaluate({"not_equals": {"question": "q", "value": "a"}}, empty)
    assert evaluate({"none_of": {"question": "q", "values": ["a"]}}, empty)
    assert not evaluate({"equals": {"question": "q", "value": "a"}}, empty)
    assert not evaluate({"any_of": {"question": "q", "values": ["a"]}}, empty)
    assert not evaluate({"greater_than": {"question": "q", "value": 1}}, empty)


def test_dont_know_never_compares_with_numbers() -> None:
    assert not evaluate({"less_than": {"question": "score", "value": 7}}, {"score": "dont_know"})
    assert not evaluate({"equals": {"question": "ok", "value": 1}}, {"ok": True})


def linear() -> Survey:
    return parse_definition(
        make_survey(
            page("start", choice("has_car", "yes", "no")),
            page(
                "car",
                choice("car_type", "petrol", "electric"),
                show_if={"equals": {"question": "has_car", "value": "yes"}},
            ),
            page(
                "charging",
                choice(
                    "charges_at_home",
                    "yes",
                    "no",
                    show_if={"equals": {"question": "car_type", "value": "electric"}},
                ),
            ),
            page("end", question("comments", "long_text")),
        )
    )


def test_next_and_previous_follow_routing() -> None:
    survey = linear()
    assert survey.first_page().id == "start"
    assert survey.next_page("start", {"has_car": "no"}).id == "end"
    assert survey.previous_page("end", {"has_car": "no"}).id == "start"
    answers = {"has_car": "yes", "car_type": "electric"}
    assert [p.id for p in survey.visible_pages(answers)] == ["start", "car", "charging", "end"]
    assert survey.next_page("car", answers).id == "charging"
    assert survey.previous_page("end", answers).id == "charging"
    assert survey.next_page("end", answers) is None
    assert survey.previous_page("start", answers) is None


def test_page_whose_questions_are_all_hidden_is_skipped() -> None:
    survey = linear()
    answers = {"has_car": "yes", "car_type": "petrol"}
    assert [p.id for p in survey.visible_pages(answers)] == ["start", "car", "end"]
    assert survey.visible_questions("charging", answers) == []


def test_prune_drops_answers_routing_now_skips() -> None:
    survey = linear()
    answers = {"has_car": "yes", "car_type": "electric", "charges_at_home": "yes", "comments": "hi"}
    assert survey.prune(answers) == answers
    # The resident goes back and says they have no car: the car answers go,
    # and so does the answer that depended on them.
    changed = answers | {"has_car": "no"}
    assert survey.prune(changed) == {"has_car": "no", "comments": "hi"}
    assert survey.prune({"unknown": 1, "has_car": "no"}) == {"has_car": "no"}


def test_stale_answers_do_not_route() -> None:
    survey = linear()
    # car_type is still stored but its page is skipped: charging must not show.
    answers = {"has_car": "no", "car_type": "electric"}
    assert "charging" not in [p.id for p in survey.visible_pages(answers)]


def test_piping_answers_and_variables() -> None:
    why = {
        "en": "Why {answer:colour} on {answer:when}, {council_name}? {{literal}}",
        "cy": "Pam {answer:colour} ar {answer:when}, {council_name}?",
    }
    colour = {
        "id": "colour",
        "type": "single_choice",
        "text": {"en": "Colour?", "cy": "Lliw?"},
        "options": [
            {"code": "red", "label": {"en": "Red", "cy": "Coch"}},
            {"code": "dark_blue", "label": {"en": "Dark blue", "cy": "Glas tywyll"}},
        ],
    }
    when = {"id": "when", "type": "date", "text": {"en": "When?", "cy": "Pryd?"}}
    survey = parse_definition(
        make_survey(
            page("p1", colour, when),
            page("p2", {"id": "why", "type": "short_text", "text": why}),
            languages=("en", "cy"),
            variables={"council_name": {"en": "Anytown Council", "cy": "Cyngor Trefddim"}},
        )
    )
    text = survey.question("why").text
    answers = {"colour": "dark_blue", "when": "2024-03-01"}
    assert (
        survey.text(text, "en", answers)
        == "Why Dark blue on 1 March 2024, Anytown Council? {literal}"
    )
    assert survey.text(text, "cy", answers) == "Pam Glas tywyll ar 1 Mawrth 2024, Cyngor Trefddim?"
    assert survey.text(text, "en", {}) == "Why  on , Anytown Council? {literal}"
    # Codebook labels keep the placeholders rather than piping nothing.
    assert survey.text(text, "en", None).startswith("Why {answer:colour} on {answer:when}")
    # An unknown language falls back to the survey's first language.
    assert survey.text(text, "pl", answers).startswith("Why Dark blue")


def json_values() -> st.SearchStrategy[Any]:
    scalars = (
        st.none()
        | st.booleans()
        | st.integers(-1000, 1000)
        | st.floats(allow_nan=False)
        | st.text(max_size=12)
    )
    return st.recursive(
        scalars,
        lambda inner: (
            st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
        ),
        max_leaves=6,
    )


ALL_TYPES = load_bank_survey("all-question-types")
ANSWER_KEYS = [q.id for q in ALL_TYPES.questions] + ["not_a_question"]


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(ANSWER_KEYS),
        json_values() | st.sampled_from(["parks", "yes", 3, ["parks"]]),
    )
)
def test_random_answers_never_crash_routing(answers: dict[str, Any]) -> None:
    from surveys.questions import export_row

    pages = ALL_TYPES.visible_pages(answers)
    assert pages, "the first page has no condition, so something is always shown"
    pruned = ALL_TYPES.prune(answers)
    assert set(pruned) <= set(answers)
    assert ALL_TYPES.prune(pruned) == pruned  # pruning is idempotent
    for p in pages:
        ALL_TYPES.visible_questions(p, answers)
        ALL_TYPES.next_page(p.id, answers)
    for lang in ALL_TYPES.languages:
        for q in ALL_TYPES.questions:
            ALL_TYPES.text(q.text, lang, answers)
    export_row(ALL_TYPES, answers)
