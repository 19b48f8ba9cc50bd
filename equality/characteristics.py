"""The characteristics catalogue: which answers make which analysis groups.

An Equalities Impact Assessment looks at the nine protected characteristics of
the Equality Act 2010 and, in most councils, a few local additions
(socio-economic disadvantage, carers, care-experienced people).  Each
`Characteristic` here says where its answers come from — the survey bank's
equality-monitoring questions (GSS harmonised categories, by their codes *or*
their labels, because `analysis.label` turns codes into labels) and the panel
profile columns (`panel_*`) — and how its detailed categories roll up into
broad groups.

Combining rule (the only one, so a reviewer can check it): when any detailed
category of a broad group has fewer than ``min_n`` responses, every category of
that broad group is reported together as the broad group (for example the five
Asian sub-groups become "Asian, Asian British or Asian Welsh").  Categories are
never combined *across* broad groups, so "Gypsy or Irish Traveller" is never
folded into "Black".  Each combination is recorded in a `Combination`, which
the report prints.

A council adds its own characteristic from any question with `register`
(`Characteristic.from_column` makes one from a column and an optional
mapping).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Category:
    """One answer category: its bank code, what the report calls it, and its broad group."""

    code: str
    label: str
    broad: str | None = None
    #: other spellings seen in data (the bank's option label, the panel's code or label)
    aliases: tuple[str, ...] = ()


Deriver = Callable[[pd.DataFrame], pd.Series]


@dataclass(frozen=True)
class Source:
    """Where a characteristic's answers come from: columns, plus a rule if it needs two.

    ``columns`` must all be present for the source to apply.  Without
    ``derive`` the first column's values are matched to the categories by code,
    label or alias; with ``derive`` the function returns category codes itself.
    """

    columns: tuple[str, ...]
    derive: Deriver | None = None
    description: str = ""


@dataclass(frozen=True)
class Combination:
    """A record that the report prints: these categories were reported as one group."""

    characteristic: str
    group: str
    combined: tuple[str, ...]
    reason: str


@dataclass(frozen=True)
class Characteristic:
    """A characteristic an EqIA asks about, and how to turn answers into groups."""

    name: str
    label: str
    categories: tuple[Category, ...]
    sources: tuple[Source, ...]
    protected: bool = True
    note: str = ""
    council_defined: bool = False
    _lookup: dict[str, str] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        lookup: dict[str, str] = {}
        for c in self.categories:
            for key in (c.code, c.label, *c.aliases):
                lookup[_norm(key)] = c.code
        object.__setattr__(self, "_lookup", lookup)

    @classmethod
    def from_column(
        cls,
        name: str,
        column: str,
        *,
        label: str | None = None,
        groups: Mapping[Hashable, str] | None = None,
        broad: Mapping[str, str] | None = None,
        protected: bool = False,
    ) -> Characteristic:
        """A council's own characteristic from any question column.

        ``groups`` maps answer values (codes or labels) to group names; without
        it every distinct answer is its own group, found when the data is read.
        ``broad`` maps a group name to the broad group it may be combined into.
        """
        cats: tuple[Category, ...] = ()
        if groups is not None:
            by_group: dict[str, list[str]] = {}
            for value, group in groups.items():
                by_group.setdefault(group, []).append(str(value))
            cats = tuple(
                Category(g, g, (broad or {}).get(g), tuple(vals)) for g, vals in by_group.items()
            )
        return cls(
            name=name,
            label=label or name,
            categories=cats,
            sources=(Source((column,), description=f"question {column!r}"),),
            protected=protected,
            council_defined=True,
        )

    # ------------------------------------------------------------- reading
    def source_for(self, columns: Iterable[str]) -> Source | None:
        """The first source whose columns the data has (None: not asked)."""
        have = set(columns)
        for s in self.sources:
            if all(c in have for c in s.columns):
                return s
        return None

    def label_of(self, code: str) -> str:
        for c in self.categories:
            if c.code == code:
                return c.label
        return code

    def detailed(self, data: pd.DataFrame) -> pd.Series:
        """Each row's category label (NaN when not answered or not asked).

        Raises `CharacteristicError` naming the values that match no category,
        so a miscoded column is never silently dropped.
        """
        source = self.source_for(data.columns)
        if source is None:
            raise CharacteristicError(
                f"characteristic {self.name!r} needs column(s) "
                + " or ".join(repr(", ".join(s.columns)) for s in self.sources)
            )
        labels = {c.code: c.label for c in self.categories}
        if source.derive is None:  # answers straight to labels, in one pass
            return self._match(data[source.columns[0]], source.columns[0], labels)
        codes = source.derive(data)
        return fast_map(codes, lambda v: labels.get(v, v) if isinstance(v, str) else np.nan)

    def _match(self, values: pd.Series, column: str, labels: Mapping[str, str]) -> pd.Series:
        """Each answer's category label (via its code; NaN for a missing answer)."""
        if not self.categories:  # council characteristic without a mapping
            return fast_map(values, lambda v: str(v) if not _missing(v) else np.nan)
        unknown: list[object] = []

        def label_of(v: object) -> object:
            key = _norm(v)
            if key in MISSING_ANSWERS:
                return np.nan
            if key in self._lookup:
                code = self._lookup[key]
                return labels.get(code, code)
            unknown.append(v)
            return np.nan

        codes = fast_map(values, label_of)
        if unknown:
            raise CharacteristicError(
                f"column {column!r} for {self.name!r} has value(s) "
                f"{', '.join(map(repr, unknown[:5]))} that match no category "
                f"({', '.join(c.code for c in self.categories)})"
            )
        return codes

    def broad_of(self) -> dict[str, str]:
        """Category label → broad group label (categories without one map to themselves)."""
        return {c.label: (c.broad or c.label) for c in self.categories}


class CharacteristicError(ValueError):
    """A characteristic cannot be read from the data (missing column, unknown value)."""


MISSING_ANSWERS = {"prefer_not_to_say", "prefer not to say", "dont_know", "don't know", ""}


def fast_map(values: pd.Series, fn: Callable[[object], object]) -> pd.Series:
    """``values.map(fn)`` computed once per distinct value (NaN stays NaN): fast on 10⁵ rows.

    The values are factorised in their own dtype (no copy to Python objects first), so
    ``fn`` sees each distinct value once, as a Python (or NumPy) scalar.
    """
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    table = np.empty(len(uniques) + 1, dtype=object)
    table[:-1] = [fn(u) for u in uniques]
    table[-1] = np.nan
    return pd.Series(table[codes], index=values.index, dtype=object)


def _norm(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip().lower()


def _missing(v: object) -> bool:
    return v is None or (isinstance(v, float) and np.isnan(v)) or _norm(v) in MISSING_ANSWERS


def groups_for(
    characteristic: Characteristic,
    data: pd.DataFrame,
    counts_within: pd.Series | None = None,
    *,
    min_n: int = 10,
) -> tuple[pd.Series, list[Combination]]:
    """Analysis groups per row after the combining rule, and what was combined.

    ``counts_within`` (a boolean mask) says which rows count towards the
    ``min_n`` test — the rows that answered the outcome — so a category is
    combined when too few of *those* answered.
    """
    detailed = characteristic.detailed(data)
    mask = counts_within if counts_within is not None else pd.Series(True, index=data.index)
    counts = detailed[mask.to_numpy()].value_counts()
    combos: list[Combination] = []
    replace: dict[str, str] = {}
    members: dict[str, list[str]] = {}
    for cat in characteristic.categories:
        if cat.broad:
            members.setdefault(cat.broad, []).append(cat.label)
    for group, labels in members.items():
        present = [lab for lab in labels if counts.get(lab, 0) > 0]
        small = [lab for lab in present if counts.get(lab, 0) < min_n]
        if len(present) < 2 or not small:
            continue
        for lab in present:
            replace[lab] = group
        combos.append(
            Combination(
                characteristic.name,
                group,
                tuple(present),
                f"{', '.join(small)} had fewer than {min_n} responses",
            )
        )
    if not replace:
        return detailed, combos
    return fast_map(detailed, lambda v: replace.get(v, v) if isinstance(v, str) else v), combos


# ------------------------------------------------------------------ catalogue
def _c(code: str, label: str, broad: str | None = None, *aliases: str) -> Category:
    return Category(code, label, broad, aliases)


WHITE = "White"
MIXED = "Mixed or Multiple ethnic groups"
ASIAN = "Asian, Asian British or Asian Welsh"
BLACK = "Black, Black British, Black Welsh, Caribbean or African"
OTHER_ETH = "Other ethnic group"

#: the bank's 19 ethnic-group codes (2021 Census), their labels and broad groups; the
#: panel profile's five high-level codes map to the broad groups themselves.
ETHNIC_GROUP = (
    _c(
        "white_british",
        "White: British",
        WHITE,
        "White: English, Welsh, Scottish, Northern Irish or British",
        "White British",
    ),
    _c("white_irish", "White: Irish", WHITE),
    _c("white_gypsy_irish_traveller", "White: Gypsy or Irish Traveller", WHITE),
    _c("white_roma", "White: Roma", WHITE),
    _c("white_other", "White: other", WHITE, "White: any other White background", "White other"),
    _c(
        "mixed_white_black_caribbean",
        "Mixed: White and Black Caribbean",
        MIXED,
        "Mixed or Multiple ethnic groups: White and Black Caribbean",
    ),
    _c(
        "mixed_white_black_african",
        "Mixed: White and Black African",
        MIXED,
        "Mixed or Multiple ethnic groups: White and Black African",
    ),
    _c(
        "mixed_white_asian",
        "Mixed: White and Asian",
        MIXED,
        "Mixed or Multiple ethnic groups: White and Asian",
    ),
    _c(
        "mixed_other",
        "Mixed: other",
        MIXED,
        "Mixed or Multiple ethnic groups: any other Mixed or Multiple ethnic background",
    ),
    _c("asian_indian", "Asian: Indian", ASIAN, "Asian or Asian British: Indian"),
    _c("asian_pakistani", "Asian: Pakistani", ASIAN, "Asian or Asian British: Pakistani"),
    _c("asian_bangladeshi", "Asian: Bangladeshi", ASIAN, "Asian or Asian British: Bangladeshi"),
    _c("asian_chinese", "Asian: Chinese", ASIAN, "Asian or Asian British: Chinese"),
    _c("asian_other", "Asian: other", ASIAN, "Asian or Asian British: any other Asian background"),
    _c(
        "black_caribbean",
        "Black: Caribbean",
        BLACK,
        "Black, Black British, Caribbean or African: Caribbean",
    ),
    _c(
        "black_african",
        "Black: African",
        BLACK,
        "Black, Black British, Caribbean or African: African",
    ),
    _c(
        "black_other",
        "Black: other",
        BLACK,
        "Black, Black British, Caribbean or African: any other Black, Black British or "
        "Caribbean background",
    ),
    _c("other_arab", "Other: Arab", OTHER_ETH, "Other ethnic group: Arab"),
    _c(
        "other_any",
        "Other: any other ethnic group",
        OTHER_ETH,
        "Other ethnic group: any other ethnic group",
    ),
)
ETHNIC_HIGH_LEVEL = (
    _c("white", WHITE, None, "White"),
    _c("mixed", MIXED, None, "Mixed"),
    _c("asian", ASIAN, None, "Asian or Asian British", "Asian"),
    _c("black", BLACK, None, "Black, Black British, Caribbean or African", "Black"),
    _c("other", OTHER_ETH, None),
)

AGE = (
    _c("age_16_24", "16 to 24", None, "16-24", "16_24"),
    _c("age_25_34", "25 to 34", None, "25-34", "25_34"),
    _c("age_35_44", "35 to 44", None, "35-44", "35_44"),
    _c("age_45_54", "45 to 54", None, "45-54", "45_54"),
    _c("age_55_64", "55 to 64", None, "55-64", "55_64"),
    _c("age_65_74", "65 to 74", "65 or over", "65-74", "65_74"),
    _c("age_75_plus", "75 or over", "65 or over", "75+", "75_plus"),
)


def _disability(data: pd.DataFrame) -> pd.Series:
    """GSS harmonised standard: a condition lasting 12 months or more that limits
    day-to-day activities (a lot or a little) = disabled."""
    cond = fast_map(data["long_term_condition"], _norm)
    if "reduced_ability" in data:
        reduced = fast_map(data["reduced_ability"], _norm)
    else:
        reduced = pd.Series("", index=data.index)
    yes = (cond == "yes").to_numpy()
    codes = np.select(
        [
            (cond == "no").to_numpy(),
            yes & reduced.isin(["a_lot", "yes, a lot"]).to_numpy(),
            yes & reduced.isin(["a_little", "yes, a little"]).to_numpy(),
            yes & reduced.isin(["not_at_all", "not at all"]).to_numpy(),
        ],
        ["not_disabled", "limited_a_lot", "limited_a_little", "not_disabled"],
        "",
    )
    out = pd.Series(codes, index=data.index, dtype=object)
    return out.where(out != "", np.nan)


DISABILITY = (
    _c(
        "limited_a_lot",
        "Disabled: limited a lot",
        "Disabled",
        "Disabled: day-to-day activities limited a lot",
    ),
    _c(
        "limited_a_little",
        "Disabled: limited a little",
        "Disabled",
        "Disabled: day-to-day activities limited a little",
    ),
    _c("not_disabled", "Not disabled", None, "no"),
    _c("disabled", "Disabled", None, "yes"),
)

CARER = (
    _c("no", "Not a carer", None, "No"),
    _c("up_to_9", "Carer: 9 hours a week or less", "Carer", "Yes, 9 hours a week or less"),
    _c("h10_19", "Carer: 10 to 19 hours a week", "Carer", "Yes, 10 to 19 hours a week"),
    _c("h20_34", "Carer: 20 to 34 hours a week", "Carer", "Yes, 20 to 34 hours a week"),
    _c("h35_49", "Carer: 35 to 49 hours a week", "Carer", "Yes, 35 to 49 hours a week"),
    _c("h50_plus", "Carer: 50 or more hours a week", "Carer", "Yes, 50 or more hours a week"),
)

RELIGION = (
    _c("none", "No religion", None),
    _c("christian", "Christian", None),
    _c("buddhist", "Buddhist", "Other religions"),
    _c("hindu", "Hindu", None),
    _c("jewish", "Jewish", None),
    _c("muslim", "Muslim", None),
    _c("sikh", "Sikh", None),
    _c("other", "Any other religion", "Other religions"),
)

SEXUAL_ORIENTATION = (
    _c("straight", "Straight or heterosexual", None),
    _c("gay_lesbian", "Gay or lesbian", "Gay, lesbian, bisexual or other (LGB+)"),
    _c("bisexual", "Bisexual", "Gay, lesbian, bisexual or other (LGB+)"),
    _c("other", "Other sexual orientation", "Gay, lesbian, bisexual or other (LGB+)"),
)

IMD = tuple(
    _c(
        str(q),
        f"Deprivation quintile {q}"
        + (" (most deprived)" if q == 1 else " (least deprived)" if q == 5 else ""),
        None,
        f"Quintile {q}",
        f"Quintile {q} (most deprived)",
        f"Quintile {q} (least deprived)",
    )
    for q in range(1, 6)
)

YES_NO = (_c("yes", "Yes", None), _c("no", "No", None))


def _cat_source(*columns: str, description: str = "") -> Source:
    return Source(tuple(columns), description=description)


CATALOGUE: dict[str, Characteristic] = {}


def register(characteristic: Characteristic) -> Characteristic:
    """Add (or replace) a characteristic in the catalogue, e.g. a council's own question."""
    CATALOGUE[characteristic.name] = characteristic
    return characteristic


def unregister(name: str) -> None:
    """Remove a characteristic a council added (the built-in ones can be removed too)."""
    CATALOGUE.pop(name, None)


for _ch in (
    Characteristic(
        "age",
        "Age",
        AGE,
        (
            _cat_source("age", description="equality-monitoring question 'age'"),
            _cat_source("panel_age_band", description="panel profile age band"),
        ),
        note="The 65 to 74 and 75 or over bands may be combined as 65 or over.",
    ),
    Characteristic(
        "disability",
        "Disability",
        DISABILITY,
        (
            Source(
                ("long_term_condition",),
                _disability,
                "GSS harmonised disability questions 'long_term_condition' and 'reduced_ability'",
            ),
            _cat_source("panel_disability", description="panel profile disability"),
        ),
    ),
    Characteristic(
        "gender_reassignment",
        "Gender reassignment",
        (
            _c("yes", "Same as sex registered at birth", None, "Yes"),
            _c("no", "Different from sex registered at birth", None, "No"),
        ),
        (
            _cat_source(
                "gender_identity", description="equality-monitoring question 'gender_identity'"
            ),
        ),
    ),
    Characteristic(
        "marriage_civil_partnership",
        "Marriage and civil partnership",
        (
            _c(
                "married_civil_partnership",
                "Married or in a civil partnership",
                None,
                "married",
                "civil_partnership",
            ),
            _c(
                "not_married",
                "Not married or in a civil partnership",
                None,
                "single",
                "divorced",
                "widowed",
                "separated",
            ),
        ),
        (_cat_source("marital_status", description="a 'marital_status' question"),),
        note="Not in the bank's equality-monitoring survey; add a 'marital_status' question.",
    ),
    Characteristic(
        "pregnancy_maternity",
        "Pregnancy and maternity",
        YES_NO,
        (_cat_source("pregnancy_maternity", description="a 'pregnancy_maternity' question"),),
        note="Not in the bank's equality-monitoring survey; add a 'pregnancy_maternity' "
        "question (pregnant, or given birth in the last 26 weeks).",
    ),
    Characteristic(
        "race",
        "Race (ethnic group)",
        ETHNIC_GROUP + ETHNIC_HIGH_LEVEL,
        (
            _cat_source("ethnic_group", description="equality-monitoring question 'ethnic_group'"),
            _cat_source("panel_ethnicity", description="panel profile ethnic group"),
        ),
    ),
    Characteristic(
        "religion",
        "Religion or belief",
        RELIGION,
        (_cat_source("religion", description="equality-monitoring question 'religion'"),),
    ),
    Characteristic(
        "sex",
        "Sex",
        (_c("female", "Female", None), _c("male", "Male", None)),
        (
            _cat_source("sex", description="equality-monitoring question 'sex'"),
            _cat_source("panel_sex", description="panel profile sex"),
        ),
    ),
    Characteristic(
        "sexual_orientation",
        "Sexual orientation",
        SEXUAL_ORIENTATION,
        (
            _cat_source(
                "sexual_orientation",
                description="equality-monitoring question 'sexual_orientation'",
            ),
        ),
    ),
    Characteristic(
        "deprivation",
        "Socio-economic disadvantage (deprivation quintile)",
        IMD,
        (
            _cat_source("imd_quintile", description="IMD quintile of the postcode"),
            _cat_source("panel_imd_quintile", description="panel profile IMD quintile of ward"),
        ),
        protected=False,
        note="From the postcode's (or ward's) Index of Multiple Deprivation quintile; "
        "1 is the most deprived fifth of England.",
    ),
    Characteristic(
        "carer",
        "Carers",
        CARER,
        (_cat_source("carer", description="equality-monitoring question 'carer'"),),
        protected=False,
    ),
    Characteristic(
        "care_experienced",
        "Care-experienced people",
        YES_NO,
        (_cat_source("care_experienced", description="a 'care_experienced' question"),),
        protected=False,
        note="Not in the bank's equality-monitoring survey; add a 'care_experienced' question.",
    ),
):
    register(_ch)

#: the nine of the Equality Act 2010, in the Act's order
PROTECTED = (
    "age",
    "disability",
    "gender_reassignment",
    "marriage_civil_partnership",
    "pregnancy_maternity",
    "race",
    "religion",
    "sex",
    "sexual_orientation",
)


def resolve(names: Iterable[str] | None, columns: Iterable[str]) -> list[Characteristic]:
    """Catalogue entries for ``names`` (catalogue names or plain column names).

    ``None`` means every catalogue characteristic the data has.  A plain
    column that is not in the catalogue becomes a council characteristic of
    its own (each answer a group).  A name that is neither raises, naming it.
    """
    cols = list(columns)
    if names is None:
        return [c for c in CATALOGUE.values() if c.source_for(cols) is not None]
    out = []
    for name in names:
        if name in CATALOGUE:
            ch = CATALOGUE[name]
            if ch.source_for(cols) is None:
                raise CharacteristicError(
                    f"characteristic {name!r} is not in the data: it needs column(s) "
                    + " or ".join(repr(", ".join(s.columns)) for s in ch.sources)
                )
            out.append(ch)
        elif name in cols:
            matches = [
                c
                for c in CATALOGUE.values()
                if c.source_for([name]) is not None and any(s.columns == (name,) for s in c.sources)
            ]
            out.append(matches[0] if matches else Characteristic.from_column(name, name))
        else:
            raise CharacteristicError(
                f"characteristic {name!r} is neither a catalogue name "
                f"({', '.join(CATALOGUE)}) nor a column of the data"
            )
    return out
