"""Panel members: who they are, how to reach them, what they consented to, who they are like.

Demographic columns hold codes from `panel.demographics` (GSS harmonised categories where they
exist), so samples can be stratified and responses weighted without parsing free text.
"""

from __future__ import annotations

from piccolo.columns import Boolean, Date, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class Member(Table, tablename="panel_member"):
    """A resident who joined the panel.

    `reference` is the pseudonymous ID that goes into exports and analysis; the contact details
    never leave the panel domain unless a role allows it and the user asks.
    """

    id: Serial  # Piccolo adds the primary key; declared for type checkers

    reference = Varchar(length=16, unique=True, index=True)
    first_name = Varchar(length=100)
    last_name = Varchar(length=100)
    email = Varchar(length=254, null=True, default=None, index=True)
    phone = Varchar(length=32, null=True, default=None)
    address_line1 = Varchar(length=200, default="")
    town = Varchar(length=100, default="")
    postcode = Varchar(length=10, default="")
    preferred_contact = Varchar(length=16, default="email")  # email|sms|post
    date_of_birth = Date(null=True, default=None)
    age_band = Varchar(length=16, default="", index=True)
    sex = Varchar(length=32, default="")
    ethnicity = Varchar(length=64, default="")
    disability = Varchar(length=32, default="")
    ward = Varchar(length=64, default="", index=True)
    imd_quintile = Integer(null=True, default=None)
    status = Varchar(length=16, default="active", index=True)  # active|paused|withdrawn
    consent_version = Varchar(length=32, default="")
    consent_given_at = Timestamptz(null=True, default=None)
    contact_opt_in = Boolean(default=True)
    source = Varchar(length=32, default="sign-up")  # sign-up|import|demo|assisted
    notes = Text(default="")
    joined_at = Timestamptz(default=TimestamptzNow())
    last_contacted_at = Timestamptz(null=True, default=None)
