"""Request bodies of the surveys JSON API, as msgspec Structs.

msgspec names the path of a bad field (`$.answers`, `$.count`), which the API turns into its
400 answer; unknown fields are refused so a misspelt option never silently does nothing.
"""

from __future__ import annotations

import re
from typing import Any

import msgspec

from service.params import BodyInt


class LinkRequest(msgspec.Struct, forbid_unknown_fields=True):
    """Make single-use links: one per listed panel member, plus `count` anonymous ones."""

    count: int = 0
    member_references: list[str] = msgspec.field(default_factory=list)
    expires_in_days: int | None = 60


class AssistedResponse(msgspec.Struct, forbid_unknown_fields=True):
    """A response a staff member entered from paper, phone or a face-to-face interview."""

    mode: str
    answers: dict[str, Any]
    member_reference: str | None = None
    version: BodyInt | None = None
    lang: str = "en"


class OpenLinkRequest(msgspec.Struct, forbid_unknown_fields=True):
    enabled: bool


_PATH = re.compile(r" - at `([^`]*)`$")


def decode(body: bytes, kind: type[Any]) -> tuple[Any, list[tuple[str, str]]]:
    """Decode a JSON body into `kind`; on failure `(None, [(path, message)])`."""
    if not body.strip():
        return None, [("body", "the request body is empty; send a JSON object")]
    try:
        return msgspec.json.decode(body, type=kind), []
    except msgspec.ValidationError as error:
        text = str(error)
        match = _PATH.search(text)
        path = match.group(1) if match else "$"
        message = _PATH.sub("", text)
        return None, [(path.replace("$.", "").replace("$", "body") or "body", message)]
    except msgspec.DecodeError as error:
        return None, [("body", f"malformed JSON: {error}")]


class InviteRequest(msgspec.Struct, forbid_unknown_fields=True):
    """Invite a recorded sample draw to the survey's current version (`POST …/fieldwork`).

    `minutes` is said in the invitation; leave it out for the estimate from the question count.
    """

    draw_id: int
    minutes: int | None = None
