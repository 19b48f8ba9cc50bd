"""A synthetic survey with every equality-monitoring and digital-inclusion answer.

For worked examples, the benchmark and tests while no real responses exist:
answers use the survey bank's codes (as an export does before
`analysis.label`), the panel profile columns are there for raking, and
outcomes depend on age, disability and deprivation so the report has
something to find.  Nothing here is real data.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from equality.characteristics import AGE, CARER, ETHNIC_GROUP, RELIGION, SEXUAL_ORIENTATION

AGE_CODES = [c.code for c in AGE]
AGE_PROFILE = ["16-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75+"]
POPULATION_AGE = dict(
    zip(AGE_PROFILE, [14100, 18900, 17800, 17200, 15400, 12000, 12800], strict=True)
)
POPULATION_SEX = {"female": 55800, "male": 52400}
SKILLS = [
    "turn_on_log_in",
    "use_controls",
    "change_settings",
    "find_apps",
    "connect_wifi",
    "use_browser",
    "keep_passwords_safe",
    "change_password",
]


def margins() -> dict[str, dict[str, float]]:
    """Population margins (age band, sex) for raking the synthetic survey."""
    return {
        "panel_age_band": {k: float(v) for k, v in POPULATION_AGE.items()},
        "panel_sex": {k: float(v) for k, v in POPULATION_SEX.items()},
    }


def survey(n: int = 2000, seed: int = 11) -> pd.DataFrame:
    """``n`` synthetic responses (older residents over-represented, as in real panels)."""
    rng = np.random.default_rng(seed)
    age_i = rng.choice(7, n, p=[0.06, 0.1, 0.14, 0.17, 0.19, 0.19, 0.15])
    sex = rng.choice(["female", "male", "prefer_not_to_say"], n, p=[0.53, 0.45, 0.02])
    eth_p = np.array(
        [
            0.62,
            0.02,
            0.002,
            0.003,
            0.07,
            0.01,
            0.008,
            0.01,
            0.01,
            0.05,
            0.04,
            0.02,
            0.015,
            0.01,
            0.03,
            0.04,
            0.006,
            0.008,
            0.008,
        ]
    )
    eth = rng.choice([c.code for c in ETHNIC_GROUP], n, p=eth_p / eth_p.sum())
    eth = np.where(rng.random(n) < 0.03, "prefer_not_to_say", eth)
    rel = rng.choice(
        [c.code for c in RELIGION], n, p=[0.37, 0.42, 0.006, 0.03, 0.01, 0.12, 0.02, 0.024]
    )
    so = rng.choice([c.code for c in SEXUAL_ORIENTATION], n, p=[0.9, 0.04, 0.04, 0.02])
    so = np.where(rng.random(n) < 0.06, "prefer_not_to_say", so)
    gi = np.full(n, "yes", dtype=object)  # one in 400: a small group to suppress
    gi[rng.choice(n, max(1, n // 400), replace=False)] = "no"
    ltc = np.where(rng.random(n) < 0.2 + 0.03 * age_i, "yes", "no")
    ra = rng.choice(
        np.array(["a_lot", "a_little", "not_at_all"], dtype=object), n, p=[0.35, 0.45, 0.2]
    )
    ra[ltc != "yes"] = None
    carer = rng.choice([c.code for c in CARER], n, p=[0.82, 0.08, 0.03, 0.02, 0.02, 0.03])
    imd = rng.integers(1, 6, n)
    limited = ra == "a_lot"
    lp = 0.5 + 0.15 * age_i - 0.5 * limited - 0.12 * (imd == 1) + 0.1 * (sex == "male")
    sat_yes = rng.random(n) < 1 / (1 + np.exp(-lp))
    sat = np.where(
        sat_yes,
        rng.choice(["very_satisfied", "fairly_satisfied"], n),
        rng.choice(["neither", "fairly_dissatisfied", "very_dissatisfied"], n),
    )
    no_net = rng.random(n) < 1 / (
        1 + np.exp(-(-3.6 + 0.45 * age_i + 0.8 * limited + 0.4 * (imd == 1)))
    )
    conf_low = rng.random(n) < np.where(no_net, 0.85, 0.06 + 0.05 * age_i + 0.2 * limited)
    conf = np.where(
        conf_low,
        rng.choice(["not_very_confident", "not_at_all_confident"], n),
        rng.choice(["very_confident", "fairly_confident"], n),
    )
    frame = pd.DataFrame(
        {
            "response_id": np.arange(1, n + 1),
            "panel_age_band": np.asarray(AGE_PROFILE)[age_i],
            "panel_sex": np.where(sex == "male", "male", "female"),
            "panel_imd_quintile": imd,
            "age": np.asarray(AGE_CODES)[age_i],
            "sex": sex,
            "gender_identity": gi,
            "sexual_orientation": so,
            "ethnic_group": eth,
            "religion": rel,
            "long_term_condition": ltc,
            "reduced_ability": ra,
            "carer": carer,
            "council_satisfaction": sat,
            "home_internet": np.where(no_net, "no", "yes"),
            "confidence": conf,
        }
    )
    for i, item in enumerate(SKILLS):
        cannot = rng.random(n) < np.where(no_net, 0.5 + 0.04 * i, 0.02 + 0.01 * age_i)
        frame[f"foundation_skills__{item}"] = np.where(cannot, "cannot", "can")
    frame.attrs["survey"] = "Synthetic residents' survey (not real data)"
    frame.attrs["fieldwork"] = "1 to 30 September 2026"
    return frame
