"""Request bodies of the surveys JSON API, as msgspec Structs.

msgspec names the path of a bad field (`$.answers`, `$.count`), which the API turns into its
400 answer; unknown fields are refused so a misspelt option never silently does nothing.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec

from service.params import BodyInt


class LinkRequest(msgspec.Struct, forbid_unknown_fields=True):
    """Make single-use links: one per listed panel member, plus `count` anonymous ones."""

    count: Annotated[int, msgspec.Meta(ge=0, le=100_000)] = 0
    member_references: list[str] = msgspec.field(default_factory=list)
    expires_in_days: Annotated[int, msgspec.Meta(ge=1, le=366)] | None = 60


class AssistedResponse(msgspec.Struct, forbid_unknown_fields=True):
    """A response a staff member entered from paper, phone or a face-to-face interview."""

    mode: str
    answers: dict[str, Any]
    member_reference: str | None = None
    version: BodyInt | None = None
    lang: str = "en"


class OpenLinkRequest(msgspec.Struct, forbid_unknown_fields=True):
    """Turn the survey's open (anyone may answer) link on or off."""

    enabled: bool


class InviteRequest(msgspec.Struct, forbid_unknown_fields=True):
    """Invite a recorded sample draw to the survey's current version (`POST …/fieldwork`).

    `minutes` is said in the invitation; leave it out for the estimate from the question count.
    """

    draw_id: BodyInt
    minutes: Annotated[int, msgspec.Meta(ge=1, le=120)] | None = None


# --- what the surveys API answers (success bodies, so OpenAPI says what comes back) ----------


class ResponseCounts(msgspec.Struct):
    """Stored responses by status, then by mode: `{"complete": {"online": 3}, "partial": {}}`."""

    complete: dict[str, int]
    partial: dict[str, int]


class SurveySummary(msgspec.Struct):
    """One survey in `GET /api/surveys`: its current version and live response counts."""

    slug: str
    title: str
    version: int
    status: str
    open_link: bool
    complete: int
    partial: int
    counts: ResponseCounts


class DefinitionSaved(msgspec.Struct):
    """`POST /api/surveys`: the version stored (`created`), or the one already stored."""

    slug: str
    version: int
    content_hash: str
    created: bool
    replaced: bool


class SurveyDetail(msgspec.Struct):
    slug: str
    title: str
    version: int
    versions: list[int]
    counts: ResponseCounts


class SurveyDefinition(msgspec.Struct):
    """One stored version; `definition` is the survey definition as uploaded (see docs)."""

    slug: str
    version: int
    definition: dict[str, Any]


class IssuedLinkOut(msgspec.Struct):
    url: str
    token: str
    member_id: int | None


class LinksOut(msgspec.Struct):
    """The links made; their tokens are in this answer only (they are stored hashed)."""

    links: list[IssuedLinkOut]


class OpenLinkOut(msgspec.Struct):
    slug: str
    enabled: bool
    url: str
    short_url: str | None


class AssistedOut(msgspec.Struct):
    """The response stored for an assisted (paper, phone, face-to-face) entry."""

    response_id: str
    respondent_id: str
    survey: str
    version: int
    mode: str
    status: str


class ChannelProgress(msgspec.Struct):
    """Invitations of one channel (`total`: every channel)."""

    channel: str
    invited: int
    sent: int
    reminded: int
    responded: int
    skipped: int
    pending: int


class StateCounts(msgspec.Struct):
    """Invitations by state; every state present, zero when none."""

    pending: int
    to_call: int
    sent: int
    responded: int
    skipped: int


class FieldworkProgress(msgspec.Struct):
    slug: str
    version: int
    channels: list[ChannelProgress]
    total: ChannelProgress
    states: StateCounts


class Skipped(msgspec.Struct):
    reference: str
    reason: str


class InviteOut(msgspec.Struct):
    """A draw invited: invitations made by channel, members skipped and why, and the
    references of members already invited to this version (left as they were)."""

    slug: str
    version: int
    invited: dict[str, int]
    total: int
    skipped: list[Skipped]
    already_invited: list[str]
