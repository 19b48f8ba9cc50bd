"""Panel members: who they are, how to reach them, what they consented to, who they are like.

Demographic columns hold codes from `panel.demographics` (GSS harmonised categories where they
exist), so samples can be stratified and responses weighted without parsing free text.
"""

from __future__ import annotations

from piccolo.columns import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    Serial,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.reference import LazyTableReference
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
    paused_until = Date(null=True, default=None)
    language = Varchar(length=16, default="en")  # en|cy or another language's code
    large_print = Boolean(default=False)
    wants_thank_you = Boolean(default=True)
    # Recruitment, duplicates and data protection (issue 10). `email_normalised` carries a unique
    # index made by the migration (SQLite cannot add a UNIQUE column), so two racing sign-ups with
    # one address can never both create a member.
    email_normalised = Varchar(length=254, null=True, default=None)
    phone_normalised = Varchar(length=32, null=True, default=None, index=True)
    name_key = Varchar(length=240, default="", index=True)  # names + postcode, normalised
    easy_read = Boolean(default=False)
    bsl = Boolean(default=False)
    confirmed_at = Timestamptz(null=True, default=None)
    left_at = Timestamptz(null=True, default=None)
    left_reason = Text(default="")
    erased_at = Timestamptz(null=True, default=None)
    #: A new email address the member gave on their self-service page, not yet confirmed from
    #: that address; contact keeps using `email` until it is (`panel.member_links`).
    pending_email = Varchar(length=254, null=True, default=None)


class Consent(Table, tablename="panel_consent"):
    """One thing a member agreed to (`purpose`), in which wording, when, how and taken by whom.

    Purposes: `membership`, `contact:email`, `contact:sms`, `contact:post`, `contact:phone`,
    `link_answers`. Withdrawing sets `withdrawn_at` and keeps the row, so the history stays.
    """

    id: Serial

    member = ForeignKey(Member, index=True)
    purpose = Varchar(length=32)
    wording_version = Varchar(length=32)
    given_at = Timestamptz()
    method = Varchar(length=16, default="online")  # online|paper|phone|import
    staff_email = Varchar(length=254, null=True, default=None)
    withdrawn_at = Timestamptz(null=True, default=None)
    withdrawn_how = Varchar(length=32, null=True, default=None)


class ContactEvent(Table, tablename="panel_contact_event"):
    """An invitation, reminder, thank-you or response, for contact rules and panel health.

    `draw` is the sample the contact belongs to (fieldwork passes its invitation's draw), so
    panel health counts a sample's invitations and responses exactly; null for a contact made
    outside a draw (a direct invitation) and for history recorded before the column existed.
    """

    id: Serial

    member = ForeignKey(Member, index=True)
    kind = Varchar(length=16)  # invitation|reminder|thank_you|response
    channel = Varchar(length=16)
    subject = Varchar(length=200)
    message_id = Varchar(length=200, null=True, default=None)
    at = Timestamptz(default=TimestamptzNow(), index=True)
    draw: ForeignKey[Draw] = ForeignKey(
        LazyTableReference("Draw", module_path=__name__),
        null=True,
        default=None,
        index=True,
        on_delete=OnDelete.set_null,
    )


class MemberToken(Table, tablename="panel_member_token"):
    """A member's no-password link (self-service or one channel's unsubscribe), stored hashed."""

    id: Serial

    member = ForeignKey(Member, index=True)
    purpose = Varchar(length=32)  # self_service|unsubscribe:<channel>
    token_hash = Varchar(length=64, unique=True, index=True)
    created_at = Timestamptz(default=TimestamptzNow())
    used_at = Timestamptz(null=True, default=None)
    expires_at = Timestamptz(null=True, default=None)  # email confirmation links expire


class MemberChange(Table, tablename="panel_member_change"):
    """One recorded change to a member: what changed, how and by whom (never the old values).

    Self-service edits, pauses, leaving, merged sign-ups, staff confirmations and erasure each
    leave a row, so a member's history can be shown and a complaint answered.
    """

    id: Serial

    member = ForeignKey(Member, index=True)
    at = Timestamptz(default=TimestamptzNow(), index=True)
    action = Varchar(length=32)  # details|preferences|pause|resume|leave|merge|confirm|erase|...
    fields = JSON(default="[]")  # names of the changed fields
    detail = Text(default="")
    how = Varchar(length=32, default="self-service")  # self-service|sign-up|staff|retention
    staff_email = Varchar(length=254, null=True, default=None)


class DataRequest(Table, tablename="panel_data_request"):
    """A data-protection request (subject access or erasure) and what happened to it."""

    id: Serial

    member = ForeignKey(Member, index=True)
    kind = Varchar(length=16)  # access|erasure
    status = Varchar(length=16, default="open", index=True)  # open|done|refused
    requested_at = Timestamptz(default=TimestamptzNow())
    requested_via = Varchar(length=32, default="self-service")  # self-service|staff
    completed_at = Timestamptz(null=True, default=None)
    completed_by = Varchar(length=254, null=True, default=None)


class Draw(Table, tablename="panel_draw"):
    """A recorded sample draw: enough to replay it and show it gives the same people."""

    id: Serial

    method = Varchar(length=16)  # random|stratified|quota
    seed = Varchar(length=64)
    size = Integer()
    rules = JSON(default="{}")
    quotas = JSON(default="[]")
    eligible = JSON(default="[]")  # member ids eligible at the time of the draw
    #: What a replay needs beyond the columns above: the quota/strata dimensions, each eligible
    #: member's codes on them at the time, the stratum allocation, and who each rule excluded.
    details = JSON(default="{}")
    created_by = Varchar(length=254, default="")
    created_at = Timestamptz(default=TimestamptzNow())


class DrawMember(Table, tablename="panel_draw_member"):
    id: Serial

    draw = ForeignKey(Draw, index=True)
    member = ForeignKey(Member, index=True)
    position = Integer()


class SignupAttempt(Table, tablename="panel_signup_attempt"):
    """One completed sign-up submit, keyed by a keyed hash of the client address (never the
    address itself), so `/panel/join` can limit how many one address sends an hour."""

    id: Serial

    address_hash = Varchar(length=64, index=True)
    created_at = Timestamptz(default=TimestamptzNow(), index=True)
