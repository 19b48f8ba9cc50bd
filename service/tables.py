"""Tables the composition root owns: staff accounts, their sessions, sign-in attempts, jobs."""

from __future__ import annotations

from piccolo.columns import (
    JSON,
    Boolean,
    Bytea,
    Integer,
    Serial,
    Text,
    Timestamptz,
    Varchar,
)
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
