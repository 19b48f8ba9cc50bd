"""Demographic codes for panel members and the borough's population, for sampling and weighting.

Categories follow the GSS harmonised standards where they exist (ethnic group's five high-level
groups for England and Wales; the harmonised disability standard's three outcomes). The
borough is fictional — Northbridge — with wards of different deprivation and age profiles, so
the demo data carries believable patterns.
"""

from __future__ import annotations

from dataclasses import dataclass

AGE_BANDS = ["16-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75+"]
SEXES = ["female", "male"]
ETHNIC_GROUPS = {
    "white": "White",
    "mixed": "Mixed or Multiple ethnic groups",
    "asian": "Asian or Asian British",
    "black": "Black, Black British, Caribbean or African",
    "other": "Other ethnic group",
}
DISABILITY = {
    "limited_a_lot": "Disabled: day-to-day activities limited a lot",
    "limited_a_little": "Disabled: day-to-day activities limited a little",
    "not_disabled": "Not disabled",
}


@dataclass(frozen=True)
class Ward:
    code: str
    name: str
    imd_quintile: int  # 1 = most deprived fifth nationally
    population: int  # residents aged 16+
    older: float  # relative weight of 65+ residents
    minority_share: float  # share of residents not in the White group


WARDS = [
    Ward("abbey", "Abbey", 1, 9800, 0.7, 0.38),
    Ward("brookside", "Brookside", 1, 10400, 0.8, 0.31),
    Ward("castle", "Castle", 2, 8900, 0.9, 0.24),
    Ward("dene", "Dene Park", 2, 9300, 1.0, 0.20),
    Ward("eastgate", "Eastgate", 3, 10100, 1.0, 0.17),
    Ward("fairfield", "Fairfield", 3, 8700, 1.1, 0.12),
    Ward("greenhill", "Greenhill", 4, 9100, 1.3, 0.09),
    Ward("harbour", "Harbour", 2, 7600, 0.9, 0.27),
    Ward("ivy", "Ivy Bank", 4, 8200, 1.4, 0.07),
    Ward("kingsmead", "Kingsmead", 5, 8800, 1.5, 0.06),
    Ward("linden", "Linden", 5, 7900, 1.3, 0.08),
    Ward("moorside", "Moorside", 3, 9400, 1.2, 0.11),
]
WARD_NAMES = {w.code: w.name for w in WARDS}

#: Borough population aged 16+ by age band and by sex (fictional, census-shaped).
POPULATION_AGE = {
    "16-24": 14100,
    "25-34": 18900,
    "35-44": 17800,
    "45-54": 17200,
    "55-64": 15400,
    "65-74": 12000,
    "75+": 12800,
}
POPULATION_SEX = {"female": 55800, "male": 52400}
POPULATION_WARD = {w.code: w.population for w in WARDS}


def population_margins() -> dict[str, dict[str, int]]:
    """Margins for raking a survey of panel members to the borough (analysis.rake)."""
    return {
        "panel_age_band": dict(POPULATION_AGE),
        "panel_sex": dict(POPULATION_SEX),
        "panel_ward": dict(POPULATION_WARD),
    }
