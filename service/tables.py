"""Tables the composition root owns: staff accounts, their sessions, sign-in attempts, jobs."""

from __future__ import annotations

from piccolo.columns import (
    JSON,
    Boolean,
    Bytea,
    ForeignKey,
    Integer,
    Serial,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class StaffUser(Table, tablename="staff_user"):
    """A member of council staff who signs in; `role` is one of service.auth.Role."""

    id: Serial  # Piccolo adds the primary key; declared for type checkers

    email = Varchar(length=254, unique=True, index=True)
    name = Varchar(length=200)
    role = Varchar(length=32)
    password_hash = Text()
    active = Boolean(default=True)
    created_at = Timestamptz(default=TimestamptzNow())
    last_sign_in_at = Timestamptz(null=True, default=None)
    # Bumped by a password reset or disabling: sessions carry the value they were made with,
    # and one that no longer matches is signed out (service.auth.retrieve_user).
    session_epoch = Integer(default=0)


class StaffSession(Table, tablename="staff_session"):
    """Server-side session data; `key` is a hash of the cookie value, never the value itself."""

    id: Serial  # Piccolo adds the primary key; declared for type checkers

    key = Varchar(length=64, unique=True, index=True)
    data = Bytea()
    expires_at = Timestamptz(null=True, default=None, index=True)


class SignInAttempt(Table, tablename="sign_in_attempt"):
    """One sign-in attempt, kept briefly to rate-limit per account and per address.

    Both are stored as keyed hashes so this table holds no readable personal data.
    """

    id: Serial  # Piccolo adds the primary key; declared for type checkers

    account_hash = Varchar(length=64, index=True)
    address_hash = Varchar(length=64, index=True)
    succeeded = Boolean(default=False)
    at = Timestamptz(default=TimestamptzNow(), index=True)


class Job(Table, tablename="job"):
    """A background job: durable, so a restart does not lose queued invitations or audits."""

    id: Serial  # Piccolo adds the primary key; declared for type checkers

    name = Varchar(length=100, index=True)
    payload = JSON(default="{}")
    status = Varchar(length=16, default="queued", index=True)  # queued|running|done|failed
    run_after = Timestamptz(default=TimestamptzNow(), index=True)
    attempts = Integer(default=0)
    max_attempts = Integer(default=3)
    last_error = Text(default="")
    created_at = Timestamptz(default=TimestamptzNow())
    finished_at = Timestamptz(null=True, default=None)
    # A running job belongs to its worker only until `lease_until`: a worker that dies leaves
    # the lease to expire, and then another worker retries (or fails) the job.
    lease_until = Timestamptz(null=True, default=None)
    timeout_s = Integer(default=600)


class PeriodicLease(Table, tablename="periodic_lease"):
    """When a periodic task is next due: claimed by one atomic UPDATE, so it runs once per due
    time however many worker processes share the database."""

    id: Serial  # Piccolo adds the primary key; declared for type checkers

    name = Varchar(length=100, unique=True)
    due_at = Timestamptz(default=TimestamptzNow())
    last_run_at = Timestamptz(null=True, default=None)


class AuditEvent(Table, tablename="staff_audit_event"):
    """One time a member of staff viewed, exported or changed residents' personal data.

    `staff_email` is copied so the record still says who after an account is renamed;
    `subject` names what (a survey slug, a member reference), `detail` how (format, columns),
    `reason` why, when the action needs one (sensitive exports). Rows are never updated.
    """

    id: Serial  # Piccolo adds the primary key; declared for type checkers

    at = Timestamptz(default=TimestamptzNow(), index=True)
    # SET NULL: removing an account must not remove the record of what it did.
    staff_user = ForeignKey(
        StaffUser, null=True, default=None, index=True, on_delete=OnDelete.set_null
    )
    staff_email = Varchar(length=254, default="")
    role = Varchar(length=32, default="")
    action = Varchar(length=32, index=True)  # view|export|change
    subject = Varchar(length=200, default="")
    detail = Text(default="")
    reason = Text(default="")


class ApiToken(Table, tablename="staff_api_token"):
    """A personal API token: `Authorization: Bearer <token>` acts as its owner, with their role.

    Scoped to the role the owner had when it was made: if the role changes, the token stops
    working (a research officer who becomes a panel manager does not carry old access along).

        Only `token_hash` (SHA-256, `service.security.hash_token`) is stored; `prefix` (the first
        characters) lets the owner tell tokens apart on their account page.
    """

    id: Serial  # Piccolo adds the primary key; declared for type checkers

    owner = ForeignKey(StaffUser, index=True)
    role = Varchar(length=32)  # the owner's role when made: a role change retires the token
    name = Varchar(length=100)
    prefix = Varchar(length=12)
    token_hash = Varchar(length=64, unique=True, index=True)
    created_at = Timestamptz(default=TimestamptzNow())
    last_used_at = Timestamptz(null=True, default=None)
    revoked_at = Timestamptz(null=True, default=None)
