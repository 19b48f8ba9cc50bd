"""Request and response bodies of the panel JSON API, typed so OpenAPI describes them.

A request's values are still checked by the same parser as the staff form
(`panel.sample_requests`), which names each bad field; these types only say what a client may
send. The response Structs say what comes back: the controllers convert the domain's
documents (`panel.services.composition`, `panel.health.panel_health`, …) into them.
"""

from __future__ import annotations

from typing import Any, TypedDict

import msgspec


class SampleRequestBody(TypedDict, total=False):
    """`POST /api/panel/samples`: every key is optional (a simple random draw of `size`)."""

    size: int
    method: str  # random | stratified | quota
    quotas: list[dict[str, Any]]  # [{dimension, group, min, max}]
    stratify: list[str] | str
    rules: dict[str, Any]
    seed: int


# --- what the panel API answers (success bodies, so OpenAPI says what comes back) ------------


class CompositionGroup(msgspec.Struct):
    code: str
    label: str
    members: int
    panel_share: float
    population_share: float


class CompositionDimension(msgspec.Struct):
    name: str  # age_band, sex, ward
    title: str
    groups: list[CompositionGroup]


class Composition(msgspec.Struct):
    """`GET /api/panel/composition`: active members against the borough's population."""

    active: int
    dimensions: list[CompositionDimension]


class MarginGroup(msgspec.Struct):
    group: str
    label: str
    members: int
    population: int  # residents in the margins file
    panel_share: float
    population_share: float
    gap_points: float  # panel share minus population share, in percentage points
    ratio: float | None  # panel share / population share; None when the population has none
    shortfall: int  # members to recruit for the panel's share to match


class MarginDimension(msgspec.Struct):
    dimension: str  # a margin, or a crossed one (`age_band×sex`)
    title: str
    members_counted: int
    not_in_margins: int
    groups: list[MarginGroup]


class RecruitNext(msgspec.Struct):
    rank: int
    dimension: str
    group: str
    label: str
    gap_points: float
    ratio: float | None
    shortfall: int


class Representativeness(msgspec.Struct):
    """`GET /api/panel/representativeness`: each margin's groups and the ones to recruit next."""

    active: int
    dimensions: list[MarginDimension]
    recruit_next: list[RecruitNext]


class Rate(msgspec.Struct):
    invited: int
    responded: int
    rate: float | None  # None when nobody was invited


class SampleRate(msgspec.Struct):
    draw_id: int
    method: str
    drawn: int
    created_at: str
    exact: bool  # from the draw each contact carries (False: approximated from dates)
    invited: int
    responded: int
    rate: float | None


class GroupRate(msgspec.Struct):
    group: str  # "" for members who did not say
    invited: int
    responded: int
    rate: float | None


class ChannelRate(msgspec.Struct):
    channel: str
    invited: int
    responded: int
    rate: float | None


class JoinersAndLeavers(msgspec.Struct):
    month: str  # YYYY-MM
    joined: int
    left: int


class PanelHealth(msgspec.Struct):
    """`GET /api/panel/health`: response rates by sample, stratum and channel, contact
    frequency, and joiners and leavers by month."""

    active: int
    response_rate_12_months: Rate
    by_sample: list[SampleRate]
    by_stratum: dict[str, list[GroupRate]]  # profile column → its groups
    by_channel: list[ChannelRate]
    invitations_per_member_12_months: dict[str, int]  # "0", "1", "2", "3+" → members
    mean_invitations_12_months: float
    never_invited: int
    stopped_responding: int
    joiners_and_leavers: list[JoinersAndLeavers]


class DrawSummary(msgspec.Struct):
    id: int
    method: str
    size: int
    seed: int
    created_by: str
    created_at: str


class QuotaDrawn(msgspec.Struct):
    dimension: str
    group: str
    min: int | None
    max: int | None
    drawn: int


class StratumDrawn(msgspec.Struct):
    dimension: str
    group: str
    target: int
    drawn: int


class DrawDocument(msgspec.Struct):
    """A recorded draw: the CLI's `--json` document (`draw_id`, `seed`, `method`,
    `eligible`, `drawn`) with its size, rules, quotas and strata against what was drawn,
    shortfalls, exclusions by reason, and who made it when."""

    draw_id: int
    seed: int
    method: str  # random, stratified or quota
    eligible: int
    drawn: list[dict[str, str | int | None]]  # each member's reference and quota/strata codes
    size: int
    rules: dict[str, Any]
    quotas: list[QuotaDrawn]
    strata: list[StratumDrawn]
    shortfalls: list[str]
    excluded: dict[str, int]  # reason → members
    created_by: str
    created_at: str


class ReplayOut(msgspec.Struct):
    draw_id: int
    same: bool  # the draw run again from its record gives the same people
    members: int
