"""Piccolo tables for surveys: surveys, their immutable versions, links and responses.

A survey's definition lives in `SurveyVersion`; once a version has a response it is never
changed again (an edit makes the next version), and every response records the version it
answered. Resident links keep only a hash of their token. A response is written page by page
(status `partial`) and becomes `complete` in the same transaction that marks its link used.
"""

from __future__ import annotations

from piccolo.columns import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Integer,
    Serial,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from panel.tables import Draw, Member
from service.tables import StaffUser


class Survey(Table, tablename="survey"):
    """A survey, named by its slug; its questions are in its versions.

    `open_enabled` turns on the open link `/o/{slug}` (anyone can answer); `short_code` is the
    short URL `/r/{code}` for that open link, for posters.
    """

    id: Serial  # Piccolo adds the primary key; declared for type checkers

    slug = Varchar(length=64, unique=True, index=True)
    title = Varchar(length=300)
    current_version = Integer(default=1)
    status = Varchar(length=16, default="live")  # draft|live|closed
    open_enabled = Boolean(default=False)
    short_code = Varchar(length=16, null=True, default=None, unique=True)
    created_at = Timestamptz(default=TimestamptzNow())


class SurveyVersion(Table, tablename="survey_version"):
    """One version of a survey's definition: the canonical JSON and its content hash."""

    id: Serial  # Piccolo adds the primary key; declared for type checkers

    survey = ForeignKey(references=Survey, index=True)
    version = Integer()
    definition = Text()  # canonical JSON (surveys.definitions.canonical_json)
    content_hash = Varchar(length=80)
    created_at = Timestamptz(default=TimestamptzNow())
    created_by = Varchar(length=254, default="")


class SurveyLink(Table, tablename="survey_link"):
    """A single-use link: a personal invitation, or one open-link respondent's own link.

    Only `token_hash` is stored; the token is shown once, when the link is made.
    `status` goes from `open` to `used` exactly once, in the submitting transaction.
    """

    id: Serial  # Piccolo adds the primary key; declared for type checkers

    token_hash = Varchar(length=64, unique=True, index=True)
    survey = ForeignKey(references=Survey, index=True)
    version = Integer()
    kind = Varchar(length=16, default="personal")  # personal|open
    member = ForeignKey(references=Member, null=True, default=None, index=True)
    status = Varchar(length=16, default="open", index=True)  # open|used
    expires_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    used_at = Timestamptz(null=True, default=None)
    origin_hash = Varchar(length=64, default="", index=True)  # keyed hash of an open-link address


class SurveyResponse(Table, tablename="survey_response"):
    """One resident's answers to one survey version.

    `respondent_id` is pseudonymous: the panel member's reference, or a random ID for an
    open-link or assisted respondent who is not on the panel. `public_id` is the response ID in
    exports. `link` is unique so a link can only ever have one response.
    """

    id: Serial  # Piccolo adds the primary key; declared for type checkers

    public_id = Varchar(length=32, unique=True)
    survey = ForeignKey(references=Survey, index=True)
    version = Integer(index=True)
    link = ForeignKey(references=SurveyLink, null=True, default=None, unique=True)
    member = ForeignKey(references=Member, null=True, default=None, index=True)
    respondent_id = Varchar(length=32)
    mode = Varchar(length=16, default="online", index=True)  # online|paper|phone|face_to_face
    status = Varchar(length=16, default="partial", index=True)  # partial|complete
    answers = JSON(default="{}")
    last_page = Varchar(length=64, default="")
    lang = Varchar(length=8, default="en")
    entered_by = ForeignKey(references=StaffUser, null=True, default=None)
    started_at = Timestamptz(default=TimestamptzNow(), index=True)
    updated_at = Timestamptz(default=TimestamptzNow())
    submitted_at = Timestamptz(null=True, default=None, index=True)


class SurveyInvitation(Table, tablename="survey_invitation"):
    """Fieldwork for one member and one survey version: invited how, when, and what came of it.

    `state`: `pending` (queued to send) → `sent` → `responded`; or `skipped` with
    `skip_reason` when the member could not be contacted (no consent, withdrawn, paused).
    The personal link is made when the message is sent, because its token exists only then.
    """

    id: Serial  # Piccolo adds the primary key; declared for type checkers

    survey = ForeignKey(references=Survey, index=True)
    version = Integer()
    member = ForeignKey(references=Member, index=True)
    draw = ForeignKey(references=Draw, null=True, default=None, index=True)
    channel = Varchar(length=16, default="")  # email|sms|post, or '' when skipped
    link = ForeignKey(references=SurveyLink, null=True, default=None)
    state = Varchar(length=16, default="pending", index=True)  # pending|sent|responded|skipped
    skip_reason = Varchar(length=200, default="")
    language = Varchar(length=16, default="en")
    large_print = Boolean(default=False)
    wants_thank_you = Boolean(default=False)
    minutes = Integer(default=5)
    sent_at = Timestamptz(null=True, default=None)
    message_id = Varchar(length=200, null=True, default=None)
    reminders_sent = Integer(default=0)
    last_sent_at = Timestamptz(null=True, default=None)
    responded_at = Timestamptz(null=True, default=None)
    thanked_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    created_by = Varchar(length=254, default="")


class SurveyMessage(Table, tablename="survey_message"):
    """One message to one member (invitation, reminder N, thank-you), for idempotent sending.

    A row is written as `sending` with its deterministic `message_id` before the message
    leaves, and becomes `sent` in the same transaction that records the contact. A retried job
    that finds `sending` knows the message may already have gone and never sends it again; it
    records it as `unconfirmed` (the next reminder covers a message that was in fact lost).
    """

    id: Serial  # Piccolo adds the primary key; declared for type checkers

    invitation = ForeignKey(references=SurveyInvitation, index=True)
    kind = Varchar(length=16)  # invitation|reminder|thank_you
    number = Integer(default=0)  # reminder 1, 2, ...; 0 otherwise
    channel = Varchar(length=16)
    message_id = Varchar(length=200, unique=True, index=True)
    state = Varchar(length=16, default="sending")  # prepared|sending|sent|unconfirmed
    link = ForeignKey(references=SurveyLink, null=True, default=None)
    letter_batch = Integer(null=True, default=None)
    started_at = Timestamptz(default=TimestamptzNow())
    sent_at = Timestamptz(null=True, default=None)


class LetterBatch(Table, tablename="survey_letter_batch"):
    """A printable PDF of letters (one page per member), for staff to download and post."""

    id: Serial  # Piccolo adds the primary key; declared for type checkers

    survey = ForeignKey(references=Survey, index=True)
    version = Integer()
    kind = Varchar(length=16)  # invitation|reminder|thank_you
    large_print = Boolean(default=False)
    pages = Integer(default=0)
    file_name = Varchar(length=200, default="")
    created_at = Timestamptz(default=TimestamptzNow())
    downloaded_at = Timestamptz(null=True, default=None)


class MeasureTarget(Table, tablename="survey_measure_target"):
    """A strategy measure's target for one period, set on the staff measures page.

    Overrides the YAML target of the same measure and period (the YAML stays the default);
    one row per (measure, period), replaced in place when staff set it again.
    """

    id: Serial  # Piccolo adds the primary key; declared for type checkers

    measure = Varchar(length=64, index=True)
    period = Varchar(length=16)
    value = Float()
    tolerance = Float(default=0.0)
    set_by = Varchar(length=254, default="")
    set_at = Timestamptz(default=TimestamptzNow())


class CouncilMeasure(Table, tablename="survey_council_measure"):
    """A measure a council added from a survey question on the staff page (beside the YAML).

    ``definition`` is the same mapping a YAML entry has, checked by
    `analysis.measures.measure_from_dict` before it is stored.
    """

    id: Serial  # Piccolo adds the primary key; declared for type checkers

    measure = Varchar(length=64, unique=True)
    definition = JSON(default="{}")
    created_by = Varchar(length=254, default="")
    created_at = Timestamptz(default=TimestamptzNow())


class EqualityReport(Table, tablename="survey_equality_report"):
    """An EqIA evidence report built in the background (`surveys.jobs.equality_report`).

    Queued from the staff equality page; the job stores the finished, disclosure-controlled
    HTML here (``status`` done) or the reason it could not be made (``status`` failed), and
    the page offers the download. Aggregates only: no personal data is kept in it.
    """

    id: Serial  # Piccolo adds the primary key; declared for type checkers

    survey = ForeignKey(references=Survey, index=True)
    outcome = Varchar(length=500)
    characteristics = Varchar(length=500, default="")
    status = Varchar(length=16, default="queued")  # queued|done|failed
    html = Text(default="")
    error = Text(default="")
    requested_by = Varchar(length=254, default="")
    created_at = Timestamptz(default=TimestamptzNow())
    finished_at = Timestamptz(null=True, default=None)


__all__ = [
    "CouncilMeasure",
    "EqualityReport",
    "LetterBatch",
    "MeasureTarget",
    "Survey",
    "SurveyInvitation",
    "SurveyLink",
    "SurveyMessage",
    "SurveyResponse",
    "SurveyVersion",
]
