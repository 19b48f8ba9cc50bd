"""Staff measures pages and what they stand on: targets set and refused, council measures,
panel history, IMD labels in the raking margins, missing profiles, equality notes, and the
EqIA report as a background job."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import pytest

from analysis import measures as m
from tests.conftest import csrf_token, post_form
from tests.surveys.conftest import RESIDENT_SATISFACTION_ANSWERS as ANSWERS

NOW = dt.datetime.now(dt.UTC)
PERIOD = f"{NOW.year}-H{1 if NOW.month <= 6 else 2}"
PROFILES = [  # (age band, sex, ward, ethnicity, disability, IMD quintile)
    ("16-24", "female", "abbey", "white", "not_disabled", 1),
    ("25-34", "male", "brookside", "asian", "limited_a_little", 2),
    ("35-44", "female", "castle", "black", "not_disabled", 3),
    ("45-54", "male", "abbey", "white", "limited_a_lot", 4),
    ("55-64", "female", "brookside", "mixed", "not_disabled", 5),
    ("65-74", "male", "castle", "other", "not_disabled", 1),
    ("75+", "female", "abbey", "white", "not_disabled", 2),
]


async def _profiled_member(reference: str, profile: tuple[Any, ...]) -> int:
    from panel.tables import Member
    from tests.surveys.conftest import new_member

    member = await new_member(reference)
    age, sex, ward, eth, dis, imd = profile
    await Member.update({Member.age_band: age, Member.sex: sex, Member.ward: ward,
                         Member.ethnicity: eth, Member.disability: dis,
                         Member.imd_quintile: imd}).where(Member.id == member)  # fmt: skip
    return member


async def _member_responses(count: int = 14, *, anonymous: int = 0) -> None:
    """Assisted responses from panel members with varied profiles (and some with none)."""
    from service.accounts import create_user
    from surveys.services import responses
    from tests.surveys.conftest import store_bank

    await store_bank("resident-satisfaction")
    staff = await create_user("entry@council.example.gov.uk", "Entry", "panel_manager", "x" * 16)
    answers = ("very_satisfied", "fairly_satisfied", "very_dissatisfied", "neither")
    for i in range(count):
        await _profiled_member(f"RV-M{i:04d}", PROFILES[i % len(PROFILES)])
        await responses.record_assisted(
            "resident-satisfaction",
            {**ANSWERS, "council_satisfaction": answers[i % len(answers)]},
            mode="paper",
            entered_by=int(staff.id),
            member_reference=f"RV-M{i:04d}",
        )
    for _ in range(anonymous):
        await responses.record_assisted(
            "resident-satisfaction", ANSWERS, mode="phone", entered_by=int(staff.id)
        )


async def test_imd_codes_are_relabelled_for_the_export_so_deprivation_is_raked(db: Any) -> None:
    """Margins are keyed 1–5, the export says 'Quintile 1 (most deprived)': before the fix the
    deprivation dimension silently fell out of the weighting."""
    import analysis
    from surveys.services.measures import _labelled_margins

    await _member_responses()
    frame = await analysis.aload("resident-satisfaction")
    assert "Quintile 1 (most deprived)" in set(frame["panel_imd_quintile"].dropna())
    margins = _labelled_margins(frame)
    assert set(margins["panel_imd_quintile"]) == {
        "Quintile 1 (most deprived)", "Quintile 2", "Quintile 3", "Quintile 4",
        "Quintile 5 (least deprived)",
    }  # fmt: skip
    assert set(margins) >= {"panel_sex", "panel_age_band", "panel_imd_quintile"}
    measure = next(d for d in m.load_measures() if d.id == "council_satisfaction")
    # rake on the two dimensions this small sample covers fully (every ward would need
    # respondents too); deprivation is used, and the weights reproduce its margin
    two = {c: margins[c] for c in ("panel_sex", "panel_imd_quintile")}
    value = m.survey_value(measure, frame, m.Period.parse(PERIOD), margins=two)
    assert value.estimate is not None, value.note
    assert "imd_quintile" in value.note


async def test_missing_profiles_are_named_and_the_rest_still_reported(db: Any) -> None:
    from analysis.measures.report import render_html
    from surveys.services.measures import build_results

    await _member_responses(anonymous=2)
    results = await build_results(m.Period.parse(PERIOD))
    by_id = {r.measure.id: r for r in results}
    note = by_id["council_satisfaction"].current.note
    assert note.startswith("weighting failed: 2 of 16 responses in ")
    assert "no panel profile for age_band" in note and "not reported" in note
    assert by_id["panel_members"].current.estimate == 14.0  # the rest still has figures
    html = render_html(results, period=PERIOD)
    assert "no panel profile for age_band" in html


async def test_panel_figures_have_history_from_join_and_leave_dates(db: Any) -> None:
    from panel.history import figures_at
    from panel.margins import panel_margins
    from panel.tables import ContactEvent, Member
    from surveys.services.measures import measure_values
    from tests.surveys.conftest import new_member

    period = m.Period.parse(PERIOD)
    before = dt.datetime.combine(period.previous().start, dt.time(), dt.UTC)
    joined = [before - dt.timedelta(days=400), before + dt.timedelta(days=10), NOW]
    ids = [await new_member(f"RV-H{i}") for i in range(3)]
    for member, when in zip(ids, joined, strict=True):
        await Member.update({Member.joined_at: when}).where(Member.id == member)
    # the first leaves during the previous period; the second is invited and answers then
    left = before + dt.timedelta(days=20)
    await Member.update({Member.left_at: left, Member.status: "withdrawn"}).where(
        Member.id == ids[0]
    )
    for kind, days in (("invitation", 30), ("response", 32)):
        await ContactEvent(member=ids[1], kind=kind, channel="email", subject="s",
                           at=before + dt.timedelta(days=days)).save()  # fmt: skip
    end_prev = dt.datetime.combine(period.start, dt.time(), dt.UTC)
    at_start, at_end = await figures_at([before, end_prev], panel_margins())
    assert at_start["members"] == 1 and at_start["response_rate"] is None
    assert at_end["members"] == 1 and at_end["invited"] == 1 and at_end["response_rate"] == 1.0
    assert at_end["representativeness_gap"] is not None
    defs = [
        m.measure_from_dict({"id": i, "unit": u, "source": {"kind": "panel", "figure": f}})
        for i, u, f in (("members", "count", "active_members"),
                        ("rate", "percent", "response_rate"))
    ]  # fmt: skip
    values = await measure_values(defs, period, now=NOW)
    prev = period.previous().label
    assert values["members"][prev].estimate == 1.0
    assert "from join and leave dates" in values["members"][prev].note
    assert values["rate"][prev].estimate == 100.0 and values["rate"][prev].n == 1
    assert values["members"][period.label].estimate == 2.0  # live: the two still active


async def test_targets_are_refused_with_the_field_named(db: Any) -> None:
    from surveys.services.measures_store import FieldErrors, check_target

    percent = next(d for d in m.load_measures() if d.id == "council_satisfaction")
    mean = m.measure_from_dict({"id": "rating", "unit": "mean", "source": {
        "kind": "survey", "survey": "none", "question": "q", "statistic": "mean"}})  # fmt: skip
    cases = [
        (percent, {"period": "2026-H3", "value": "70"}, "period"),
        (percent, {"period": PERIOD, "value": "120"}, "value"),
        (percent, {"period": PERIOD, "value": "seventy"}, "value"),
        (percent, {"period": PERIOD, "value": "70", "tolerance": "-1"}, "tolerance"),
        (mean, {"period": PERIOD, "value": "75%"}, "value"),
    ]
    for measure, form, field in cases:
        with pytest.raises(FieldErrors) as refused:
            await check_target(measure, form)
        assert [f for f, _ in refused.value.errors] == [field], (form, refused.value.errors)
    with pytest.raises(FieldErrors) as refused:
        await check_target(mean, {"period": PERIOD, "value": "75%"})
    assert "not a percentage" in refused.value.errors[0][1]
    assert await check_target(percent, {"period": PERIOD, "value": "72.5", "tolerance": ""}) == (
        PERIOD, m.Target(72.5, 0.0)
    )  # fmt: skip


async def test_staff_page_sets_a_target_audited_and_used_by_report_and_api(
    client: Any, staff_login: Any
) -> None:
    from service import audit

    assert (await client.get("/staff/measures/")).status_code in (302, 303, 401)
    await staff_login(client, "web_team")
    assert (await client.get("/staff/measures/")).status_code == 403
    user = await staff_login(client, "research_officer")
    page = await client.get(f"/staff/measures/?period={PERIOD}")
    assert page.status_code == 200, page.text
    assert "Satisfied with the way the council runs things" in page.text
    assert (await client.get("/staff/measures/?period=2026-H9")).status_code == 400
    # the download form: audience and format, as the CLI's --audience and --output
    assert 'action="/staff/measures/report"' in page.text
    assert 'name="audience" type="radio" value="management"' in page.text
    assert 'name="format" type="radio" value="pdf"' in page.text
    management = await client.get(
        f"/staff/measures/report?period={PERIOD}&audience=management&format=html"
    )
    assert management.status_code == 200
    assert f'progress-{PERIOD}-management.html"' in management.headers["content-disposition"]
    assert "For the management team" in management.text and "Answers (n)" in management.text
    cabinet = await client.get(f"/staff/measures/report.html?period={PERIOD}")
    assert "For Cabinet" in cabinet.text and "Answers (n)" not in cabinet.text
    for query, field in ((f"period={PERIOD}&audience=council", "audience"),
                         (f"period={PERIOD}&format=docx", "format"),
                         ("period=2026-H9&format=pdf", "period")):  # fmt: skip
        refused = await client.get(f"/staff/measures/report?{query}")
        assert refused.status_code == 400 and field in refused.text.lower(), query

    url = "/staff/measures/trust/target"
    no_csrf = await client.post(url, data={"period": PERIOD, "value": "60"})
    assert no_csrf.status_code == 403
    bad = await post_form(client, url, {"period": PERIOD, "value": "60", "tolerance": "-2"})
    assert bad.status_code == 400
    assert 'href="#tolerance"' in bad.text and "cannot be below zero" in bad.text
    assert (await audit.recent()) == [] or all(
        e["subject"] != f"measure trust target {PERIOD}" for e in await audit.recent()
    )
    ok = await post_form(client, url, {"period": PERIOD, "value": "60", "tolerance": "4"})
    assert ok.status_code == 303, ok.text
    assert ok.headers["location"] == f"/staff/measures/trust?period={PERIOD}&saved={PERIOD}"
    shown = await client.get(ok.headers["location"])
    assert "Target for" in shown.text and 'value="60"' in shown.text
    (event,) = [e for e in await audit.recent() if e["subject"] == f"measure trust target {PERIOD}"]
    assert event["staff_email"] == user.email and event["action"] == "change"
    assert "target set to 60 (tolerance 4); was none" in event["detail"]
    # set again: replaced, not duplicated, and the API and summary use it
    again = await post_form(client, url, {"period": PERIOD, "value": "65", "tolerance": "3"})
    assert again.status_code == 303
    api = (await client.get(f"/api/measures?period={PERIOD}")).json()
    trust = next(x for x in api["measures"] if x["id"] == "trust")
    assert trust["target"] == {"value": 65.0, "tolerance": 3.0}
    summary = await client.get(f"/staff/measures/?period={PERIOD}")
    assert "65.0% (tolerance 3)" in summary.text
    assert (await client.get("/staff/measures/no_such_measure")).status_code == 404


async def test_a_council_adds_a_measure_from_a_question(client: Any, staff_login: Any) -> None:
    from surveys.services.measures_store import effective_measures

    await _member_responses(count=3)
    await staff_login(client, "panel_manager")
    form = await client.get("/staff/measures/new")
    assert form.status_code == 200 and "resident-satisfaction" in form.text
    good = {"id": "area_good", "name": "Area is good", "definition": "Very or fairly satisfied.",
            "survey": "resident-satisfaction", "question": "council_satisfaction",
            "statistic": "proportion", "levels": "very_satisfied, Fairly satisfied",
            "weighting": "unweighted", "higher_is_better": "yes"}  # fmt: skip
    for field, value in (("question", "no_such_question"), ("levels", "Very happy"),
                         ("id", "council_satisfaction"), ("survey", "no-survey")):  # fmt: skip
        refused = await post_form(client, "/staff/measures/new", {**good, field: value})
        assert refused.status_code == 400, (field, refused.text)
        assert f'href="#{field}"' in refused.text, field
    added = await post_form(client, "/staff/measures/new", good)
    assert added.status_code == 303, added.text
    measure = next(x for x in await effective_measures() if x.id == "area_good")
    assert measure.source["levels"] == ["Very satisfied", "Fairly satisfied"]
    assert not measure.problems
    page = await client.get(f"/staff/measures/area_good?period={PERIOD}")
    assert page.status_code == 200 and "Area is good" in page.text
    # 2 of the 3 answers are very or fairly satisfied
    assert "66.7%" in page.text


def test_equality_notes_name_the_group_gap_and_interval_and_never_a_small_group() -> None:
    from equality import assess
    from equality.synthetic import survey
    from surveys.services.measures import equality_notes

    frame = survey(3000, seed=5)
    frame["submitted_at"] = pd.Timestamp(m.Period.parse("2026-H2").start, tz="UTC")
    frame["version"] = 1
    measure = m.measure_from_dict({"id": "online", "unit": "percent", "source": {
        "kind": "survey", "survey": "s", "question": "home_internet", "levels": ["yes"],
        "weighting": "unweighted"}})  # fmt: skip
    notes = equality_notes(measure, frame, m.Period.parse("2026-H2"), {})
    adverse = [n for n in notes if n.startswith("Likely adverse impact")]
    assert adverse, notes
    assert all("points (95% CI " in n and "Holm-adjusted p " in n for n in adverse)
    findings = assess(__import__("analysis").Design(frame), ("home_internet", ["yes"])).findings
    shown = findings[findings["finding"] == "likely adverse impact"]
    assert len(adverse) == len(shown) and (shown["n"] >= 10).all()
    assert equality_notes(measure, frame, m.Period.parse("2025-H2"), {}) == []


async def test_equality_report_runs_as_a_background_job(client: Any, staff_login: Any) -> None:
    from service import jobs

    await _member_responses(count=21)
    await staff_login(client, "research_officer")
    base = "/staff/surveys/resident-satisfaction/equality"
    bad = await post_form(client, f"{base}/reports", {"outcome": "no equals sign"})
    assert bad.status_code == 400 and "QUESTION=LEVEL" in bad.text
    queued = await post_form(
        client, f"{base}/reports",
        {"outcome": "council_satisfaction=Very satisfied,Fairly satisfied"},
    )  # fmt: skip
    assert queued.status_code == 303, queued.text
    listed = await client.get(queued.headers["location"])
    assert "Being built" in listed.text and "has been queued" in listed.text
    assert (await client.get(f"{base}/reports/1")).status_code == 404  # not ready yet
    assert await jobs.run_until_empty() >= 1
    page = await client.get(f"{base}/")
    assert "Download report 1" in page.text
    report = await client.get(f"{base}/reports/1")
    assert report.status_code == 200
    assert "attachment" in report.headers["content-disposition"]
    assert "<html" in report.text.lower()
    assert (await client.get("/staff/surveys/no-survey/equality/reports/1")).status_code == 404
    assert await csrf_token(client)


async def test_an_equality_measure_counts_groups_with_a_likely_adverse_impact(db: Any) -> None:
    """``kind: equality``: the number of groups the equality analysis finds a likely adverse
    impact for, per period, with the groups named in the note."""
    from surveys.services import measures as svc

    definition = m.measure_from_dict({"id": "eq", "unit": "count", "higher_is_better": False,
        "source": {"kind": "equality", "survey": "s", "question": "home_internet",
                   "levels": ["yes"], "weighting": "unweighted"}})  # fmt: skip
    assert definition.problems == []
    bad = m.measure_from_dict({"id": "eq", "unit": "percent", "source": {"kind": "equality"}})
    assert "equality source needs 'question'" in bad.problems
    assert "an equality figure is a count, but unit says percent" in bad.problems

    from equality.synthetic import survey

    frame = survey(3000, seed=5)
    frame["submitted_at"] = pd.Timestamp(m.Period.parse(PERIOD).start, tz="UTC")
    frame["version"] = 1
    values = await svc._equality_values([definition], [m.Period.parse(PERIOD)], {"s": frame})
    value = values["eq"][PERIOD]
    notes = svc.equality_notes(definition, frame, m.Period.parse(PERIOD), {})
    adverse = [n for n in notes if n.startswith("Likely adverse impact")]
    assert value.estimate == float(len(adverse)) and value.estimate > 0
    assert value.exact and "unweighted; " in value.note


async def test_the_councils_own_measures_file_is_read_by_page_api_and_cli(
    client: Any, staff_login: Any, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``MEASURES_FILE``: a council's own YAML replaces the shipped set everywhere, so the
    staff page, the API and ``resident-voice progress-report`` never disagree."""
    import asyncio

    from click.testing import CliRunner

    from service.settings import get_settings
    from surveys.measures_cli import progress_report

    own = tmp_path / "our_measures.yaml"
    own.write_text(
        "measures:\n"
        "  - id: our_members\n"
        "    name: Members of our panel\n"
        "    unit: count\n"
        "    source: {kind: panel, figure: active_members}\n"
        f"    targets: {{{PERIOD}: {{value: 5}}}}\n"
    )
    monkeypatch.setenv("MEASURES_FILE", str(own))
    get_settings.cache_clear()
    try:
        await _member_responses(count=3)
        await staff_login(client, "research_officer")
        page = await client.get(f"/staff/measures/?period={PERIOD}")
        assert page.status_code == 200
        assert "Members of our panel" in page.text
        assert "Satisfied with the way the council runs things" not in page.text
        api = (await client.get(f"/api/measures?period={PERIOD}")).json()
        assert [x["id"] for x in api["measures"]] == ["our_members"]
        assert api["measures"][0]["target"] == {"value": 5.0, "tolerance": 0.0}
        out = tmp_path / "report.html"
        ran = await asyncio.to_thread(
            CliRunner().invoke, progress_report, ["--period", PERIOD, "--output", str(out)]
        )
        assert ran.exit_code == 0, ran.output
        assert "1 measures" in ran.output and "Members of our panel" in out.read_text()
    finally:
        monkeypatch.delenv("MEASURES_FILE")
        get_settings.cache_clear()
