"""A synthetic resident satisfaction survey in the export contract format.

For worked examples, tests and benchmarks while no real responses exist:
`demo_survey` makes one wave of a believable online/paper panel survey (LGA
satisfaction questions, a grid of service ratings, panel profile columns)
whose sample over-represents older residents, so weighting visibly matters;
`demo_margins` gives the borough's (made-up) adult population margins to rake
to; `write_export` writes a frame + codebook as CSV (+ ``.codebook.json``),
Excel or SPSS ``.sav`` in the shape the surveys domain exports.  Nothing here
is real data.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

SATISFACTION = {
    "very_satisfied": "Very satisfied",
    "fairly_satisfied": "Fairly satisfied",
    "neither": "Neither satisfied nor dissatisfied",
    "fairly_dissatisfied": "Fairly dissatisfied",
    "very_dissatisfied": "Very dissatisfied",
    "dont_know": "Don't know",
}
AGREEMENT = {
    "strongly_agree": "Strongly agree",
    "tend_to_agree": "Tend to agree",
    "neither": "Neither agree nor disagree",
    "tend_to_disagree": "Tend to disagree",
    "strongly_disagree": "Strongly disagree",
    "dont_know": "Don't know",
}
EXTENT = {
    "great_deal": "A great deal",
    "fair_amount": "A fair amount",
    "not_very_much": "Not very much",
    "not_at_all": "Not at all",
    "dont_know": "Don't know",
}
INFORMED = {
    "very_well_informed": "Very well informed",
    "fairly_well_informed": "Fairly well informed",
    "not_very_well_informed": "Not very well informed",
    "not_well_informed_at_all": "Not well informed at all",
    "dont_know": "Don't know",
}
AGE_BANDS = {
    "16_24": "16-24",
    "25_34": "25-34",
    "35_44": "35-44",
    "45_54": "45-54",
    "55_64": "55-64",
    "65_74": "65-74",
    "75_plus": "75+",
}
SEX = {"female": "Female", "male": "Male"}
WARD_NAMES = ["Abbey", "Brookside", "Castle", "Dene", "Eastfield", "Forest", "Greenhill", "Harbour"]
WARDS = {f"ward_{i}": name for i, name in enumerate(WARD_NAMES, 1)}
ETHNICITY = {
    "white_british": "White British",
    "white_other": "White other",
    "asian": "Asian",
    "black": "Black",
    "mixed": "Mixed",
    "other": "Other ethnic group",
}
DISABILITY = {"yes": "Disabled", "no": "Not disabled"}
IMD = {str(q): f"Quintile {q}" for q in range(1, 6)}
SERVICES = {
    "waste": "Refuse collection",
    "recycling": "Recycling",
    "parks": "Parks and open spaces",
    "roads": "Roads and pavements",
    "libraries": "Libraries",
    "street_cleaning": "Street cleaning",
}

#: the made-up borough's adults (16+) by age band, sex and ward
POPULATION_AGE = {
    "16_24": 26_000,
    "25_34": 38_000,
    "35_44": 36_000,
    "45_54": 34_000,
    "55_64": 30_000,
    "65_74": 22_000,
    "75_plus": 14_000,
}
POPULATION_SEX = {"female": 102_000, "male": 98_000}
POPULATION_WARD = dict(
    zip(WARDS, [27_000, 24_000, 26_000, 23_000, 25_000, 22_000, 28_000, 25_000], strict=True)
)


def demo_margins(*, labels: bool = False) -> dict[str, dict[str, float]]:
    """Population margins for raking the demo survey: age band, sex and ward.

    Keys are codebook codes (``labels=False``) or the labels the tidy frame shows.
    """
    margins = {
        "panel_age_band": dict(POPULATION_AGE),
        "panel_sex": dict(POPULATION_SEX),
        "panel_ward": dict(POPULATION_WARD),
    }
    if labels:
        names = {"panel_age_band": AGE_BANDS, "panel_sex": SEX, "panel_ward": WARDS}
        return {v: {names[v][k]: n for k, n in m.items()} for v, m in margins.items()}
    return {k: {c: float(n) for c, n in m.items()} for k, m in margins.items()}


def _scale(latent: np.ndarray, codes: list[str], cuts: list[float]) -> np.ndarray:
    """Cut a latent score into scale codes (highest latent = first code)."""
    idx = len(codes) - 1 - np.searchsorted(np.asarray(cuts), latent)
    return np.asarray(codes, dtype=object)[np.clip(idx, 0, len(codes) - 1)]


def demo_survey(
    n: int = 3000, *, wave: int = 1, seed: int = 2026
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """One wave of the synthetic survey: (raw export frame, codebook).

    Wave 2 is a fresh sample a year later in which satisfaction with the
    council has slipped and street cleaning got worse.
    """
    rng = np.random.default_rng(seed + 1000 * wave)
    ages = list(AGE_BANDS)
    pop = np.array([POPULATION_AGE[a] for a in ages], dtype=float)
    response_bias = np.array([0.45, 0.6, 0.8, 1.0, 1.3, 1.7, 1.6])
    age = rng.choice(ages, size=n, p=pop * response_bias / (pop * response_bias).sum())
    age_i = np.searchsorted(np.array(ages), age)
    sex = rng.choice(list(SEX), size=n, p=[0.56, 0.44])
    ward_pop = np.array(list(POPULATION_WARD.values()), dtype=float)
    ward = rng.choice(list(WARDS), size=n, p=ward_pop / ward_pop.sum())
    eth = rng.choice(list(ETHNICITY), size=n, p=[0.68, 0.08, 0.12, 0.06, 0.03, 0.03])
    disability = rng.choice(list(DISABILITY), size=n, p=[0.2, 0.8])
    imd = rng.choice(list(IMD), size=n, p=[0.22, 0.21, 0.2, 0.19, 0.18])
    mode = rng.choice(["online", "paper", "phone"], size=n, p=[0.78, 0.18, 0.04])
    shift = -0.18 if wave == 2 else 0.0
    general = rng.normal(0, 1, n) + 0.12 * (age_i - 3) - 0.08 * (imd.astype(int) - 3)
    services: dict[str, np.ndarray] = {}
    effects = {
        "waste": 0.35,
        "recycling": 0.2,
        "parks": 0.25,
        "roads": 0.45,
        "libraries": 0.1,
        "street_cleaning": 0.4,
    }
    sat_codes = list(SATISFACTION)[:5]
    overall = 0.3 * general + rng.normal(0, 0.7, n) + shift
    for item, beta in effects.items():
        level = {"roads": -0.5, "street_cleaning": -0.2 - (0.3 if wave == 2 else 0.0)}.get(
            item, 0.3
        )
        latent = 0.6 * general + rng.normal(0, 0.8, n) + level
        services[item] = latent
        overall += beta * latent
    sd = overall.std()
    frame = pd.DataFrame(
        {
            "respondent_id": [f"R{wave}{i:06d}" for i in rng.permutation(10 * n)[:n]],
            "response_id": np.arange(1, n + 1) + 100_000 * wave,
            "survey": "resident-satisfaction",
            "version": 1,
            "mode": mode,
            "status": "complete",
        }
    )
    start = pd.Timestamp(f"{2025 + wave}-03-01T09:00:00Z")
    offsets = pd.to_timedelta(rng.uniform(0, 21 * 24 * 3600, n), unit="s")
    frame["started_at"] = (start + offsets).strftime("%Y-%m-%dT%H:%M:%SZ")
    frame["submitted_at"] = (
        start + offsets + pd.to_timedelta(rng.uniform(120, 900, n), unit="s")
    ).strftime("%Y-%m-%dT%H:%M:%SZ")
    frame["panel_age_band"] = age
    frame["panel_sex"] = sex
    frame["panel_ward"] = ward
    frame["panel_ethnicity"] = eth
    frame["panel_disability"] = disability
    frame["panel_imd_quintile"] = imd

    def with_dont_know(values: np.ndarray, share: float) -> np.ndarray:
        out = values.copy()
        out[rng.random(n) < share] = "dont_know"
        return out

    area = 0.5 * general + rng.normal(0, 0.9, n) + 0.8
    frame["area_satisfaction"] = with_dont_know(
        _scale(area, sat_codes, [-1.6, -0.9, -0.3, 0.9]), 0.01
    )
    frame["council_satisfaction"] = with_dont_know(
        _scale(overall / sd, sat_codes, [-1.7, -0.9, -0.45, 0.95]), 0.03
    )
    frame["value_for_money"] = with_dont_know(
        _scale(overall / sd + rng.normal(0, 0.6, n), list(AGREEMENT)[:5], [-1.2, -0.5, 0.0, 1.2]),
        0.06,
    )
    frame["acts_on_concerns"] = with_dont_know(
        _scale(overall / sd + rng.normal(0, 0.7, n), list(EXTENT)[:4], [-0.8, 0.2, 1.6]), 0.08
    )
    frame["keeps_informed"] = with_dont_know(
        _scale(0.5 * overall / sd + rng.normal(0, 0.9, n), list(INFORMED)[:4], [-1.1, -0.1, 1.5]),
        0.03,
    )
    frame["trust"] = with_dont_know(
        _scale(overall / sd + rng.normal(0, 0.6, n), list(EXTENT)[:4], [-1.0, 0.0, 1.5]), 0.05
    )
    for item, latent in services.items():
        frame[f"services__{item}"] = with_dont_know(
            _scale(latent / latent.std(), sat_codes, [-1.5, -0.7, -0.2, 0.9]),
            0.15 if item == "libraries" else 0.03,
        )
    frame["years_in_area"] = np.round(rng.gamma(2.0, 8.0, n)).astype(int)

    def cat(
        name: str,
        label: str,
        values: dict[str, str],
        ordered: bool,
        missing: tuple[str, ...] = ("dont_know",),
    ) -> dict[str, Any]:
        return {
            "name": name,
            "label": label,
            "type": "categorical",
            "ordered": ordered,
            "values": dict(values),
            "missing": [m for m in missing if m in values],
        }

    variables = [
        cat("panel_age_band", "Age band (panel profile)", AGE_BANDS, True),
        cat("panel_sex", "Sex (panel profile)", SEX, False),
        cat("panel_ward", "Ward (panel profile)", WARDS, False),
        cat("panel_ethnicity", "Ethnic group (panel profile)", ETHNICITY, False),
        cat("panel_disability", "Disability (panel profile)", DISABILITY, False),
        cat("panel_imd_quintile", "IMD quintile, 1 = most deprived (panel profile)", IMD, True),
        cat(
            "area_satisfaction",
            "Overall, how satisfied or dissatisfied are you with your local "
            "area as a place to live?",
            SATISFACTION,
            True,
        ),
        cat(
            "council_satisfaction",
            "Overall, how satisfied or dissatisfied are you with the way "
            "your local council runs things?",
            SATISFACTION,
            True,
        ),
        cat(
            "value_for_money",
            "To what extent do you agree or disagree that your local council "
            "provides value for money?",
            AGREEMENT,
            True,
        ),
        cat(
            "acts_on_concerns",
            "To what extent do you think your local council acts on the "
            "concerns of local residents?",
            EXTENT,
            True,
        ),
        cat(
            "keeps_informed",
            "Overall, how well informed do you think your local council keeps "
            "residents about the services and benefits it provides?",
            INFORMED,
            True,
        ),
        cat("trust", "How much do you trust your local council?", EXTENT, True),
    ]
    for item, name in SERVICES.items():
        question = f"How satisfied or dissatisfied are you with each of these? - {name}"
        variables.append(cat(f"services__{item}", question, SATISFACTION, True))
    years = "How many years have you lived in the area?"
    variables.append(
        {
            "name": "years_in_area",
            "label": years,
            "type": "numeric",
            "ordered": False,
            "values": {},
            "missing": [],
        }
    )
    codebook = {
        "survey": "resident-satisfaction",
        "title": "Your local area and council",
        "version": 1,
        "variables": variables,
    }
    return frame, codebook


def write_export(frame: pd.DataFrame, codebook: dict[str, Any], path: str | Path) -> Path:
    """Write an export in the contract format; the suffix picks CSV, Excel or SPSS."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    suffix = p.suffix.lower()
    if suffix == ".csv":
        frame.to_csv(p, index=False)
        p.with_name(p.stem + ".codebook.json").write_text(
            json.dumps(codebook, indent=1), encoding="utf-8"
        )
    elif suffix == ".xlsx":
        rows = []
        for v in codebook["variables"]:
            base = {
                "name": v["name"],
                "label": v.get("label"),
                "type": v["type"],
                "ordered": bool(v.get("ordered")),
            }
            if v.get("values"):
                for code, lab in v["values"].items():
                    rows.append(
                        {
                            **base,
                            "code": code,
                            "value_label": lab,
                            "missing": code in (v.get("missing") or []),
                        }
                    )
            else:
                rows.append({**base, "code": None, "value_label": None, "missing": False})
        with pd.ExcelWriter(p, engine="openpyxl") as xl:
            frame.to_excel(xl, sheet_name="responses", index=False)
            pd.DataFrame(rows).to_excel(xl, sheet_name="codebook", index=False)
    elif suffix == ".sav":
        import pyreadstat

        out = frame.copy()
        value_labels: dict[str, dict[float, str]] = {}
        missing: dict[str, list[Any]] = {}
        measure: dict[str, str] = {}
        for v in codebook["variables"]:
            if v["type"] != "categorical":
                continue
            codes = list(v["values"])
            number = {c: float(i + 1) for i, c in enumerate(codes)}
            out[v["name"]] = out[v["name"]].map(number)
            value_labels[v["name"]] = {number[c]: lab for c, lab in v["values"].items()}
            if v.get("missing"):
                missing[v["name"]] = [number[c] for c in v["missing"]]
            measure[v["name"]] = "ordinal" if v.get("ordered") else "nominal"
        pyreadstat.write_sav(
            out,
            str(p),
            column_labels={v["name"]: v["label"] for v in codebook["variables"]},
            variable_value_labels=value_labels,
            missing_ranges=missing,
            variable_measure=measure,
        )
    else:
        raise ValueError(f"cannot write {p.name}: use .csv, .xlsx or .sav")
    return p
