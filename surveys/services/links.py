"""Single-use resident links and open links.

A personal link's token is 26 characters of Crockford base32 drawn from `secrets` (130 bits):
short enough to type from a printed letter, case-insensitive, without the letters people
misread (I, L, O, U; typed I, L and O are read as 1, 1 and 0), so the link is its own short
URL. Only `hash_token(token)` is stored; the token is handed back once, when the link is made.

Open links (`/o/{slug}`) let anyone answer: starting one makes a link of kind `open` for that
visitor, remembered in a signed cookie so reopening the open link resumes rather than starting a
duplicate; a keyed hash of the visitor's address rate-limits how many they can start an hour.
"""

from __future__ import annotations

import datetime as dt
import hmac
import json
import re
import secrets
from dataclasses import dataclass
from typing import Any

from piccolo.querystring import QueryString

from panel import services as panel_services
from service.db import serialise_on
from service.security import hash_token, keyed_hash
from surveys.services.errors import Conflict, NotFound, RateLimited, SurveyError
from surveys.tables import Survey, SurveyLink, SurveyResponse

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
TOKEN_LENGTH = 26  # 26 x 5 bits = 130 bits
_TOKEN_RE = re.compile(rf"^[{CROCKFORD}]{{{TOKEN_LENGTH}}}$")
_MISREAD = str.maketrans({"I": "1", "L": "1", "O": "0"})

DEFAULT_EXPIRY_DAYS = 60
OPEN_LINK_EXPIRY_DAYS = 30
#: How many open-link responses one address may start an hour: enough for a household or a
#: library computer, few enough to make casual ballot-stuffing tedious.
OPEN_STARTS_PER_HOUR = 10


def new_link_token() -> str:
    """A fresh personal-link token: 130 bits from `secrets`, Crockford base32."""
    return "".join(secrets.choice(CROCKFORD) for _ in range(TOKEN_LENGTH))


def new_short_code(length: int = 7) -> str:
    """A short code for an open link's `/r/{code}` URL (public, so no secret needed)."""
    return "".join(secrets.choice(CROCKFORD) for _ in range(length))


def normalise_token(token: str) -> str | None:
    """The canonical form of a typed or pasted token, or None if it cannot be one."""
    cleaned = token.strip().upper().replace("-", "").translate(_MISREAD)
    return cleaned if _TOKEN_RE.match(cleaned) else None


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class IssuedLink:
    """A link just made: the only time its token exists outside the resident's hands."""

    token: str
    link_id: int
    member_id: int | None

    def path(self) -> str:
        return f"/s/{self.token}"


@dataclass(frozen=True)
class LinkRefusal:
    """Why a member may not be sent another link: `answered` this version already, or part-way
    through a link that still works. Callers branch on `answered`, staff read `reason`."""

    answered: bool
    reason: str


async def create_links(
    slug: str,
    *,
    member_ids: list[int] | None = None,
    count: int = 0,
    expires_in_days: int | None = DEFAULT_EXPIRY_DAYS,
    kind: str = "personal",
    origin_hash: str = "",
) -> list[IssuedLink]:
    """Make personal links for `member_ids` (one each) plus `count` anonymous ones.

    Links answer the survey's current version. One transaction; bulk insert. A member who may
    not be contacted (withdrawn, paused, an applicant, or without consent on record for their
    channel in the current wording; `panel.services.invitation_targets` decides) is refused
    with a Conflict naming their reference, so no link reaches someone who said no. A member is
    never given a second way to answer that version: one who has responded, or has started
    answering through a link that still works, is refused (Conflict on
    `member_references[i]`); a member's open link that has not been used to answer is retired
    (expired now) when a new one is issued, so a reissued letter replaces the lost one.
    """
    survey = (
        await Survey.select(Survey.id, Survey.current_version).where(Survey.slug == slug).first()
    )
    if survey is None:
        raise NotFound(f"no survey {slug!r}", [("survey", f"no survey {slug!r}")])
    if count < 0 or count > 100_000:
        raise SurveyError("count must be between 0 and 100000", [("count", "out of range")])
    targets: list[int | None] = [*(member_ids or []), *([None] * count)]
    expires = _now() + dt.timedelta(days=expires_in_days) if expires_in_days else None
    issued: list[tuple[str, int | None]] = [(new_link_token(), m) for m in targets]
    rows = [
        SurveyLink(
            token_hash=hash_token(token),
            survey=survey["id"],
            version=survey["current_version"],
            kind=kind,
            member=member,
            expires_at=expires,
            origin_hash=origin_hash,
        )
        for token, member in issued
    ]
    out: list[IssuedLink] = []
    async with SurveyLink._meta.db.transaction():
        if member_ids:
            await _refuse_uncontactable(member_ids)
            await _retire_members_links(
                int(survey["id"]), int(survey["current_version"]), member_ids
            )
        ids = await _insert_links(rows)
    for token, member in issued:
        out.append(IssuedLink(token, ids[hash_token(token)], member))
    return out


async def _refuse_uncontactable(member_ids: list[int]) -> None:
    """Conflict naming each member (by reference) whom the panel says must not be contacted."""
    try:
        targets = await panel_services.invitation_targets(list(dict.fromkeys(member_ids)))
    except KeyError as error:
        raise NotFound(
            "no such panel member", [("member_references", str(error.args[0]))]
        ) from None
    refusals = {t.member_id: (t.reference, t.refusal) for t in targets if t.refusal}
    problems = [
        (
            f"member_references[{i}]",
            f"member {refusals[m][0]} may not be sent a link: {refusals[m][1]}",
        )
        for i, m in enumerate(member_ids)
        if m in refusals
    ]
    if problems:
        raise Conflict("some members may not be contacted", problems)


_MEMBER_LINKS_SQL = (
    "SELECT l.id, l.member, l.status, l.expires_at, l.created_at, r.status AS response_status "
    "FROM survey_link l LEFT JOIN survey_response r ON r.link = l.id "
    "WHERE l.survey = {} AND l.version = {} AND l.member IN ({})"
)


async def _retire_members_links(survey_id: int, version: int, member_ids: list[int]) -> None:
    """Refuse members who have answered or are answering; expire their unused open links.

    Scoped to `version`: each version of a tracker survey is a wave, and a member who answered
    the last wave is invited again to this one. Runs inside `create_links`' transaction, so a
    refusal leaves everything as it was.
    """
    problems: list[tuple[str, str]] = []
    seen: dict[int, int] = {}
    for i, member in enumerate(member_ids):
        if member in seen:
            problems.append((f"member_references[{i}]", "is listed more than once"))
        seen.setdefault(member, i)
    conflicts, retire = await _link_conflicts(survey_id, version, member_ids)
    for i, member in enumerate(member_ids):
        if member in conflicts:
            problems.append((f"member_references[{i}]", conflicts[member].reason))
    if problems:
        raise Conflict("some members cannot be sent another link to this survey", problems)
    await _expire_links(retire)


async def _insert_links(rows: list[SurveyLink]) -> dict[str, int]:
    """Insert `rows` in chunks of 500 (inside the caller's transaction); id by token hash."""
    ids: dict[str, int] = {}
    for start in range(0, len(rows), 500):
        inserted = await SurveyLink.insert(*rows[start : start + 500]).returning(
            SurveyLink.id, SurveyLink.token_hash
        )
        ids.update({r["token_hash"]: int(r["id"]) for r in inserted})
    return ids


async def _expire_links(link_ids: list[int]) -> None:
    """Expire these links now (retired: a member's unused link replaced by a new one)."""
    now = _now()
    for start in range(0, len(link_ids), 500):
        await SurveyLink.update({SurveyLink.expires_at: now}).where(
            SurveyLink.id.is_in(link_ids[start : start + 500])
        )


#: `_link_conflicts`' reason for a member who has answered this version
ANSWERED = "has already responded to this survey"


async def _link_conflicts(
    survey_id: int, version: int, member_ids: list[int]
) -> tuple[dict[int, LinkRefusal], list[int]]:
    """Members who may not get another link (answered, or part-way through a link that still
    works), each with the reason; and the ids of the others' unused open links, to retire.

    Inside the caller's transaction; on PostgreSQL it takes the per-member lock staff-assisted
    entry takes, in a fixed order, so two requests about one member take turns.
    """
    if not member_ids:
        return {}, []
    engine = SurveyLink._meta.db
    if engine.engine_type == "postgres":
        for member in sorted(set(member_ids)):
            await engine.run_querystring(
                QueryString("SELECT pg_advisory_xact_lock({}, {})", survey_id, member)
            )
    rows: list[dict[str, Any]] = []
    answered: set[int] = set()
    unique = list(dict.fromkeys(member_ids))
    for start in range(0, len(unique), 500):
        chunk = unique[start : start + 500]
        placeholders = ", ".join("{}" for _ in chunk)
        rows.extend(
            await engine.run_querystring(
                QueryString(
                    _MEMBER_LINKS_SQL.replace("({})", f"({placeholders})"),
                    survey_id,
                    version,
                    *chunk,
                )
            )
        )
        # Responses entered by staff for a member have no link: they count as answered too.
        assisted = await SurveyResponse.select(SurveyResponse.member).where(
            (SurveyResponse.survey == survey_id)
            & (SurveyResponse.version == version)
            & SurveyResponse.member.is_in(chunk)
            & (SurveyResponse.status == "complete")
        )
        answered |= {int(r["member"]) for r in assisted}
    answered |= {int(r["member"]) for r in rows if r["status"] == "used"}
    now = _now()
    started: dict[int, Any] = {}
    open_links: dict[int, list[int]] = {}
    for r in rows:
        expires = _as_datetime(r["expires_at"])
        if r["status"] != "open" or (expires is not None and expires <= now):
            continue
        if r["response_status"] == "partial":
            started[int(r["member"])] = _as_datetime(r["created_at"])
        else:
            open_links.setdefault(int(r["member"]), []).append(int(r["id"]))
    conflicts: dict[int, LinkRefusal] = {}
    for member in unique:
        if member in answered:
            conflicts[member] = LinkRefusal(True, ANSWERED)
        elif member in started:
            when = started[member]
            sent = f" sent on {when:%d %B %Y}" if when else ""
            reason = f"has started answering through the link{sent}, which still works"
            conflicts[member] = LinkRefusal(False, reason)
    retire = [i for m, ids in open_links.items() if m not in conflicts for i in ids]
    return conflicts, retire


async def issue_member_links(
    survey_id: int,
    version: int,
    member_ids: list[int],
    *,
    expires_in_days: int | None = DEFAULT_EXPIRY_DAYS,
) -> dict[int, IssuedLink | LinkRefusal]:
    """One fresh personal link per member, in bulk, inside the caller's transaction; a member
    who may not get one has a `LinkRefusal` instead (answered, or part-way through a working link).

    For fieldwork sending a batch: the caller has already checked each member may be contacted
    (`panel.services.invitation_targets`). The rules are `create_links`': the members' unused
    open links for this version are retired, so nobody holds two working links, and only
    token hashes are stored. A few statements for the whole batch instead of a transaction of
    seven per member.
    """
    members = list(dict.fromkeys(member_ids))
    conflicts, retire = await _link_conflicts(survey_id, version, members)
    await _expire_links(retire)
    expires = _now() + dt.timedelta(days=expires_in_days) if expires_in_days else None
    issued = {m: new_link_token() for m in members if m not in conflicts}
    rows = [
        SurveyLink(
            token_hash=hash_token(token),
            survey=survey_id,
            version=version,
            kind="personal",
            member=member,
            expires_at=expires,
        )
        for member, token in issued.items()
    ]
    ids = await _insert_links(rows)
    out: dict[int, IssuedLink | LinkRefusal] = dict(conflicts)
    for member, token in issued.items():
        out[member] = IssuedLink(token, ids[hash_token(token)], member)
    return out


@dataclass(frozen=True)
class LinkState:
    """Everything a resident page needs about a link, from one query."""

    link_id: int
    survey_id: int
    version: int
    content_hash: str
    kind: str
    member_id: int | None
    status: str  # open|used
    expires_at: dt.datetime | None
    response_id: int | None
    answers: dict[str, Any]
    response_status: str | None
    last_page: str
    lang: str | None
    survey_status: str = "live"  # draft|live|closed

    @property
    def closed(self) -> bool:
        """A closed survey takes no more answers, whatever state the link is in."""
        return self.survey_status == "closed"

    @property
    def expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= _now()


_RESOLVE_SQL = (
    "SELECT l.id, l.survey, l.version, l.kind, l.member, l.status, l.expires_at, "
    "v.content_hash, r.id AS response_id, r.answers, r.status AS response_status, "
    "r.last_page, r.lang, s.status AS survey_status "
    "FROM survey_link l "
    "JOIN survey s ON s.id = l.survey "
    "JOIN survey_version v ON v.survey = l.survey AND v.version = l.version "
    "LEFT JOIN survey_response r ON r.link = l.id "
    "WHERE l.token_hash = {}"
)


def _as_datetime(value: Any) -> dt.datetime | None:
    if value is None or isinstance(value, dt.datetime):
        return value
    parsed = dt.datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


async def resolve(token: str) -> LinkState | None:
    """The link for `token`, or None when there is no such link (or it cannot be a token)."""
    canonical = normalise_token(token)
    if canonical is None:
        return None
    rows = await SurveyLink._meta.db.run_querystring(
        QueryString(_RESOLVE_SQL, hash_token(canonical))
    )
    if not rows:
        return None
    r = rows[0]
    answers = r["answers"]
    if isinstance(answers, str):
        answers = json.loads(answers or "{}")
    return LinkState(
        link_id=int(r["id"]),
        survey_id=int(r["survey"]),
        version=int(r["version"]),
        content_hash=str(r["content_hash"]),
        kind=str(r["kind"]),
        member_id=None if r["member"] is None else int(r["member"]),
        status=str(r["status"]),
        expires_at=_as_datetime(r["expires_at"]),
        response_id=None if r["response_id"] is None else int(r["response_id"]),
        answers=answers if isinstance(answers, dict) else {},
        response_status=r["response_status"],
        last_page=r["last_page"] or "",
        lang=r["lang"],
        survey_status=str(r["survey_status"]),
    )


# ------------------------------------------------------------------ open links
def sign_cookie(secret: str, token: str) -> str:
    """`token.signature`: a cookie the visitor cannot forge into someone else's link."""
    return f"{token}.{keyed_hash(secret, 'open-link:' + token)[:32]}"


def read_cookie(secret: str, value: str | None) -> str | None:
    if not value or "." not in value:
        return None
    token, _, signature = value.rpartition(".")
    expected = keyed_hash(secret, "open-link:" + token)[:32]
    return token if hmac.compare_digest(signature, expected) else None


def address_key(secret: str, address: str) -> str:
    """A keyed hash of the visitor's address: rate limits without storing the address."""
    return keyed_hash(secret, "open-address:" + address)


async def open_survey(slug: str) -> dict[str, Any]:
    """The survey behind `/o/{slug}`, if its open link is on. Raises NotFound otherwise."""
    row = (
        await Survey.select(Survey.id, Survey.slug, Survey.title, Survey.status)
        .where((Survey.slug == slug) & (Survey.open_enabled == True))  # noqa: E712
        .first()
    )
    if row is None or row["status"] == "closed":
        raise NotFound("no open survey here", [("slug", "no open survey here")])
    return row


async def start_open(slug: str, origin_hash: str) -> IssuedLink:
    """Make an open-link respondent's own single-use link, within the address's hourly limit."""
    await open_survey(slug)
    since = _now() - dt.timedelta(hours=1)
    engine = SurveyLink._meta.db
    # Count and insert in one transaction, in turn with other starts from this address, so
    # parallel starts cannot all see "under the limit" (create_links joins this transaction).
    async with engine.transaction():
        await serialise_on(engine, "open-start:" + origin_hash)
        recent = await SurveyLink.count().where(
            (SurveyLink.origin_hash == origin_hash)
            & (SurveyLink.kind == "open")
            & (SurveyLink.created_at > since)
        )
        if recent >= OPEN_STARTS_PER_HOUR:
            raise RateLimited(
                "too many responses started from this address",
                [("address", "too many responses started from this address in the last hour")],
            )
        links = await create_links(
            slug,
            count=1,
            kind="open",
            origin_hash=origin_hash,
            expires_in_days=OPEN_LINK_EXPIRY_DAYS,
        )
    return links[0]


async def survey_by_short_code(code: str) -> str | None:
    """The slug of the open survey whose short code this is (case-insensitive)."""
    cleaned = code.strip().upper().translate(_MISREAD)
    if not re.fullmatch(rf"[{CROCKFORD}]{{4,16}}", cleaned):
        return None
    row = (
        await Survey.select(Survey.slug)
        .where((Survey.short_code == cleaned) & (Survey.open_enabled == True))  # noqa: E712
        .first()
    )
    return None if row is None else str(row["slug"])
