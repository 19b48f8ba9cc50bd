"""Stored versions, link claims under concurrency, assisted entry, exports."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from panel.tables import Member
from surveys.bank import load_bank
from surveys.definitions import DefinitionError
from surveys.services import definitions_store, exports, links, responses
from surveys.services.errors import SurveyError
from surveys.tables import SurveyLink, SurveyResponse, SurveyVersion
from tests.surveys.conftest import RESIDENT_SATISFACTION_ANSWERS, record_consent, store_bank

ANSWERS = RESIDENT_SATISFACTION_ANSWERS


async def _member(reference: str = "P-TEST0001", **extra: Any) -> int:
    member = Member(
        reference=reference,
        first_name="Ada",
        last_name="Lovelace",
        email="ada@example.org",
        age_band="75+",
        sex="female",
        ward="abbey",
        ethnicity="white",
        disability="limited_a_lot",
        imd_quintile=1,
        **extra,
    )
    await member.save()
    await record_consent(int(member.id))
    return int(member.id)


async def _answered_link(slug: str, answers: dict[str, Any], member: int | None = None) -> str:
    issued = (
        await links.create_links(slug, member_ids=[member])
        if member
        else await links.create_links(slug, count=1)
    )[0]
    state = await links.resolve(issued.token)
    assert state is not None
    await responses.save_answers(state, answers, page_id="trust", lang="en")
    return issued.token


async def test_versions_immutable_once_answered(db: Any) -> None:
    first = await store_bank("resident-satisfaction")
    assert first.created and first.stored.version == 1
    same = await store_bank("resident-satisfaction")
    assert not same.created and same.stored.version == 1

    edited = load_bank("resident-satisfaction")
    edited["title"]["en"] = "Your area"
    replaced = await definitions_store.save_definition(edited)
    assert replaced.replaced and replaced.stored.version == 1  # no responses yet: fixed in place

    await _answered_link("resident-satisfaction", ANSWERS)
    edited["title"]["en"] = "Your area and council"
    second = await definitions_store.save_definition(edited)
    assert second.created and second.stored.version == 2
    old = await definitions_store.get_version("resident-satisfaction", 1)
    assert old.survey.title("en") == "Your area"
    assert await SurveyVersion.count() == 2
    response = await SurveyResponse.select(SurveyResponse.version).first()
    assert response is not None and response["version"] == 1


async def test_invalid_definition_names_the_path_and_writes_nothing(db: Any) -> None:
    bad = load_bank("resident-satisfaction")
    bad["pages"][1]["questions"][0]["type"] = "no_such_type"
    with pytest.raises(DefinitionError) as caught:
        await definitions_store.save_definition(bad)
    assert any(issue.path.startswith("pages[1]") for issue in caught.value.errors)
    assert await SurveyVersion.count() == 0


async def test_concurrent_submissions_give_exactly_one_response(db: Any) -> None:
    await store_bank("resident-satisfaction")
    token = await _answered_link("resident-satisfaction", ANSWERS)
    state = await links.resolve(token)
    assert state is not None
    survey = (await definitions_store.get_version("resident-satisfaction")).survey

    async def attempt() -> str:
        try:
            result = await responses.submit(state, survey)
        except responses.AlreadySubmitted:
            return "refused"
        return "ok" if result.ok else "invalid"

    outcomes = await asyncio.gather(*[attempt() for _ in range(8)])
    assert sorted(outcomes) == ["ok"] + ["refused"] * 7
    assert await SurveyResponse.count().where(SurveyResponse.status == "complete") == 1
    assert await SurveyLink.count().where(SurveyLink.status == "used") == 1


async def test_submit_refuses_missing_required_answers(db: Any) -> None:
    await store_bank("resident-satisfaction")
    token = await _answered_link("resident-satisfaction", {"area_satisfaction": "very_satisfied"})
    state = await links.resolve(token)
    assert state is not None
    survey = (await definitions_store.get_version("resident-satisfaction")).survey
    result = await responses.submit(state, survey)
    assert not result.ok and result.errors[0].qid == "council_satisfaction"
    link = await SurveyLink.select(SurveyLink.status).first()
    assert link is not None and link["status"] == "open"


async def test_assisted_entry_records_mode_and_staff(db: Any) -> None:
    from service.accounts import create_user

    await store_bank("resident-satisfaction")
    await _member("P-ASSIST01")
    staff = await create_user("staff@council.example.gov.uk", "Sam", "panel_manager", "x" * 16)
    made = await responses.record_assisted(
        "resident-satisfaction",
        ANSWERS,
        mode="phone",
        entered_by=int(staff.id),
        member_reference="p-assist01",
    )
    assert made["respondent_id"] == "P-ASSIST01" and made["mode"] == "phone"
    row = await SurveyResponse.select().first()
    assert row is not None and row["entered_by"] == staff.id and row["status"] == "complete"

    with pytest.raises(SurveyError) as caught:
        await responses.record_assisted(
            "resident-satisfaction",
            {"area_satisfaction": "splendid"},
            mode="carrier_pigeon",
            entered_by=int(staff.id),
        )
    assert ("mode", "must be one of paper, phone, face_to_face") in caught.value.errors
    with pytest.raises(SurveyError) as caught:
        await responses.record_assisted(
            "resident-satisfaction",
            {**ANSWERS, "area_satisfaction": "splendid"},
            mode="paper",
            entered_by=int(staff.id),
        )
    assert [p for p, _ in caught.value.errors] == ["answers.area_satisfaction"]
    assert await SurveyResponse.count() == 1


async def test_response_frame_contract_and_files_round_trip(db: Any, tmp_path: Path) -> None:
    import analysis

    await store_bank("resident-satisfaction")
    member = await _member()
    token = await _answered_link("resident-satisfaction", ANSWERS, member=member)
    state = await links.resolve(token)
    assert state is not None
    survey = (await definitions_store.get_version("resident-satisfaction")).survey
    assert (await responses.submit(state, survey)).ok
    await _answered_link("resident-satisfaction", {"area_satisfaction": "fairly_dissatisfied"})

    frame, codebook = await exports.response_frame("resident-satisfaction")
    assert len(frame) == 1  # partials left out unless asked
    assert list(frame.columns[:14]) == [*exports.FIXED_COLUMNS, *exports.PANEL_COLUMNS]
    row = frame.iloc[0]
    assert row["respondent_id"] == "P-TEST0001" and row["mode"] == "online"
    assert row["panel_age_band"] == "75+" and row["panel_imd_quintile"] == "1"
    assert row["council_satisfaction"] == "fairly_satisfied"
    assert row["submitted_at"].endswith("Z")
    assert "email" not in frame.columns and "Lovelace" not in frame.to_csv()

    both, _ = await exports.response_frame("resident-satisfaction", include_partial=True)
    assert sorted(both["status"]) == ["complete", "partial"]
    assert both.loc[both["status"] == "partial", "panel_age_band"].isna().all()

    personal, _ = await exports.export_frame(
        "resident-satisfaction", exports.ExportFilter(include_personal=True)
    )
    assert personal.iloc[0]["email"] == "ada@example.org"

    loaded = analysis.io.label(frame, codebook)
    # Written files read back through analysis.read_export to the same labelled frame.
    csv = tmp_path / "rs.csv"
    csv.write_bytes(exports.to_csv(frame))
    (tmp_path / "rs.codebook.json").write_bytes(exports.codebook_json(codebook))
    xlsx = tmp_path / "rs.xlsx"
    xlsx.write_bytes(exports.to_excel(frame, codebook))
    sav = tmp_path / "rs.sav"
    sav.write_bytes(exports.to_spss(frame, codebook))
    for path in (csv, xlsx, sav):
        back = analysis.read_export(path)
        assert str(back.loc[0, "council_satisfaction"]) == "Fairly satisfied", path.suffix
        assert pd.isna(back.loc[0, "keeps_informed"]), path.suffix  # don't know is missing
        assert str(back.loc[0, "respondent_id"]) == "P-TEST0001", path.suffix
        assert str(back.loc[0, "mode"]) == "online", path.suffix
        assert str(back.loc[0, "council_satisfaction"]) == str(
            loaded.loc[0, "council_satisfaction"]
        )

    import pyreadstat

    _, meta = pyreadstat.read_sav(str(sav))
    assert meta.column_names_to_labels["council_satisfaction"].startswith("Overall, how satisfied")
    assert "Very satisfied" in meta.variable_value_labels["council_satisfaction"].values()
    sheets = pd.read_excel(io.BytesIO(xlsx.read_bytes()), sheet_name=None)
    assert list(sheets["codebook"].columns) == [
        "name",
        "label",
        "type",
        "ordered",
        "code",
        "value_label",
        "missing",
    ]
    assert json.loads(exports.codebook_json(codebook))["survey"] == "resident-satisfaction"


async def test_export_filters(db: Any) -> None:
    await store_bank("resident-satisfaction")
    from service.accounts import create_user

    staff = await create_user("s@council.example.gov.uk", "S", "panel_manager", "x" * 16)
    await responses.record_assisted(
        "resident-satisfaction", ANSWERS, mode="paper", entered_by=int(staff.id)
    )
    await responses.record_assisted(
        "resident-satisfaction", ANSWERS, mode="phone", entered_by=int(staff.id)
    )
    paper, _ = await exports.export_frame(
        "resident-satisfaction", exports.ExportFilter(mode="paper")
    )
    assert list(paper["mode"]) == ["paper"]
    today = dt.datetime.now(dt.UTC).date()
    future, _ = await exports.export_frame(
        "resident-satisfaction", exports.ExportFilter(since=today + dt.timedelta(days=1))
    )
    assert len(future) == 0
    with pytest.raises(SurveyError) as caught:
        exports.ExportFilter(mode="fax").check()
    assert caught.value.errors[0][0] == "mode"


async def test_concurrent_first_pages_make_one_response(db: Any) -> None:
    await store_bank("resident-satisfaction")
    (issued,) = await links.create_links("resident-satisfaction", count=1)
    state = await links.resolve(issued.token)
    assert state is not None
    ids = await asyncio.gather(
        *[
            responses.save_answers(
                state, {"area_satisfaction": code}, page_id="local_area", lang="en"
            )
            for code in ("very_satisfied", "fairly_satisfied", "very_dissatisfied")
        ]
    )
    assert len(set(ids)) == 1
    assert await SurveyResponse.count() == 1
