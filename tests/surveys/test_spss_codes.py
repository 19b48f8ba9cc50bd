"""SPSS `.sav` codes: integer option codes keep their value, word codes are numbered by
position, "Don't know" and "Prefer not to say" are declared user-missing, and the file still
reads back through `analysis.read_export` to the same labelled frame as CSV and Excel."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from surveys.services import definitions_store, exports, responses
from surveys.services.exports import spss_codes

RATING = [str(n) for n in range(11)]

DEFINITION: dict[str, Any] = {
    "slug": "spss-codes",
    "version": 1,
    "languages": ["en"],
    "title": {"en": "SPSS codes"},
    "pages": [
        {
            "id": "recommend",
            "questions": [
                {
                    "id": "recommend",
                    "type": "rating",
                    "required": True,
                    "dont_know": True,
                    "prefer_not_to_say": True,
                    "text": {"en": "How likely are you to recommend the library?"},
                    "low_label": {"en": "Not at all likely"},
                    "high_label": {"en": "Extremely likely"},
                }
            ],
        },
        {
            "id": "satisfaction",
            "questions": [
                {
                    "id": "satisfaction",
                    "type": "satisfaction_scale",
                    "required": True,
                    "text": {"en": "How satisfied are you with the library?"},
                }
            ],
        },
        {
            "id": "visits",
            "questions": [
                {
                    "id": "visits",
                    "type": "number",
                    "text": {"en": "How many times did you visit last month?"},
                    "min": 0,
                    "max": 100,
                }
            ],
        },
    ],
}


# ------------------------------------------------------------------ the mapping itself
def test_integer_codes_are_their_own_values_and_missing_words_take_98_99() -> None:
    got = spss_codes(
        [*RATING, "dont_know", "prefer_not_to_say"], ["dont_know", "prefer_not_to_say"]
    )
    assert got == {**{c: int(c) for c in RATING}, "dont_know": 98, "prefer_not_to_say": 99}


def test_missing_words_go_above_every_integer_code() -> None:
    thermometer = [str(n) for n in range(101)]
    got = spss_codes([*thermometer, "dont_know"], ["dont_know"])
    assert got["100"] == 100 and got["dont_know"] == 999
    # a scale ending at 98 must not share 98 or 99 with its missing codes
    near = spss_codes(
        ["97", "98", "dont_know", "prefer_not_to_say"], ["dont_know", "prefer_not_to_say"]
    )
    assert near == {"97": 97, "98": 98, "dont_know": 998, "prefer_not_to_say": 999}
    assert len(set(near.values())) == len(near)


def test_integer_missing_codes_and_negative_codes_keep_their_values() -> None:
    assert spss_codes(["-2", "-1", "0", "1", "2", "9"], ["9"]) == {
        "-2": -2,
        "-1": -1,
        "0": 0,
        "1": 1,
        "2": 2,
        "9": 9,
    }


@pytest.mark.parametrize(
    ("codes", "missing"),
    [
        (["very_satisfied", "fairly_satisfied", "dont_know"], ["dont_know"]),
        (["1", "2", "other"], []),  # a word among the substantive codes
        (["07", "7"], []),  # not plainly written integers: "07" and "7" would collide
        (["1.5", "2"], []),
        (["dont_know"], ["dont_know"]),
    ],
)
def test_other_codes_are_numbered_by_position(codes: list[str], missing: list[str]) -> None:
    assert spss_codes(codes, missing) == {c: i + 1 for i, c in enumerate(codes)}


# ------------------------------------------------------------------ the file
async def test_sav_holds_honest_rating_values_and_reads_back_like_csv_and_excel(
    db: Any, tmp_path: Path
) -> None:
    import pyreadstat

    import analysis
    from service.accounts import create_user

    await definitions_store.save_definition(DEFINITION)
    staff = await create_user("spss@council.example.gov.uk", "S", "research_officer", "x" * 16)
    given = [
        ({"recommend": 0, "satisfaction": "very_satisfied", "visits": 3}, 0.0, 1.0),
        ({"recommend": 7, "satisfaction": "fairly_dissatisfied", "visits": 0}, 7.0, 4.0),
        ({"recommend": 10, "satisfaction": "dont_know"}, 10.0, 6.0),
        ({"recommend": "dont_know", "satisfaction": "fairly_satisfied"}, 98.0, 2.0),
        ({"recommend": "prefer_not_to_say", "satisfaction": "very_satisfied"}, 99.0, 1.0),
    ]
    for answers, _, _ in given:
        await responses.record_assisted("spss-codes", answers, mode="paper", entered_by=staff.id)

    frame, codebook = await exports.response_frame("spss-codes")
    assert list(frame["recommend"]) == ["0", "7", "10", "dont_know", "prefer_not_to_say"]
    sav = tmp_path / "sc.sav"
    sav.write_bytes(exports.to_spss(frame, codebook))

    # The numbers an analyst sees in SPSS: the rating as given, 98/99 for the missing codes.
    raw, meta = pyreadstat.read_sav(str(sav), user_missing=True)
    assert list(raw["recommend"]) == [want for _, want, _ in given]
    assert list(raw["satisfaction"]) == [want for _, _, want in given]
    assert list(raw["visits"].fillna(-1)) == [3.0, 0.0, -1.0, -1.0, -1.0]
    labels = meta.variable_value_labels["recommend"]
    assert labels[0] == "0 – Not at all likely" and labels[7] == "7"
    assert labels[10] == "10 – Extremely likely"
    assert labels[98] == "Don't know" and labels[99] == "Prefer not to say"
    assert meta.variable_value_labels["satisfaction"][1] == "Very satisfied"
    ranges: dict[str, Any] = meta.missing_ranges
    assert sorted((r["lo"], r["hi"]) for r in ranges["recommend"]) == [(98, 98), (99, 99)]
    assert [(r["lo"], r["hi"]) for r in ranges["satisfaction"]] == [(6, 6)]
    assert meta.variable_measure["recommend"] == "ordinal"
    assert meta.original_variable_types["recommend"] == "F2.0"
    # Declared user-missing: a reader that honours SPSS missing values drops 98 and 99.
    honoured, _ = pyreadstat.read_sav(str(sav))
    assert list(honoured["recommend"].fillna(-1)) == [0.0, 7.0, 10.0, -1.0, -1.0]

    # All three files read back through analysis.read_export to the same labelled frame.
    csv = tmp_path / "sc.csv"
    csv.write_bytes(exports.to_csv(frame))
    (tmp_path / "sc.codebook.json").write_bytes(exports.codebook_json(codebook))
    xlsx = tmp_path / "sc.xlsx"
    xlsx.write_bytes(exports.to_excel(frame, codebook))
    want = analysis.label(frame, codebook)
    assert list(want["recommend"].astype(object).fillna("-")) == [
        "0 – Not at all likely",
        "7",
        "10 – Extremely likely",
        "-",
        "-",
    ]
    for path in (csv, xlsx, sav):
        back = analysis.read_export(path)
        for name in ("recommend", "satisfaction"):
            assert list(back[name].cat.categories) == list(want[name].cat.categories), path
            assert back[name].cat.ordered == want[name].cat.ordered, path
            pd.testing.assert_series_equal(
                back[name].astype(object), want[name].astype(object), check_names=False
            )
        pd.testing.assert_series_equal(
            back["visits"].astype(float), want["visits"].astype(float), check_names=False
        )
        kept = analysis.read_export(path, keep_missing=True)
        assert list(kept["recommend"].astype(str))[3:] == ["Don't know", "Prefer not to say"]
