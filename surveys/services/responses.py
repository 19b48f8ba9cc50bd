"""Responses: saved page by page, submitted once, or entered by staff for a resident.

Each valid page is stored straight away (status `partial`), so a resident can stop and come
back through the same link. Submitting marks the link used and the response complete in one
transaction; the link is claimed with a conditional UPDATE, so of two submissions racing on
the same link exactly one wins and the other sees "already completed".
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
import sqlite3
from dataclasses import dataclass
from typing import Any

from panel import services as panel_services
from service.db import SharedSQLiteEngine, Statement
from surveys.definitions.model import Survey as SurveyModel
from surveys.questions import FieldError, validate_answers
from surveys.services.definitions_store import get_version
from surveys.services.errors import Conflict, NotFound, SurveyError
from surveys.services.links import LinkState
from surveys.tables import SurveyLink, SurveyResponse

MODES = ("online", "paper", "phone", "face_to_face")
ASSISTED_MODES = ("paper", "phone", "face_to_face")
_ID_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"


class AlreadySubmitted(Conflict):
    """The link has been used: its response is complete."""


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _random_code(length: int) -> str:
    """`length` characters of `_ID_ALPHABET`, uniformly, from one draw of `secrets`.

    One `randbelow` instead of a `secrets.choice` per character: each of those read the
    operating system's random source, which was 5 % of a resident's page save.
    """
    base = len(_ID_ALPHABET)
    number = secrets.randbelow(base**length)
    chars = []
    for _ in range(length):
        number, digit = divmod(number, base)
        chars.append(_ID_ALPHABET[digit])
    return "".join(chars)


def new_public_id() -> str:
    """The response ID in exports: random, so it reveals nothing about order or volume."""
    return "RS-" + _random_code(12)


def new_respondent_id() -> str:
    """A pseudonymous respondent ID for someone who is not on the panel."""
    return "R-" + _random_code(10)


async def _respondent_id(member_id: int | None) -> str:
    if member_id is None:
        return new_respondent_id()
    profile = (await panel_services.profiles([member_id])).get(member_id)
    return str(profile["reference"]) if profile else new_respondent_id()


# A page save, as SQL shared by both engines (`service.db.Statement`). Written out
# rather than built with Piccolo's query builder on every request: building the INSERT and
# UPDATE (foreign-key columns especially) was the largest single cost of a page save.
_INSERT_SQL = Statement(
    "INSERT INTO survey_response (public_id, survey, version, link, member, respondent_id, "
    "mode, status, answers, last_page, lang, entered_by, started_at, updated_at, submitted_at) "
    "VALUES ({}, {}, {}, {}, {}, {}, 'online', 'partial', {}, {}, {}, NULL, {}, {}, NULL) "
    "RETURNING id"
)
# By link (unique), so it also serves a request that lost the race to insert the link's first
# row; `status = 'partial'` means a completed response (its link used) never changes.
_PAGE_UPDATE_SQL = Statement(
    "UPDATE survey_response SET answers = {}, last_page = {}, lang = {}, updated_at = {} "
    "WHERE link = {} AND status = 'partial' RETURNING id"
)


async def save_answers(
    state: LinkState, answers: dict[str, Any], *, page_id: str, lang: str
) -> int:
    """Store a resident's answers after a valid page (one statement). Returns the response id.

    Raises AlreadySubmitted if the link was used meanwhile: a completed response never changes.
    """
    text = json.dumps(answers, ensure_ascii=False)
    now = _now()
    update_args = (text, page_id, lang, now, state.link_id)
    insert_args: tuple[Any, ...] | None = None
    if state.response_id is None:
        respondent = await _respondent_id(state.member_id)
        insert_args = (
            new_public_id(), state.survey_id, state.version, state.link_id, state.member_id,
            respondent, text, page_id, lang, now, now,
        )  # fmt: skip
    engine = SurveyResponse._meta.db
    if isinstance(engine, SharedSQLiteEngine):
        # One unit on the writer thread, group-committed with other residents' saves.
        def unit(connection: sqlite3.Connection) -> int:
            if insert_args is not None:
                try:
                    return int(_INSERT_SQL.execute(connection, insert_args).fetchall()[0]["id"])
                except sqlite3.IntegrityError as exc:
                    if "survey_response.link" not in str(exc):
                        raise
                    # Another request made this link's response first: update it instead.
            updated = _PAGE_UPDATE_SQL.execute(connection, update_args).fetchall()
            if not updated:
                raise AlreadySubmitted("this link has already been used")
            return int(updated[0]["id"])

        return await engine.run_atomic(unit)
    if insert_args is not None:
        # One INSERT, no explicit transaction: `resolve` saw the link open, and a link can only
        # be used by submitting its response, which does not exist yet. If another request
        # inserted (and even submitted) this link's response meanwhile, the unique `link`
        # column refuses this row and the conditional update decides.
        try:
            inserted = await engine.run_querystring(_INSERT_SQL.query(*insert_args))
            return int(inserted[0]["id"])
        except Exception:
            if not await SurveyResponse.exists().where(SurveyResponse.link == state.link_id):
                raise
    updated = await engine.run_querystring(_PAGE_UPDATE_SQL.query(*update_args))
    if not updated:
        raise AlreadySubmitted("this link has already been used")
    return int(updated[0]["id"])


async def set_language(state: LinkState, lang: str) -> None:
    """Remember a resident's language choice on their response, if they have started one."""
    if state.response_id is not None and state.lang != lang:
        await SurveyResponse.update({SurveyResponse.lang: lang}).where(
            (SurveyResponse.id == state.response_id) & (SurveyResponse.status == "partial")
        )


@dataclass(frozen=True)
class SubmitResult:
    ok: bool
    errors: list[FieldError]


# The submit transaction, as SQL shared by both engines (`service.db.Statement`). The
# claim is a conditional UPDATE: of two submissions racing on one link, only one matches.
_CLAIM_SQL = Statement(
    "UPDATE survey_link SET status = 'used', used_at = {} "
    "WHERE id = {} AND status = 'open' RETURNING id"
)
_COMPLETE_SQL = Statement(
    "UPDATE survey_response SET status = 'complete', answers = {}, submitted_at = {}, "
    "updated_at = {} WHERE id = {} AND link = {} RETURNING id"
)


async def claim_and_complete(link_id: int, response_id: int, text: str, now: dt.datetime) -> None:
    """Mark the link used and its response complete in one transaction, or raise.

    On SQLite this runs as one synchronous unit on the writer thread, committed together with
    other submissions that arrive at the same moment (`SharedSQLiteEngine.run_atomic`): the
    hot path of a survey never holds the write lock across event-loop turns. On PostgreSQL it
    is an ordinary transaction on the pool.
    """
    engine = SurveyLink._meta.db
    if isinstance(engine, SharedSQLiteEngine):

        def unit(connection: sqlite3.Connection) -> None:
            if not _CLAIM_SQL.execute(connection, (now, link_id)).fetchall():
                raise AlreadySubmitted("this link has already been used")
            done = _COMPLETE_SQL.execute(connection, (text, now, now, response_id, link_id))
            if not done.fetchall():
                raise SurveyError("the response to submit no longer exists", [])

        await engine.run_atomic(unit)
        return
    async with engine.transaction():
        if not await engine.run_querystring(_CLAIM_SQL.query(now, link_id)):
            raise AlreadySubmitted("this link has already been used")
        done = await engine.run_querystring(
            _COMPLETE_SQL.query(text, now, now, response_id, link_id)
        )
        if not done:
            raise SurveyError("the response to submit no longer exists", [])


async def submit(state: LinkState, survey: SurveyModel) -> SubmitResult:
    """Mark the link used and the response complete, together, or neither.

    Answers are checked against the whole survey first (routing may have changed since a page
    was answered); if any required answer is missing nothing is written and the errors say
    which. Raises AlreadySubmitted when another submission won.
    """
    answers = survey.prune(state.answers)
    problems = validate_answers(survey, answers)
    if problems or state.response_id is None:
        return SubmitResult(False, problems)
    text = json.dumps(answers, ensure_ascii=False)
    await claim_and_complete(state.link_id, state.response_id, text, _now())
    return SubmitResult(True, [])


async def record_assisted(
    slug: str,
    answers: Any,
    *,
    mode: str,
    entered_by: int,
    member_reference: str | None = None,
    version: int | None = None,
    lang: str = "en",
) -> dict[str, Any]:
    """Store a complete response a staff member entered from paper, phone or face to face.

    Answers are checked with the engine's `validate_answers`; errors carry the path
    `answers.<question>`. The response records the mode and who entered it.

    A panel member is counted once, in one transaction: their open personal links to the survey
    are claimed (a conditional UPDATE, as `submit` does, so the link can no longer be used
    online); a partial online response on one of those links is completed with these answers
    rather than a second response being made; and a member who has already responded (a used
    link, or a complete response) is refused with Conflict on `member_reference`. Of an online
    submission and an assisted entry racing for the same member, exactly one is stored.
    """
    errors: list[tuple[str, str]] = []
    if mode not in ASSISTED_MODES:
        errors.append(("mode", f"must be one of {', '.join(ASSISTED_MODES)}"))
    if not isinstance(answers, dict):
        errors.append(("answers", "must be an object of question id to answer"))
    if errors:
        raise SurveyError("the response is not valid", errors)
    stored = await get_version(slug, version)
    survey = stored.survey
    assert isinstance(answers, dict)
    problems = validate_answers(survey, answers)
    if problems:
        raise SurveyError(
            "the answers are not valid", [(f"answers.{p.qid}", p.message) for p in problems]
        )
    text = json.dumps(survey.prune(answers), ensure_ascii=False)
    result = {
        "survey": stored.slug,
        "version": stored.version,
        "mode": mode,
        "status": "complete",
    }
    if not member_reference:
        now = _now()
        response = SurveyResponse(
            public_id=new_public_id(),
            survey=stored.survey_id,
            version=stored.version,
            respondent_id=new_respondent_id(),
            mode=mode,
            status="complete",
            answers=text,
            last_page="",
            lang=lang,
            entered_by=entered_by,
            started_at=now,
            updated_at=now,
            submitted_at=now,
        )
        async with SurveyResponse._meta.db.transaction():
            await response.save()
        return {
            "response_id": response.public_id,
            "respondent_id": response.respondent_id,
            **result,
        }
    member = await panel_services.member_by_reference(member_reference)
    if member is None:
        raise NotFound(
            "no panel member with that reference",
            [("member_reference", "no panel member with that reference")],
        )
    entry = _MemberEntry(
        survey_id=stored.survey_id,
        version=stored.version,
        member_id=int(member["id"]),
        reference=str(member["reference"]),
        mode=mode,
        entered_by=entered_by,
        answers=text,
        lang=lang,
    )
    for attempt in range(3):
        tried: list[int] = []
        try:
            public_id = await _record_for_member(entry, tried)
        except SurveyError:
            raise
        except Exception:
            # PostgreSQL only (SQLite runs the transaction alone): the member's first online
            # page was saved after we looked, and the unique `link` column refused our row.
            # Start again, to complete that response instead.
            if attempt == 2 or not tried:
                raise
            if not await SurveyResponse.exists().where(SurveyResponse.link == tried[0]):
                raise
            continue
        return {"response_id": public_id, "respondent_id": entry.reference, **result}
    raise AssertionError("unreachable")  # pragma: no cover


@dataclass(frozen=True)
class _MemberEntry:
    survey_id: int
    version: int
    member_id: int
    reference: str
    mode: str
    entered_by: int
    answers: str
    lang: str


async def _record_for_member(entry: _MemberEntry, tried: list[int]) -> str:
    """One transaction: claim the member's open links, refuse a member who has responded,
    complete their partial response or insert a new one. Returns the response's public id.
    `tried` gets the link a new row was attached to (for the caller's retry)."""
    db = SurveyResponse._meta.db
    now = _now()
    async with db.transaction():
        if db.engine_type == "postgres":
            # Two staff entering the same member's response at once take turns. (SQLite's
            # transactions already run one at a time.)
            await SurveyResponse.raw(
                "SELECT pg_advisory_xact_lock({}, {})", entry.survey_id, entry.member_id
            )
        # Scoped to the version being answered: each version of a tracker survey is a wave,
        # and a member who answered last wave is asked again in this one.
        theirs = (
            (SurveyLink.survey == entry.survey_id)
            & (SurveyLink.version == entry.version)
            & (SurveyLink.member == entry.member_id)
        )
        rows = (
            await SurveyLink.update({SurveyLink.status: "used", SurveyLink.used_at: now})
            .where(theirs & (SurveyLink.status == "open"))
            .returning(SurveyLink.id)
        )
        claimed = [int(row["id"]) for row in rows]
        # Looked at after the claim: an online submission that won a link meanwhile has
        # committed by now (the claim waited for its lock), so it is seen here.
        used = await SurveyLink.select(SurveyLink.id).where(theirs & (SurveyLink.status == "used"))
        complete = await SurveyResponse.exists().where(
            (SurveyResponse.survey == entry.survey_id)
            & (SurveyResponse.version == entry.version)
            & (SurveyResponse.member == entry.member_id)
            & (SurveyResponse.status == "complete")
        )
        if complete or {int(r["id"]) for r in used} - set(claimed):
            raise Conflict(
                "this panel member has already responded to this survey",
                [
                    (
                        "member_reference",
                        f"{entry.reference} has already responded to this survey, so this "
                        "response was not saved (it would be counted twice)",
                    )
                ],
            )
        partial = None
        if claimed:
            partial = (
                await SurveyResponse.select(SurveyResponse.id, SurveyResponse.public_id)
                .where(SurveyResponse.link.is_in(claimed) & (SurveyResponse.status == "partial"))
                .order_by(SurveyResponse.updated_at, ascending=False)
                .first()
            )
        if partial is not None:
            await SurveyResponse.update(
                {
                    SurveyResponse.version: entry.version,
                    SurveyResponse.respondent_id: entry.reference,
                    SurveyResponse.mode: entry.mode,
                    SurveyResponse.status: "complete",
                    SurveyResponse.answers: entry.answers,
                    SurveyResponse.last_page: "",
                    SurveyResponse.entered_by: entry.entered_by,
                    SurveyResponse.updated_at: now,
                    SurveyResponse.submitted_at: now,
                }
            ).where(SurveyResponse.id == partial["id"])
            return str(partial["public_id"])
        link = max(claimed) if claimed else None
        if link is not None:
            tried.append(link)
        response = SurveyResponse(
            public_id=new_public_id(),
            survey=entry.survey_id,
            version=entry.version,
            link=link,
            member=entry.member_id,
            respondent_id=entry.reference,
            mode=entry.mode,
            status="complete",
            answers=entry.answers,
            last_page="",
            lang=entry.lang,
            entered_by=entry.entered_by,
            started_at=now,
            updated_at=now,
            submitted_at=now,
        )
        await response.save()
        return str(response.public_id)
