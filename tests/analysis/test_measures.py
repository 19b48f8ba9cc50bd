"""Strategy measures: definitions, bad input, status against target, change between periods."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from scipy import stats

import analysis
from analysis import measures as m


def frame(answers: list[str | None], when: str = "2026-09-20", version: int = 1, **extra):
    n = len(answers)
    data = {
        "respondent_id": [f"R-{i}" for i in range(n)],
        "version": [version] * n,
        "submitted_at": pd.to_datetime([when] * n, utc=True),
        "q": pd.Categorical(answers),
        "panel_sex": ["Female" if i % 2 else "Male" for i in range(n)],
    }
    data.update(extra)
    return pd.DataFrame(data)


def measure(**overrides):
    raw = {
        "id": "sat",
        "name": "Satisfied",
        "source": {"kind": "survey", "survey": "s", "question": "q", "levels": ["Yes"],
                   "weighting": "unweighted"},
        "unit": "percent",
    }  # fmt: skip
    raw.update(overrides)
    return m.measure_from_dict(raw)


H2 = m.Period.parse("2026-H2")


def test_shipped_set_loads_cleanly_and_uses_real_bank_questions():
    from surveys.bank import load_bank, load_bank_survey

    defs = m.load_measures()
    assert [d.problems for d in defs if d.problems] == []
    ids = {d.id for d in defs}
    assert {"council_satisfaction", "no_home_internet", "panel_members", "a11y_pages"} <= ids
    assert {"council_satisfaction_adverse_groups", "home_internet_adverse_groups"} <= ids
    for d in defs:
        if d.kind in ("survey", "equality"):
            bank = load_bank(d.source["survey"])
            questions = {q["id"]: q for page in bank["pages"] for q in page["questions"]}
            assert d.source["question"] in questions, d.id
            if d.kind == "equality":  # the levels are answer labels of that question
                q = load_bank_survey(d.source["survey"]).question(d.source["question"])
                labels = {o.label["en"] for o in q.options}
                assert set(d.source["levels"]) <= labels, d.id


def test_periods_parse_and_step_back():
    assert (H2.start.isoformat(), H2.end.isoformat()) == ("2026-07-01", "2027-01-01")
    assert m.Period.parse("2026-H1").previous().label == "2025-H2"
    assert m.Period.parse("2026-Q1").previous().label == "2025-Q4"
    assert m.Period.parse("2026").previous().label == "2025"
    with pytest.raises(analysis.AnalysisError, match="2026-H3"):
        m.Period.parse("2026-H3")


def test_proportion_is_the_share_in_period_as_percent():
    # 30 of 40 "Yes" in the period; 10 "No" answered in the spring do not count.
    df = pd.concat([frame(["Yes"] * 30 + ["No"] * 10), frame(["No"] * 10, when="2026-03-01")])
    v = m.survey_value(measure(), df, H2)
    assert v.estimate == pytest.approx(75.0)
    assert v.n == 40
    assert v.ci_low < 75 < v.ci_high
    # svyciprop(method="logit") by hand: se = sqrt(p(1-p)/(n-1)), t on n-1 df, on the logit
    se = math.sqrt(0.75 * 0.25 / 39) / (0.75 * 0.25)
    t = stats.t.ppf(0.975, 39)
    expit = lambda x: 100 / (1 + math.exp(-x))  # noqa: E731
    assert v.ci_low == pytest.approx(expit(math.log(3) - t * se), abs=1e-6)
    assert v.ci_high == pytest.approx(expit(math.log(3) + t * se), abs=1e-6)


def test_bad_definitions_become_messages_per_measure():
    on_mean = measure(unit="mean", source={"kind": "survey", "survey": "s", "question": "q",
                                           "statistic": "mean"},
                      targets={"2026-H2": {"value": 70, "unit": "percent"}})  # fmt: skip
    assert any("target is in percent but the measure is a mean" in p for p in on_mean.problems)
    negative = measure(targets={"2026-H2": {"value": 70, "tolerance": -2}})
    assert negative.problems == ["target for 2026-H2: tolerance -2 is below zero"]
    too_big = measure(targets={"2026-H2": 120})
    assert "not a percentage" in too_big.problems[0]
    bad_period = measure(targets={"2026-H9": 50})
    assert "2026-H9" in bad_period.problems[0]
    ok = measure(targets={"2026-H2": {"value": 70, "tolerance": 2}})
    assert ok.problems == [] and ok.target_for("2026-H2") == m.Target(70, 2, None)


def test_bad_file_still_yields_the_good_measures(tmp_path):
    path = tmp_path / "measures.yaml"
    path.write_text(
        "measures:\n"
        "  - {id: a, source: {kind: panel, figure: active_members}, unit: count}\n"
        "  - {id: b, source: {kind: telepathy}}\n"
        "  - {id: a, source: {kind: panel, figure: response_rate}}\n"
    )
    defs = m.load_measures(path)
    assert defs[0].problems == []
    assert "telepathy" in defs[1].problems[0]
    assert "more than one measure" in defs[2].problems[0]
    path.write_text("- [unclosed")
    with pytest.raises(m.MeasureError):
        m.load_measures(path)


def test_question_missing_in_the_periods_version_and_no_data_are_notes():
    df = frame(["Yes"] * 5, version=2).assign(q=None)
    v = m.survey_value(measure(), df, H2)
    assert v.estimate is None and "not asked in s version 2" in v.note
    empty = m.survey_value(measure(), frame(["Yes"] * 5, when="2026-01-05"), H2)
    assert empty.estimate is None and "no responses to s in 2026-H2" in empty.note
    r = m.evaluate(measure(targets={"2026-H2": 50}), {"2026-H2": empty}, H2)
    assert r.status == "no figure for the period" and r.problems == [empty.note]


def test_any_item_of_a_grid_and_a_filter():
    df = frame(["Yes"] * 4, channel=["Phone", "Phone", "Phone", "Email"])
    df["g__a"] = ["can", "cannot", "can", None]
    df["g__b"] = ["can", "can", "cannot", None]
    grid = measure(source={"kind": "survey", "survey": "s", "question": "g", "items": "any",
                           "levels": ["cannot"], "weighting": "unweighted"})  # fmt: skip
    v = m.survey_value(grid, df, H2)
    assert v.estimate == pytest.approx(200 / 3) and v.n == 3  # the blank row is no answer
    phone = measure(source={**measure().source, "where": {"channel": ["Phone"]}})
    df["q"] = ["Yes", "No", "No", "Yes"]
    assert m.survey_value(phone, df, H2).estimate == pytest.approx(100 / 3)


def test_raked_needs_margins_and_uses_them():
    df = frame(["Yes"] * 30 + ["No"] * 10 + ["No"] * 20)  # 60 rows, sexes alternate
    df["panel_sex"] = ["Female"] * 30 + ["Male"] * 30  # every Yes is a woman
    raked = measure(source={**measure().source, "weighting": "raked"})
    assert "no margins" in m.survey_value(raked, df, H2).note
    v = m.survey_value(raked, df, H2, margins={"panel_sex": {"Female": 25, "Male": 75}})
    assert v.estimate == pytest.approx(25.0)  # all women answered Yes; women are 25 %
    assert v.note == "raked to sex"


def test_status_only_when_the_gap_beats_the_uncertainty():
    sat = measure()
    est = m.Value("2026-H2", 68.0, 65.0, 71.0, 1.5, 999)
    assert m.status(sat, est, m.Target(70, 3))[0] == "within margin of error"
    assert m.status(sat, est, m.Target(64, 3))[0] == "on track"
    assert m.status(sat, est, m.Target(72, 3))[0] == "at risk"  # band edge 69 is inside CI
    assert m.status(sat, est, m.Target(75, 3))[0] == "off track"  # 71 < 75 - 3
    assert m.status(sat, est, None) == ("no target set", "No target has been set for this period.")
    lower = measure(higher_is_better=False)
    assert m.status(lower, est, m.Target(75, 3))[0] == "on track"
    assert m.status(lower, est, m.Target(60, 3))[0] == "off track"  # 65 > 60 + 3
    exact = m.Value("2026-H2", 1400.0)
    members = measure(unit="count")
    assert m.status(members, exact, m.Target(1500, 100))[0] == "at risk"
    assert m.status(members, exact, m.Target(1600, 100))[0] == "off track"
    assert m.status(members, exact, m.Target(1400, 0))[0] == "on track"


def test_change_matches_analysis_trend():
    d1 = analysis.Design(frame(["Yes"] * 60 + ["No"] * 40))
    d2 = analysis.Design(frame(["Yes"] * 45 + ["No"] * 55))
    expected = analysis.trend({"a": d1, "b": d2}, "q", "Yes").iloc[1]
    v1 = m.survey_value(measure(), frame(["Yes"] * 60 + ["No"] * 40, when="2026-03-01"),
                        m.Period.parse("2026-H1"))  # fmt: skip
    v2 = m.survey_value(measure(), frame(["Yes"] * 45 + ["No"] * 55), H2)
    delta = m.change(v2, v1)
    assert delta.change == pytest.approx(100 * expected["change"])
    assert delta.ci_low == pytest.approx(100 * expected["change_ci_low"])
    assert delta.p_value == pytest.approx(expected["p_value"])
    assert delta.significant is True
    assert m.trend_words(measure(), delta) == ("↓", "down (significant), worse")
    same = m.change(m.Value("x", 50.0, 40, 60, 5.0, 99), m.Value("y", 51.0, 41, 61, 5.0, 99))
    assert same.significant is False
    assert m.trend_words(measure(), same) == ("→", "no significant change")
    counted = m.change(m.Value("x", 10.0), m.Value("y", 12.0))
    assert counted.p_value is None and math.isclose(counted.change, -2)
    assert m.trend_words(measure(higher_is_better=False), counted) == ("↓", "down, better")


def test_report_shows_earlier_figure_benchmark_and_missing_targets():
    from analysis.measures.report import render_html

    sat = measure(
        name="Satisfied",
        benchmark={"value": 75, "date": "June 2020", "source": "LGA polling", "note": "Mode."},
        targets={"2026-H2": {"value": 70, "tolerance": 3}},
    )
    spring = m.Value("2026-H1", 62.0, 59.0, 65.0, 1.5, 999, 900, "raked to sex")
    autumn = m.Value("2026-H2", None, note="no responses to s in 2026-H2")
    r1 = m.evaluate(sat, {"2026-H1": spring, "2026-H2": autumn}, H2)
    r2 = m.evaluate(measure(id="other", name="Other"), {"2026-H2": m.Value("2026-H2", 40.0)}, H2)
    html = render_html([r1, r2], period="2026-H2", audience="cabinet")
    assert "62.0% (59.0% to 65.0%) <span" in html and "(from 2026-H1)" in html
    assert "no figure for the period" in html and "no responses to s in 2026-H2" in html
    assert "<strong>National comparator:</strong> 75.0% (LGA polling, June 2020)" in html
    assert "<li>Other</li>" in html  # listed for someone to set a target
    assert "Answers (n)" not in html  # bases only in the management version
    with pytest.raises(ValueError, match="audience"):
        render_html([r1], period="2026-H2", audience="press")


def test_a_margin_with_an_empty_group_is_left_out_and_named_not_a_failed_measure():
    # 40 responses from 3 of 4 wards (a small period): ward cannot be raked to, sex can.
    df = frame(["Yes"] * 20 + ["No"] * 20)
    df["panel_sex"] = ["Female"] * 20 + ["Male"] * 20  # every Yes is a woman
    df["panel_ward"] = (["North", "South", "East", "East"] * 10)[:40]
    raked = measure(source={**measure().source, "weighting": "raked"})
    margins = {
        "panel_sex": {"Female": 25, "Male": 75},
        "panel_ward": {"North": 25, "South": 25, "East": 25, "West": 25},
    }
    v = m.survey_value(raked, df, H2, margins=margins)
    assert v.estimate == pytest.approx(25.0)  # raked to sex alone
    assert v.note.startswith("raked to sex; ward could not be used for weighting")
    assert "1 of its 4 groups have no responses (West)" in v.note
    # the same frame raked to sex alone gives the same figure and interval
    alone = m.survey_value(raked, df, H2, margins={"panel_sex": margins["panel_sex"]})
    assert (v.ci_low, v.ci_high) == pytest.approx((alone.ci_low, alone.ci_high))
    # no margin usable at all: the measure says why, naming each margin
    west_only = {"panel_ward": {"West": 50, "North": 50}}
    df["panel_ward"] = "North"
    note = m.survey_value(raked, df, H2, margins=west_only).note
    assert note.startswith("weighting failed: no margin could be used")
    assert "ward could not be used" in note and "(West)" in note


def test_a_report_cache_builds_one_design_per_survey_period_and_weighting():
    from analysis.measures.values import DesignCache, period_design

    df = frame(["Yes"] * 30 + ["No"] * 30)
    df["other"] = pd.Categorical(["A", "B"] * 30)
    margins = {"panel_sex": {"Female": 50, "Male": 50}}
    one = measure(source={**measure().source, "weighting": "raked"})
    two = measure(id="other", source={**one.source, "question": "other", "levels": ["A"]})
    cache = DesignCache()
    a = period_design(one, df, H2, margins=margins, cache=cache)
    b = period_design(two, df, H2, margins=margins, cache=cache)
    assert not isinstance(a, str) and not isinstance(b, str)
    assert a[0] is b[0] and (a[1], b[1]) == ("q", "other")  # raking does not see the outcome
    fresh = period_design(two, df, H2, margins=margins)
    assert not isinstance(fresh, str) and fresh[0] is not b[0]
    assert m.survey_value(two, df, H2, margins=margins, cache=cache) == m.survey_value(
        two, df, H2, margins=margins
    )


def test_a_question_dropped_in_a_later_version_keeps_its_history_and_says_so():
    # version 1 (spring) asked q; version 2 (autumn) dropped it: the export has the column,
    # blank for every version-2 response
    spring = frame(["Yes"] * 30 + ["No"] * 10, when="2026-03-01", version=1)
    autumn = frame(["Yes"] * 40, version=2).assign(q=None)
    df = pd.concat([spring, autumn], ignore_index=True)
    sat = measure(targets={"2026-H2": {"value": 70, "tolerance": 3}})
    values = {p: m.survey_value(sat, df, m.Period.parse(p)) for p in ("2026-H1", "2026-H2")}
    assert values["2026-H1"].estimate == pytest.approx(75.0)
    assert values["2026-H2"].estimate is None
    assert "'q' was not asked in s version 2" in values["2026-H2"].note
    r = m.evaluate(sat, values, H2)
    assert r.status == "no figure for the period" and r.latest is values["2026-H1"]
    other = m.evaluate(measure(id="o", name="Other"), {"2026-H2": m.Value("2026-H2", 40.0)}, H2)
    from analysis.measures.report import render_html

    html = render_html([r, other], period="2026-H2")
    assert "75.0% (" in html and "(from 2026-H1)" in html
    assert "&#39;q&#39; was not asked in s version 2" in html
    assert "<li>Other</li>" in html  # the rest still renders
