"""The characteristics catalogue: bank codes, combining rule, council additions, bad input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

import equality
from analysis import Design
from equality.characteristics import CATALOGUE, PROTECTED, Characteristic, groups_for

BANK = Path(__file__).parents[2] / "surveys" / "bank" / "equality-monitoring.yaml"


def _bank_options() -> dict[str, dict[str, str]]:
    bank = yaml.safe_load(BANK.read_text())
    out = {}
    for page in bank["pages"]:
        for q in page["questions"]:
            if q.get("options"):
                out[q["id"]] = {o["code"]: o["label"]["en"] for o in q["options"]}
    return out


def test_catalogue_has_the_nine_protected_characteristics_and_local_additions() -> None:
    assert len(PROTECTED) == 9 and all(CATALOGUE[p].protected for p in PROTECTED)
    for extra in ("deprivation", "carer", "care_experienced"):
        assert not CATALOGUE[extra].protected


@pytest.mark.parametrize(
    ("question", "name"),
    [
        ("age", "age"),
        ("sex", "sex"),
        ("ethnic_group", "race"),
        ("religion", "religion"),
        ("sexual_orientation", "sexual_orientation"),
        ("carer", "carer"),
        ("gender_identity", "gender_reassignment"),
    ],
)
def test_every_bank_code_and_label_maps_to_a_group(question: str, name: str) -> None:
    options = _bank_options()[question]
    ch = CATALOGUE[name]
    codes = pd.DataFrame({question: list(options)})
    labels = pd.DataFrame({question: list(options.values())})
    assert ch.detailed(codes).notna().all()
    assert list(ch.detailed(codes)) == list(ch.detailed(labels))
    assert ch.detailed(pd.DataFrame({question: ["prefer_not_to_say"]})).isna().all()


def test_disability_follows_the_harmonised_two_question_standard() -> None:
    data = pd.DataFrame(
        {
            "long_term_condition": ["yes", "yes", "yes", "no", None, "Yes"],
            "reduced_ability": ["a_lot", "a_little", "not_at_all", None, None, "Yes, a lot"],
        }
    )
    got = CATALOGUE["disability"].detailed(data).tolist()
    assert got[:4] == [
        "Disabled: limited a lot",
        "Disabled: limited a little",
        "Not disabled",
        "Not disabled",
    ]
    assert pd.isna(got[4]) and got[5] == "Disabled: limited a lot"


def test_small_categories_are_combined_within_their_broad_group_only() -> None:
    eth = ["asian_indian"] * 30 + ["asian_bangladeshi"] * 4 + ["white_roma"] * 3
    eth += ["white_british"] * 80 + ["black_african"] * 25
    data = pd.DataFrame({"ethnic_group": eth})
    groups, combos = groups_for(CATALOGUE["race"], data, min_n=10)
    counts = groups.value_counts()
    assert counts["Asian, Asian British or Asian Welsh"] == 34
    assert counts["White"] == 83  # Roma joins White, never another broad group
    assert counts["Black: African"] == 25  # nothing small in Black: left alone
    assert {c.group for c in combos} == {"Asian, Asian British or Asian Welsh", "White"}
    asian = next(c for c in combos if c.group.startswith("Asian"))
    assert set(asian.combined) == {"Asian: Indian", "Asian: Bangladeshi"}
    assert "Asian: Bangladeshi had fewer than 10" in asian.reason


def test_a_council_adds_its_own_characteristic() -> None:
    ch = Characteristic.from_column(
        "veteran",
        "armed_forces",
        label="Armed forces community",
        groups={"yes": "Armed forces community", "no": "Not armed forces"},
    )
    equality.register(ch)
    try:
        rng = np.random.default_rng(1)
        data = pd.DataFrame(
            {"armed_forces": rng.choice(["yes", "no"], 300), "y": rng.integers(0, 2, 300)}
        )
        result = equality.assess(Design(data), "y", ["veteran"])
        assert set(result.findings["group"]) == {"Armed forces community", "Not armed forces"}
        assert set(result.findings["characteristic"]) == {"Armed forces community"}
    finally:
        equality.characteristics.unregister("veteran")


def _design() -> Design:
    rng = np.random.default_rng(2)
    return Design(
        pd.DataFrame(
            {
                "sex": rng.choice(["female", "male"], 200),
                "q": rng.choice(["Yes", "No"], 200),
                "y": rng.integers(0, 2, 200),
                "same": np.ones(200),
            }
        )
    )


@pytest.mark.parametrize(
    ("outcome", "chars", "message"),
    [
        ("nope", None, "outcome column 'nope' is not in the data"),
        ("y", ["religion"], "characteristic 'religion' is not in the data"),
        ("y", ["shoe_size"], "'shoe_size' is neither a catalogue name"),
        ("same", None, "one value only"),
        (("q", ["Maybe"]), None, "level 'Maybe' is not present"),
        ("q", None, "not a 0/1 column"),
    ],
)
def test_bad_input_names_what_is_missing(outcome: object, chars: object, message: str) -> None:
    with pytest.raises(equality.EqualityError, match=message):
        equality.assess(_design(), outcome, chars)  # type: ignore[arg-type]


def test_a_survey_without_equality_answers_says_so() -> None:
    data = pd.DataFrame({"y": [0, 1] * 20})
    with pytest.raises(equality.EqualityError, match="no equality answers"):
        equality.assess(Design(data), "y")


def test_every_group_below_the_threshold_is_an_evidence_gap() -> None:
    data = pd.DataFrame({"sex": ["female"] * 6 + ["male"] * 5, "y": [0, 1] * 5 + [1]})
    result = equality.assess(Design(data), "y", ["sex"])
    assert (result.findings["finding"] == "not enough responses to say").all()
    assert result.findings["estimate"].isna().all()
    assert any("every group has fewer than 10" in g["reason"] for g in result.gaps)


def test_outcome_levels_mean_answered_any_of_them() -> None:
    d = _design()
    a = equality.assess(d, ("q", ["Yes"]), ["sex"]).findings
    b = equality.assess(d, ("q", "Yes"), ["sex"]).findings
    pd.testing.assert_frame_equal(a, b)
    want = (d.data["q"] == "Yes")[d.data["sex"] == "female"].mean()
    assert a.set_index("group").loc["Female", "estimate"] == pytest.approx(want)


def test_a_characteristic_nobody_answered_is_a_clear_error() -> None:
    data = pd.DataFrame({"religion": [None] * 30, "y": [0, 1] * 15})
    with pytest.raises(equality.EqualityError, match="nobody who answered the outcome answered"):
        equality.assess(Design(data), "y", ["religion"])


def test_outcome_label_uses_the_codebook_labels() -> None:
    raw = pd.DataFrame({"sex": ["female", "male"] * 20, "q": ["y", "n", "n", "y"] * 10})
    codebook = {
        "variables": [
            {"name": "sex", "type": "categorical", "values": {"female": "Female", "male": "Male"}},
            {
                "name": "q",
                "label": "Do you use the library?",
                "type": "categorical",
                "values": {"y": "Yes, often", "n": "No"},
            },
        ]
    }
    import analysis

    data = analysis.label(raw, codebook)
    result = equality.assess(Design(data), ("q", ["y"]), ["sex"])
    # The question's wording and the answer's label, not their codes, head the report.
    assert result.outcome_label == "Do you use the library?: Yes, often"
    assert result.findings.set_index("group").loc["Female", "estimate"] == pytest.approx(0.5)


def test_a_group_whose_weights_rest_on_one_person_is_not_enough_to_say() -> None:
    rng = np.random.default_rng(9)
    n = 400
    data = pd.DataFrame(
        {
            "sex": ["female"] * 200 + ["male"] * 180 + ["other"] * 20,
            "y": rng.integers(0, 2, n),
            "w": [1.0] * 380 + [200.0] + [1.0] * 19,  # one of the 20 carries most weight
        }
    )
    ch = Characteristic.from_column("sex_any", "sex", label="Sex (any answer)")
    equality.register(ch)
    try:
        result = equality.assess(Design(data, weights="w"), "y", ["sex_any"])
    finally:
        equality.characteristics.unregister("sex_any")
    f = result.findings.set_index("group")
    other = f.loc["other"]
    assert other["n"] == 20 and other["n_eff"] < 10  # enough people, too few in effect
    assert other["finding"] == "not enough responses to say"
    assert np.isnan(other["p_adjusted"]) and other["suppressed"] == ""
    assert np.isfinite(f.loc["female", "p_adjusted"]) and result.tested == 2
