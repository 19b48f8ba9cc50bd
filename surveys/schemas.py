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
