"""Finding a member again: the normalised email, phone and name + postcode keys, and the lookup.

Sign-up, imports and staff entry all ask "is this person already on the panel?" the same way,
so one person is never two members. Email is the strongest key (it carries a unique index, so a
race between two sign-ups cannot create two members), then phone, then name with postcode.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

import phonenumbers

from panel.tables import Member

_NOT_LETTERS = re.compile(r"[^a-z0-9]+")


def normalise_email(raw: str | None) -> str | None:
    """Case-folded, trimmed address (NFKC), or None when blank.

    No provider-specific rewriting (dots or +tags in Gmail addresses): at most councils two
    such addresses can belong to two people, and a merge we cannot undo is worse than a
    duplicate staff can merge.
    """
    if not raw or not raw.strip():
        return None
    return unicodedata.normalize("NFKC", raw).strip().casefold()


def normalise_phone(raw: str | None) -> str | None:
    """E.164 form (+447700900123) of a UK or international number, None when not a number.

    "Possible" (a full number of the right length for its country, not a local-only one), not
    "valid": libphonenumber's validity tables reject Ofcom's drama ranges (07700 900xxx) that
    tests and the demo use. Imports and sign-up share this one rule.
    """
    if not raw or not raw.strip():
        return None
    try:
        number = phonenumbers.parse(raw, "GB")
    except phonenumbers.NumberParseException:
        return None
    if (
        phonenumbers.is_possible_number_with_reason(number)
        != phonenumbers.ValidationResult.IS_POSSIBLE
    ):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _fold(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return _NOT_LETTERS.sub("", plain.casefold())


def name_key(first_name: str, last_name: str, postcode: str) -> str:
    """`sian|o'neill|NB14AB` → `sian|oneill|NB14AB`: accents, case, spaces and punctuation
    folded away; empty when any part is missing (a name alone matches too many people)."""
    parts = (_fold(first_name or ""), _fold(last_name or ""))
    code = (postcode or "").replace(" ", "").upper()
    if not all(parts) or not code:
        return ""
    return f"{parts[0]}|{parts[1]}|{code}"


def keys(values: dict[str, Any]) -> dict[str, Any]:
    """The three stored keys for a member's values (for inserts and updates)."""
    return {
        "email_normalised": normalise_email(values.get("email")),
        "phone_normalised": normalise_phone(values.get("phone")),
        "name_key": name_key(
            values.get("first_name", ""), values.get("last_name", ""), values.get("postcode", "")
        ),
    }


@dataclass(frozen=True)
class Match:
    member_id: int
    matched_on: str  # email|phone|name_postcode
    status: str


async def find_duplicate(values: dict[str, Any], *, exclude: int | None = None) -> Match | None:
    """The existing (not erased) member these values belong to, strongest key first."""
    found = keys(values)
    for key, column in (
        ("email_normalised", Member.email_normalised),
        ("phone_normalised", Member.phone_normalised),
        ("name_key", Member.name_key),
    ):
        value = found[key]
        if not value:
            continue
        query = Member.select(Member.id, Member.status).where(
            column == value, Member.status != "erased"
        )
        if exclude is not None:
            query = query.where(Member.id != exclude)
        row = await query.order_by(Member.id).first()
        if row is not None:
            matched = "name_postcode" if key == "name_key" else key.removesuffix("_normalised")
            return Match(row["id"], matched, row["status"])
    return None
