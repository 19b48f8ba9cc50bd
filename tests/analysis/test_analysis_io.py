"""read_export / load / label: the three export formats give the same tidy frame."""

from __future__ import annotations

import sys
import types
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import analysis
from analysis.demo_data import demo_survey, write_export
from analysis.errors import AnalysisError


@pytest.fixture(scope="module")
def raw() -> tuple[pd.DataFrame, dict[str, Any]]:
    return demo_survey(400, seed=7)


@pytest.fixture(scope="module")
def exported(
    raw: tuple[pd.DataFrame, dict[str, Any]], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("exports")
    frame, codebook = raw
    return {
        ext: write_export(frame, codebook, folder / f"wave1.{ext}")
        for ext in ("csv", "xlsx", "sav")
    }


def test_csv_export_is_labelled(
    exported: dict[str, Path], raw: tuple[pd.DataFrame, dict[str, Any]]
) -> None:
    frame = raw[0]
    df = analysis.read_export(exported["csv"])
    col = df["council_satisfaction"]
    assert isinstance(col.dtype, pd.CategoricalDtype) and col.cat.ordered
    assert list(col.cat.categories) == [
        "Very satisfied",
        "Fairly satisfied",
        "Neither satisfied nor dissatisfied",
        "Fairly dissatisfied",
        "Very dissatisfied",
    ]
    # "don't know" answers become missing, everything else keeps its label
    dont_know = (frame["council_satisfaction"] == "dont_know").to_numpy()
    assert dont_know.sum() > 0
    assert col[dont_know].isna().all() and col[~dont_know].notna().all()
    assert (col[frame["council_satisfaction"] == "very_satisfied"] == "Very satisfied").all()
    assert df.attrs["codebook"]["survey"] == "resident-satisfaction"
    assert df.attrs["labels"]["trust"] == "How much do you trust your local council?"
    assert str(df["started_at"].dtype).startswith("datetime64")
    assert list(df["mode"].cat.categories) == ["online", "paper", "phone", "face_to_face"]
    assert df["respondent_id"].dtype == "string"
    assert pd.api.types.is_numeric_dtype(df["years_in_area"])


@pytest.mark.parametrize("ext", ["xlsx", "sav"])
def test_every_format_reads_the_same(exported: dict[str, Path], ext: str) -> None:
    ref = analysis.read_export(exported["csv"])
    other = analysis.read_export(exported[ext])
    questions = [v["name"] for v in ref.attrs["codebook"]["variables"]]
    for name in questions:
        a, b = ref[name], other[name]
        if isinstance(a.dtype, pd.CategoricalDtype):
            assert list(a.cat.categories) == list(b.cat.categories), name
            assert a.cat.ordered == b.cat.ordered, name
            pd.testing.assert_series_equal(a.astype(object), b.astype(object), check_names=False)
        else:
            pd.testing.assert_series_equal(a.astype(float), b.astype(float), check_names=False)


def test_keep_missing_keeps_dont_know_as_a_category(exported: dict[str, Path]) -> None:
    df = analysis.read_export(exported["csv"], keep_missing=True)
    col = df["council_satisfaction"]
    assert list(col.cat.categories)[-1] == "Don't know"
    assert not col.cat.ordered  # "don't know" has no place on the scale
    assert col.notna().all()


def test_unknown_code_is_named(raw: tuple[pd.DataFrame, dict[str, Any]]) -> None:
    frame, codebook = raw
    bad = frame.copy()
    bad.loc[0, "trust"] = "loads"
    with pytest.raises(AnalysisError, match=r"'trust'.*'loads'"):
        analysis.label(bad, codebook)


def test_missing_codebook_file_is_named(
    tmp_path: Path, raw: tuple[pd.DataFrame, dict[str, Any]]
) -> None:
    raw[0].to_csv(tmp_path / "x.csv", index=False)
    with pytest.raises(AnalysisError, match=r"x\.codebook\.json"):
        analysis.read_export(tmp_path / "x.csv")


def test_load_reads_through_the_surveys_service(
    monkeypatch: pytest.MonkeyPatch, raw: tuple[pd.DataFrame, dict[str, Any]]
) -> None:
    """load() calls surveys.services.exports.response_frame and labels what it returns.

    The real function lives in the surveys domain; here a stand-in with the
    contract's signature records the call, so this tests the wiring only.
    """
    frame, codebook = raw
    calls: list[tuple[str, Any, Any]] = []

    async def response_frame(
        survey: str, *, version: int | None = None, include_partial: bool = False
    ):
        calls.append((survey, version, include_partial))
        return frame, codebook

    services = types.ModuleType("surveys.services")
    exports = types.ModuleType("surveys.services.exports")
    exports.response_frame = response_frame  # type: ignore[attr-defined]
    services.exports = exports  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "surveys.services", services)
    monkeypatch.setitem(sys.modules, "surveys.services.exports", exports)
    df = analysis.load("resident-satisfaction", version=1, include_partial=True)
    assert calls == [("resident-satisfaction", 1, True)]
    pd.testing.assert_frame_equal(df, analysis.label(frame, codebook))


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "sav"])
def test_files_written_by_the_surveys_exporter_read_back_the_same(
    fmt: str, raw: tuple[pd.DataFrame, dict[str, Any]], tmp_path: Path
) -> None:
    """Contract test: the surveys domain's own file writers, then read_export."""
    from surveys.services.exports import codebook_json, fixed_codebook, render

    frame, codebook = raw
    codebook = {**codebook, "variables": [*fixed_codebook(), *codebook["variables"]]}
    path = tmp_path / f"export.{fmt}"
    path.write_bytes(render(fmt, frame, codebook))
    if fmt == "csv":
        (tmp_path / "export.codebook.json").write_bytes(codebook_json(codebook))
    got = analysis.read_export(path)
    want = analysis.label(frame, codebook)
    for v in codebook["variables"]:
        name = v["name"]
        if v["type"] == "categorical":
            assert list(got[name].cat.categories) == list(want[name].cat.categories), name
            pd.testing.assert_series_equal(
                got[name].astype(object), want[name].astype(object), check_names=False
            )
        elif v["type"] in ("numeric", "binary"):
            np.testing.assert_allclose(got[name].astype(float), want[name].astype(float))
    assert list(got["mode"].cat.categories) == ["online", "paper", "phone", "face_to_face"]
    assert (got["respondent_id"].astype(str) == frame["respondent_id"]).all()
