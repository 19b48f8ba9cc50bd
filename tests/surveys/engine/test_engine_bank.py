"""The question bank: every survey parses, matches its standard's wording,
and its codebook and export rows agree with its questions."""

from __future__ import annotations

import pytest

from surveys.bank import BANK_SURVEYS, list_bank, load_bank, load_bank_survey
from surveys.definitions import parse_definition
from surveys.questions import export_row, survey_codebook

ALL = [*BANK_SURVEYS, "all-question-types"]


def test_list_bank() -> None:
    assert list_bank() == [
        "resident-satisfaction",
        "digital-inclusion",
        "customer-satisfaction",
        "equality-monitoring",
    ]
    with pytest.raises(KeyError, match="no bank survey 'nope'"):
        load_bank("nope")


def test_load_bank_returns_an_editable_copy() -> None:
    copy = load_bank("resident-satisfaction")
    copy["slug"] = "our-residents-survey"
    copy["pages"].pop()
    assert load_bank("resident-satisfaction")["slug"] == "resident-satisfaction"
    assert parse_definition(copy).slug == "our-residents-survey"


@pytest.mark.parametrize("name", ALL)
def test_codebook_matches_questions(name: str) -> None:
    survey = load_bank_survey(name)
    assert survey.slug == name
    book = survey_codebook(survey)
    assert book["survey"] == name and book["version"] == 1 and book["title"]
    names = [v["name"] for v in book["variables"]]
    assert len(names) == len(set(names))
    expected: list[str] = []
    for q in survey.questions:
        if q.type == "multiple_choice":
            expected += [f"{q.id}__{o.code}" for o in q.options]
        elif q.type == "grid":
            expected += [f"{q.id}__{i.code}" for i in q.items]
        else:
            expected.append(q.id)
    assert names == expected
    for var in book["variables"]:
        assert var["type"] in {"categorical", "numeric", "text", "date", "binary"}
        assert var["label"]
        assert set(var["missing"]) <= {str(k) for k in var["values"]} | set(var["missing"])
        for code in var["missing"]:
            assert code in var["values"]
    # An empty response still has every column.
    assert list(export_row(survey, {})) == names


def test_export_row_contract() -> None:
    survey = load_bank_survey("all-question-types")
    answers = {
        "q_lived": "gt_5",
        "q_services": ["libraries", "parks"],
        "q_parks_satisfaction": "fairly_satisfied",
        "q_recommend": 4,
        "q_household": 3,
        "q_moved": "2019-07-01",
        "q_why": "More buses",
        "q_services_grid": {"bins": "very_satisfied", "roads": "dont_know"},
        "q_age_band": "prefer_not_to_say",
        "q_contact_ok": True,
        "q_postcode": "SW1A 1AA",
    }
    row = export_row(survey, answers)
    assert row["q_lived"] == "gt_5"
    assert (row["q_services__libraries"], row["q_services__parks"], row["q_services__none"]) == (
        1,
        1,
        0,
    )
    assert row["q_parks_satisfaction"] == "fairly_satisfied"
    assert row["q_recommend"] == "4"
    assert row["q_household"] == 3
    assert row["q_moved"] == "2019-07-01"
    assert row["q_why"] == "More buses"
    assert row["q_services_grid__bins"] == "very_satisfied"
    assert row["q_services_grid__street_cleaning"] is None
    assert row["q_age_band"] == "prefer_not_to_say"
    assert row["q_contact_ok"] == 1
    assert row["q_informed"] is None
    # Routing: without "parks" the parks question is skipped, so not exported.
    row = export_row(survey, answers | {"q_services": ["libraries"]})
    assert row["q_parks_satisfaction"] is None
    assert row["q_services__parks"] == 0
    # A malformed stored value is not exported as if it were a code.
    assert export_row(survey, {"q_lived": "made_up"})["q_lived"] is None


def test_codebook_value_labels_and_missing_codes() -> None:
    book = {
        v["name"]: v
        for v in survey_codebook(load_bank_survey("resident-satisfaction"))["variables"]
    }
    area = book["area_satisfaction"]
    assert area["ordered"] is True
    assert area["missing"] == ["dont_know"]
    assert list(area["values"]) == [
        "very_satisfied",
        "fairly_satisfied",
        "neither",
        "fairly_dissatisfied",
        "very_dissatisfied",
        "dont_know",
    ]
    rating = {
        v["name"]: v
        for v in survey_codebook(load_bank_survey("customer-satisfaction"))["variables"]
    }["recommend"]
    assert (rating["type"], rating["ordered"]) == ("categorical", True)
    assert list(rating["values"]) == [str(n) for n in range(11)]
    assert rating["values"]["0"] == "0 – Not at all likely"
    assert rating["values"]["10"] == "10 – Extremely likely"


def test_resident_satisfaction_uses_lga_wording() -> None:
    survey = load_bank_survey("resident-satisfaction")
    texts = {q.id: survey.text(q.text, "en", {}) for q in survey.questions}
    assert texts["area_satisfaction"] == (
        "Overall, how satisfied or dissatisfied are you with your local area as a place to live?"
    )
    assert texts["council_satisfaction"] == (
        "Overall, how satisfied or dissatisfied are you with the way "
        "your local council runs things?"
    )
    assert texts["value_for_money"] == (
        "To what extent do you agree or disagree that your local council provides value for money?"
    )
    assert texts["acts_on_concerns"] == (
        "To what extent do you think your local council acts on the concerns of local residents?"
    )
    assert texts["trust"] == "How much do you trust your local council?"
    assert "keeps residents about the services and benefits it provides" in texts["keeps_informed"]
    trust = [survey.localise(o.label, "en") for o in survey.question("trust").options]
    assert trust == ["A great deal", "A fair amount", "Not very much", "Not at all", "Don't know"]
    # Renaming the council is one variable.
    data = load_bank("resident-satisfaction")
    data["variables"]["council_name"]["en"] = "Anytown Council"
    renamed = parse_definition(data)
    assert "the way Anytown Council runs things" in renamed.text(
        renamed.question("council_satisfaction").text, "en", {}
    )


def test_equality_monitoring_follows_the_harmonised_standards() -> None:
    survey = load_bank_survey("equality-monitoring")
    ethnic = survey.question("ethnic_group")
    assert len([o for o in ethnic.options if not o.special]) == 19
    for q in survey.questions:
        assert not q.required, q.id
        assert q.sensitive, q.id
        if q.options:
            assert q.option("prefer_not_to_say") is not None, q.id
    for p in survey.pages:
        assert p.description, f"page {p.id} must say why we ask"
    # The harmonised disability standard: the second question only follows a "yes".
    assert "reduced_ability" not in {
        q.id for p in survey.visible_pages({"long_term_condition": "no"}) for q in p.questions
    }
    assert (
        survey.next_page("long_term_condition", {"long_term_condition": "yes"}).id
        == "reduced_ability"
    )
    carer = [o.code for o in survey.question("carer").options]
    assert carer[:2] == ["no", "up_to_9"] and carer[-1] == "prefer_not_to_say"


def test_digital_inclusion_has_the_eight_foundation_tasks() -> None:
    survey = load_bank_survey("digital-inclusion")
    grid = survey.question("foundation_skills")
    assert [i.code for i in grid.items] == [
        "turn_on_log_in",
        "use_controls",
        "change_settings",
        "find_apps",
        "connect_wifi",
        "use_browser",
        "keep_passwords_safe",
        "change_password",
    ]
    barriers = {o.code for o in survey.question("barriers").options}
    assert {"cost", "skills", "trust", "disability", "no_need"} <= barriers
    assert (
        survey.question("contact_preferred").options
        == survey.question("contact_possible").options[:-1]
    )
    # Only people with home internet are asked how they connect.
    assert "home_connection" not in [p.id for p in survey.visible_pages({"home_internet": "no"})]
    assert "help_contact" in [p.id for p in survey.visible_pages({"want_help": "yes"})]


def test_customer_satisfaction_covers_the_contact() -> None:
    survey = load_bank_survey("customer-satisfaction")
    assert [q.id for q in survey.questions] == [
        "channel",
        "resolved",
        "effort",
        "satisfaction",
        "recommend",
        "why",
    ]
    assert survey.question("recommend").type == "rating"
    assert survey.question("why").type == "long_text"


@pytest.mark.parametrize("name", ALL)
def test_exports_load_in_the_analysis_library(name: str) -> None:
    """The export contract, end to end: rows and codebook from the engine
    go through ``analysis.io.label`` (what research officers' notebooks use)."""
    import pandas as pd

    from analysis.io import label

    survey = load_bank_survey(name)
    answers: dict = {}
    for q in survey.questions:  # answer everything with its first option, where it has one
        if q.type == "grid":
            answers[q.id] = {i.code: q.options[0].code for i in q.items}
        elif q.type == "multiple_choice":
            answers[q.id] = [q.options[0].code]
        elif q.type == "rating":
            answers[q.id] = 7
        elif q.options:
            answers[q.id] = q.options[0].code
    frame = pd.DataFrame([export_row(survey, answers), export_row(survey, {})])
    labelled = label(frame, survey_codebook(survey))
    assert list(labelled.columns) == list(frame.columns)
    first = survey.questions[0]
    if first.options and first.type != "multiple_choice":
        assert labelled[first.id].iloc[0] == survey.localise(first.options[0].label, "en")


def test_bank_catalogue_for_staff() -> None:
    from surveys.bank import bank_catalogue

    entries = {e["name"]: e for e in bank_catalogue()}
    assert list(entries) == list_bank()
    assert entries["resident-satisfaction"]["title"] == "Your local area and council"
    assert entries["equality-monitoring"]["questions"] == 11
    assert "{" not in entries["digital-inclusion"]["description"]
