"""Who may take what out of the service in a survey export.

The equality-monitoring questions promise residents that their answers "are only reported as
totals, so no one can be identified". So answers to questions marked `sensitive` leave only:

- in an ordinary research export (research officers and administrators), where the respondent
  is a keyed pseudonym (`R-…`, stable across waves of this installation, so trends still link
  up), never the panel reference a panel manager can look up;
- in an administrator's export asked for explicitly (`include_sensitive`) with a recorded
  reason, which keeps the panel reference.

Names and contact details (`include_personal`) are for administrators and panel managers, who
need them to run fieldwork; research officers never get them. A panel manager's export is a
fieldwork list: who responded, how and when, with contact details if asked, and no answers.
Every export that carries contact details or sensitive answers is written to the staff audit
log (`service.audit`) by the controller before the file is handed over.

A pseudonymous export is also coarsened, because a pseudonym beside exact facts is easy to
undo: `response_id` is a keyed pseudonym too (the plain one is in the panel manager's fieldwork
list beside the panel reference, so it would be a join key); `started_at` and `submitted_at`
are the UTC date only (a phone entry's minute matches a call in the contact history); and
`panel_ward` is blank for a ward with fewer than `MIN_WARD_COUNT` respondents in the export.
Age is already a band, never a birth date. Administrators' explicit exports are unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass

from service.roles import Role
from service.security import keyed_hash
from surveys.services.errors import Forbidden, SurveyError

#: Roles that may ask for names and contact details in an export.
PERSONAL_DATA_ROLES = frozenset({Role.ADMIN.value, Role.PANEL_MANAGER.value})
#: Roles that may export at all.
EXPORT_ROLES = frozenset({Role.ADMIN.value, Role.RESEARCH_OFFICER.value, Role.PANEL_MANAGER.value})
#: Roles whose ordinary exports carry answers (and so sensitive answers, pseudonymously).
ANSWER_ROLES = frozenset({Role.ADMIN.value, Role.RESEARCH_OFFICER.value})
#: A reason short enough to be a shrug ("x", "ok") is not a recorded reason.
MIN_REASON_LENGTH = 10
#: Fewest respondents in a ward for a pseudonymous export to name it (the usual small-cell
#: threshold in council statistics; `equality` suppresses below the same order).
MIN_WARD_COUNT = 10


@dataclass(frozen=True)
class Disclosure:
    """What one export may carry, decided from the requester's role and request."""

    answers: bool = True  # question columns at all
    sensitive: bool = True  # columns of questions marked `sensitive`
    personal: bool = False  # names and contact details
    pseudonym_key: str | None = None  # respondent_id becomes a keyed pseudonym when set
    reason: str = ""

    def respondent(self, respondent_id: str | None) -> str | None:
        """The respondent id this export shows: as stored, or its keyed pseudonym."""
        if respondent_id is None or self.pseudonym_key is None:
            return respondent_id
        return "R-" + keyed_hash(self.pseudonym_key, "respondent:" + respondent_id)[:16].upper()

    def response(self, response_id: str | None) -> str | None:
        """The response id this export shows: as stored, or (pseudonymous) a keyed pseudonym."""
        if response_id is None or self.pseudonym_key is None:
            return response_id
        return "S-" + keyed_hash(self.pseudonym_key, "response:" + response_id)[:16].upper()

    @property
    def coarse(self) -> bool:
        """Whether times become dates and small wards are blanked (pseudonymous exports)."""
        return self.pseudonym_key is not None

    @property
    def audited(self) -> bool:
        """Whether this export must be in the staff audit log."""
        return self.personal or (self.answers and self.sensitive)


#: Everything as stored: the command line and `analysis`' direct-database path, whose callers
#: hold the database's own credentials (administrators) and could read the tables anyway.
AS_STORED = Disclosure()


def disclosure_for(
    role: str,
    *,
    include_personal: bool = False,
    include_sensitive: bool = False,
    reason: str = "",
    pseudonym_key: str,
) -> Disclosure:
    """The disclosure `role` gets for this request; Forbidden (403) or SurveyError (400, on
    `reason`) naming the option it may not have."""
    reason = reason.strip()
    if role not in EXPORT_ROLES:
        raise Forbidden("your role does not allow exports", [("role", "may not export")])
    if include_personal and role not in PERSONAL_DATA_ROLES:
        raise Forbidden(
            "your role does not allow personal data in exports; leave include_personal off",
            [("include_personal", "only administrators and panel managers")],
        )
    if include_sensitive and role != Role.ADMIN.value:
        raise Forbidden(
            "only an administrator may export sensitive answers beside panel references",
            [("include_sensitive", "only administrators, with a reason")],
        )
    if include_sensitive:
        if len(reason) < MIN_REASON_LENGTH:
            raise SurveyError(
                "say why you need sensitive answers beside panel references",
                [("reason", f"give a reason of at least {MIN_REASON_LENGTH} characters")],
            )
        return Disclosure(personal=include_personal, reason=reason)
    if role not in ANSWER_ROLES:  # a panel manager: a fieldwork list, no answers
        return Disclosure(answers=False, sensitive=False, personal=include_personal)
    if include_personal:  # an administrator's contact export: no sensitive answers beside it
        return Disclosure(sensitive=False, personal=True)
    return Disclosure(pseudonym_key=pseudonym_key)
