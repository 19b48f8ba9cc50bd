"""Parsing definitions, and rejecting broken ones with the path of the fault."""

from __future__ import annotations

import json

import pytest
from engine_helpers import choice, make_survey, page, paths, question, rejected

from surveys.definitions import (
    DefinitionError,
    canonical_json,
    content_hash,
    load_definition_file,
    parse_definition,
    schema,
)


def test_valid_definition_builds_the_model() -> None:
    survey = parse_definition(
        make_survey(
            page("p1", choice("q1", "a", "b"), question("q2", "number", min=0, max=10)),
            page("p2", question("q3", "long_text")),
            version=3,
        )
    )
    assert survey.slug == "test-survey"
    assert survey.version == 3
    assert survey.title("en") == "Test survey (en)"
    assert [q.id for q in survey.questions] == ["q1", "q2", "q3"]
    assert survey.page("p2").questions[0].id == "q3"
    assert survey.question("q2").page_id == "p1"
    assert [o.code for o in survey.question("q1").options] == ["a", "b"]
    with pytest.raises(KeyError, match="no question 'nope'"):
        survey.question("nope")


def test_schema_faults_name_their_paths() -> None:
    data = make_survey(page("p1", choice("q1", "a"), question("q2", "bogus_type")))
    data["pages"][0]["questions"][0]["options"][0]["code"] = "Not A Code"
    data["pages"][0]["questions"][0]["colour"] = "red"
    del data["title"]
    found = rejected(data)
    found_paths = [p for p, _ in found]
    assert "" in found_paths  # missing title is a top-level fault
    assert any("'title' is a required property" in m for _, m in found)
    assert "pages[0].questions[0].options[0].code" in found_paths
    assert "pages[0].questions[1].type" in found_paths
    assert any(p == "pages[0].questions[0]" and "'colour'" in m for p, m in found)


def test_type_specific_properties_are_only_allowed_on_their_type() -> None:
    data = make_survey(page("p1", question("q1", "email", max_length=10)))
    assert any("max_length" in m for _, m in rejected(data))


def test_not_a_mapping() -> None:
    with pytest.raises(DefinitionError) as info:
        parse_definition(["not", "a", "survey"])
    assert info.value.errors[0].message.startswith("a survey definition must be a mapping")


def test_duplicate_ids() -> None:
    data = make_survey(page("p1", choice("q1", "a")), page("p1", choice("q1", "b")))
    found = rejected(data)
    assert ("pages[1].id", "page id 'p1' is already used at pages[0].id") in found
    assert (
        "pages[1].questions[0].id",
        "question id 'q1' is already used at pages[0].questions[0].id",
    ) in found


def test_duplicate_option_codes() -> None:
    data = make_survey(page("p1", choice("q1", "a", "a")))
    assert paths(data) == ["pages[0].questions[0].options"]


def test_unknown_question_in_show_if_names_the_operand() -> None:
    data = make_survey(
        page("p1", choice("q1", "a")),
        page("p2", choice("q2", "a", show_if={"any_of": {"question": "nope", "values": ["a"]}})),
    )
    assert rejected(data) == [
        ("pages[1].questions[0].show_if.any_of.question", "refers to unknown question 'nope'")
    ]


def test_forward_reference_is_rejected() -> None:
    data = make_survey(
        page("p1", choice("q1", "a"), show_if={"equals": {"question": "q2", "value": "a"}}),
        page("p2", choice("q2", "a")),
    )
    [(path, message)] = rejected(data)
    assert path == "pages[0].show_if.equals.question"
    assert "later page (forward reference)" in message


def test_same_page_reference_is_rejected() -> None:
    data = make_survey(
        page(
            "p1",
            choice("q1", "a"),
            choice("q2", "a", show_if={"equals": {"question": "q1", "value": "a"}}),
        )
    )
    [(path, message)] = rejected(data)
    assert path == "pages[0].questions[1].show_if.equals.question"
    assert "same page" in message


def test_cycles_are_rejected() -> None:
    self_ref = make_survey(
        page("p1", choice("q1", "a", show_if={"answered": {"question": "q1"}})),
    )
    assert rejected(self_ref) == [
        (
            "pages[0].questions[0].show_if.answered.question",
            "question 'q1' depends on its own answer (cycle)",
        )
    ]
    # A page whose visibility depends on its own question is a cycle too.
    page_cycle = make_survey(
        page("p1", choice("q1", "a"), show_if={"equals": {"question": "q1", "value": "a"}})
    )
    assert paths(page_cycle) == ["pages[0].show_if.equals.question"]


def test_nested_condition_paths() -> None:
    cond = {
        "and": [
            {"equals": {"question": "q1", "value": "a"}},
            {"not": {"or": [{"equals": {"question": "q1", "value": "zzz"}}]}},
        ]
    }
    data = make_survey(
        page("p1", choice("q1", "a", "b")), page("p2", choice("q2", "a"), show_if=cond)
    )
    [(path, message)] = rejected(data)
    assert path == "pages[1].show_if.and[1].not.or[0].equals"
    assert message == "'q1' has no option 'zzz' (its options: a, b)"


@pytest.mark.parametrize(
    ("target", "condition", "fragment"),
    [
        (
            choice("q1", "a", "b"),
            {"less_than": {"question": "q1", "value": "a"}},
            "larger or smaller",
        ),
        (
            choice("q1", "a", "b"),
            {"all_of": {"question": "q1", "values": ["a", "b"]}},
            "never be all of",
        ),
        (
            question("q1", "number", min=0, max=10),
            {"greater_than": {"question": "q1", "value": 10}},
            "impossible",
        ),
        (
            question("q1", "number", min=0, max=10),
            {"equals": {"question": "q1", "value": 11}},
            "impossible",
        ),
        (
            question("q1", "number"),
            {"equals": {"question": "q1", "value": "ten"}},
            "compare it with a number",
        ),
        (question("q1", "rating"), {"greater_than": {"question": "q1", "value": 10}}, "no rating"),
        (
            question("q1", "rating"),
            {"equals": {"question": "q1", "value": 11}},
            "can never be its answer",
        ),
        (
            question("q1", "date"),
            {"less_than": {"question": "q1", "value": "2024-02-31"}},
            "is a date",
        ),
        (
            question("q1", "consent", statement={"en": "I agree"}),
            {"equals": {"question": "q1", "value": "yes"}},
            "true or false",
        ),
        (
            question("q1", "email"),
            {"less_than": {"question": "q1", "value": "a"}},
            "larger or smaller",
        ),
        (
            question(
                "q1",
                "multiple_choice",
                options=[{"code": "a", "label": {"en": "A"}}],
                none_of_these=True,
            ),
            {"all_of": {"question": "q1", "values": ["a", "none"]}},
            "exclusive",
        ),
        (
            question("q1", "grid", scale="agreement", items=[{"code": "x", "label": {"en": "X"}}]),
            {"equals": {"question": "q1", "value": "strongly_agree"}},
            "say which item",
        ),
        (
            question("q1", "grid", scale="agreement", items=[{"code": "x", "label": {"en": "X"}}]),
            {"equals": {"question": "q1", "item": "y", "value": "strongly_agree"}},
            "has no item 'y'",
        ),
        (
            question("q1", "grid", scale="agreement", items=[{"code": "x", "label": {"en": "X"}}]),
            {"equals": {"question": "q1", "item": "x", "value": "very_satisfied"}},
            "no scale point",
        ),
        (
            choice("q1", "a"),
            {"equals": {"question": "q1", "item": "x", "value": "a"}},
            "not a grid",
        ),
    ],
)
def test_impossible_conditions(target: dict, condition: dict, fragment: str) -> None:
    data = make_survey(page("p1", target), page("p2", choice("q2", "a"), show_if=condition))
    found = rejected(data)
    assert len(found) == 1, found
    assert found[0][0].startswith("pages[1].show_if.")
    assert fragment in found[0][1]


def test_contradictory_and_is_impossible() -> None:
    cond = {
        "and": [
            {"equals": {"question": "q1", "value": "a"}},
            {"equals": {"question": "q1", "value": "b"}},
        ]
    }
    data = make_survey(
        page("p1", choice("q1", "a", "b")), page("p2", choice("q2", "a"), show_if=cond)
    )
    [(path, message)] = rejected(data)
    assert path == "pages[1].show_if.and[1].equals"
    assert "cannot equal both 'a' and 'b'" in message


def test_possible_conditions_are_accepted() -> None:
    cond = {
        "or": [
            {"equals": {"question": "q1", "value": "a"}},
            {"greater_than_or_equal": {"question": "n", "value": 10}},
            {"not": {"answered": {"question": "n"}}},
            {"less_than": {"question": "d", "value": "2024-01-01"}},
            {"equals": {"question": "r", "value": "dont_know"}},
        ]
    }
    parse_definition(
        make_survey(
            page(
                "p1",
                choice("q1", "a", "b"),
                question("n", "number", min=0, max=10),
                question("d", "date"),
                question("r", "rating", dont_know=True),
            ),
            page("p2", choice("q2", "a"), show_if=cond),
        )
    )


def test_missing_and_extra_translations() -> None:
    data = make_survey(page("p1", choice("q1", "a")), languages=("en", "cy"))
    data["pages"][0]["questions"][0]["text"] = {"en": "Q?", "cy": "C?", "fr": "Q ?"}
    found = paths(data)
    assert "pages[0].questions[0].options[0].label.cy" in found
    assert "pages[0].questions[0].text.fr" in found
    assert "pages[0].questions[0].text.cy" not in found


def test_piping_rules() -> None:
    data = make_survey(
        page(
            "p1", choice("q1", "a"), question("q2", "short_text", text={"en": "About {answer:q3}"})
        ),
        page("p2", question("q3", "short_text", text={"en": "Hello {answer:q1} from {council}"})),
        page(
            "p3", question("q4", "short_text", text={"en": "Same page {answer:q4} and {Bad Thing}"})
        ),
        variables={"other": {"en": "x"}},
    )
    found = rejected(data)
    assert (
        "pages[0].questions[1].text",
        "pipes question 'q3' on a later page (forward reference)",
    ) in found
    assert ("pages[1].questions[0].text", "unknown variable 'council' (variables: other)") in found
    assert any(p == "pages[2].questions[0].text" and "same page" in m for p, m in found)
    assert any(p == "pages[2].questions[0].text" and "not a placeholder" in m for p, m in found)


def test_unknown_option_set() -> None:
    data = make_survey(page("p1", choice("q1", "a") | {"options": "yes_no"}))
    assert rejected(data) == [
        ("pages[0].questions[0].options", "unknown option set 'yes_no' (option sets: none defined)")
    ]


def test_question_settings_checks() -> None:
    data = make_survey(
        page(
            "p1",
            question("n", "number", min=5, max=1),
            question("t", "short_text", min_length=10, max_length=5),
            question("p", "short_text", pattern={"regex": "(unclosed"}),
            question("d", "date", min="2024-02-30"),
            question("g", "grid", items=[{"code": "x", "label": {"en": "X"}}]),
            question(
                "m",
                "multiple_choice",
                options=[{"code": "a", "label": {"en": "A"}}],
                max_selections=3,
            ),
            choice("s", "a", sensitive=True, required=True),
        )
    )
    found = paths(data)
    assert "pages[0].questions[0].min" in found
    assert "pages[0].questions[1].min_length" in found
    assert "pages[0].questions[2].pattern.regex" in found
    assert "pages[0].questions[3].min" in found
    assert "pages[0].questions[4]" in found  # needs scale or options
    assert "pages[0].questions[5].max_selections" in found
    assert "pages[0].questions[6].required" in found  # sensitive without Prefer not to say


def test_sensitive_question_with_prefer_not_to_say_may_be_required() -> None:
    parse_definition(
        make_survey(
            page("p1", choice("s", "a", sensitive=True, required=True, prefer_not_to_say=True))
        )
    )


def test_content_hash_ignores_key_order_but_not_content() -> None:
    a = make_survey(page("p1", choice("q1", "a", "b")))
    b = json.loads(json.dumps(a))
    b = dict(reversed(list(b.items())))
    assert canonical_json(a) == canonical_json(b)
    assert content_hash(a) == content_hash(b)
    assert content_hash(a).startswith("sha256:")
    b["pages"][0]["questions"][0]["options"].reverse()
    assert content_hash(a) != content_hash(b)


def test_canonical_json_keeps_welsh_text_readable() -> None:
    assert (
        canonical_json({"cy": "Mae'n well gennyf beidio â dweud"})
        == '{"cy":"Mae\'n well gennyf beidio â dweud"}'
    )


def test_load_files(tmp_path) -> None:
    data = make_survey(page("p1", choice("q1", "a")))
    (tmp_path / "s.json").write_text(json.dumps(data))
    assert load_definition_file(tmp_path / "s.json").slug == "test-survey"
    (tmp_path / "bad.yaml").write_text("slug: [unclosed\n")
    with pytest.raises(DefinitionError, match="not valid YAML"):
        load_definition_file(tmp_path / "bad.yaml")


def test_schema_lists_every_registered_type() -> None:
    from surveys.questions import REGISTRY

    enum = schema()["$defs"]["question"]["properties"]["type"]["enum"]
    assert sorted(enum) == sorted(REGISTRY)


def test_cached_survey_reuses_identical_definitions_only() -> None:
    from surveys.definitions import cached_survey

    data = make_survey(page("p1", choice("q1", "a", "b")))
    first = cached_survey(data)
    same = cached_survey(json.loads(json.dumps(data)))
    assert same is first
    data["pages"][0]["questions"][0]["options"][0]["label"]["en"] = "Changed"
    changed = cached_survey(data)
    assert changed is not first
    assert changed.question("q1").options[0].label["en"] == "Changed"
    assert first.question("q1").options[0].label["en"] == "A"  # the caller's edit did not leak in
    with pytest.raises(DefinitionError):
        cached_survey({"slug": "x"})
