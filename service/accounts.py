"""Staff accounts and sign-in, with rate limits per account and per address.

No HTTP here: controllers and the CLI call these functions. Failures are counted per keyed
hash of the email address, whether or not the account exists, so the lock-out message cannot
be used to discover which addresses have accounts.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

import anyio.to_thread
from piccolo.engine.postgres import PostgresEngine

from service.roles import Role
from service.security import hash_password, keyed_hash, verify_password
from service.settings import Settings
from service.tables import SignInAttempt, StaffUser

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD_LENGTH = 12


class AccountError(ValueError):
    """A staff account could not be created or changed; the message says which field and why."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class SignInRefused(Exception):
    """Sign-in refused: `reason` is 'credentials', 'locked' or 'address'."""

    def __init__(self, reason: str, message: str, retry_after_s: int = 0) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.retry_after_s = retry_after_s


@dataclass(frozen=True)
class SignedIn:
    user_id: int
    role: str
    name: str
    session_epoch: int


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def _hash(password: str) -> str:
    """Argon2 hashing in a worker thread: it is deliberately slow, and must not stall the loop."""
    return await anyio.to_thread.run_sync(hash_password, password)


def validate_new_account(email: str, name: str, role: str, password: str) -> None:
    if not EMAIL_RE.match(email):
        raise AccountError("email", "enter an email address like name@council.gov.uk")
    if not name.strip():
        raise AccountError("name", "enter the person's name")
    if role not in {r.value for r in Role}:
        raise AccountError("role", f"must be one of {', '.join(r.value for r in Role)}")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError("password", f"must be at least {MIN_PASSWORD_LENGTH} characters")


async def create_user(email: str, name: str, role: str, password: str) -> StaffUser:
    email = email.strip().lower()
    validate_new_account(email, name, role, password)
    if await StaffUser.exists().where(StaffUser.email == email):
        raise AccountError("email", f"an account for {email} already exists")
    user = StaffUser(email=email, name=name.strip(), role=role, password_hash=await _hash(password))
    await user.save()
    return user


async def set_password(email: str, password: str) -> None:
    """A new password; every session of the account ends (a reset often follows a theft)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError("password", f"must be at least {MIN_PASSWORD_LENGTH} characters")
    updated = (
        await StaffUser.update(
            {
                StaffUser.password_hash: await _hash(password),
                StaffUser.session_epoch: StaffUser.session_epoch + 1,
            }
        )
        .where(StaffUser.email == email.strip().lower())
        .returning(StaffUser.id)
    )
    if not updated:
        raise AccountError("email", f"no account for {email}")


async def set_active(email: str, active: bool) -> None:
    """Disable or re-enable an account. Either way its sessions end: a disabled account is
    signed out everywhere, and re-enabling it does not bring old sessions back."""
    updated = (
        await StaffUser.update(
            {StaffUser.active: active, StaffUser.session_epoch: StaffUser.session_epoch + 1}
        )
        .where(StaffUser.email == email.strip().lower())
        .returning(StaffUser.id)
    )
    if not updated:
        raise AccountError("email", f"no account for {email}")


async def _recent_failures(column: object, value: str, since: dt.datetime) -> int:
    return await SignInAttempt.count().where(
        (column == value)  # type: ignore[operator]
        & (SignInAttempt.succeeded == False)  # noqa: E712
        & (SignInAttempt.at >= since)
    )


async def _reserve_attempt(
    account: str, where_from: str, since: dt.datetime, settings: Settings
) -> int:
    """Count recent failures and record this attempt as one, atomically; its id.

    Counting, verifying and then recording let parallel guesses all see "no failures yet"
    and all be verified. Here the attempt is written as a failure *before* the password is
    checked, in the same transaction as the count, so the N+1th of any number of parallel
    guesses sees N failures and is refused. SQLite transactions here are IMMEDIATE (one
    writer); on PostgreSQL the table lock (SHARE ROW EXCLUSIVE conflicts with itself, not
    with plain reads) serialises the count-and-insert of concurrent sign-ins for the few
    milliseconds it takes; the slow hash runs outside it.
    """
    minutes = settings.signin_window_s // 60
    engine = SignInAttempt._meta.db
    async with engine.transaction():
        if isinstance(engine, PostgresEngine):
            await SignInAttempt.raw("LOCK TABLE sign_in_attempt IN SHARE ROW EXCLUSIVE MODE")
        if await _recent_failures(SignInAttempt.address_hash, where_from, since) >= (
            settings.signin_max_failures_address
        ):
            raise SignInRefused(
                "address",
                f"There have been too many failed sign-in attempts from your network. "
                f"Wait {minutes} minutes, then try again.",
                settings.signin_window_s,
            )
        if await _recent_failures(SignInAttempt.account_hash, account, since) >= (
            settings.signin_max_failures_account
        ):
            raise SignInRefused(
                "locked",
                f"This account is locked for {minutes} minutes after too many failed sign-in "
                "attempts. Wait, then try again, or ask an administrator to reset your password.",
                settings.signin_window_s,
            )
        rows = await SignInAttempt.insert(
            SignInAttempt(account_hash=account, address_hash=where_from, succeeded=False)
        ).returning(SignInAttempt.id)
    return int(rows[0]["id"])


async def authenticate(email: str, password: str, address: str, settings: Settings) -> SignedIn:
    """Check a sign-in; record it; raise SignInRefused with the same wording for any bad pair.

    Argon2 takes ~150 ms of CPU by design: it runs in a worker thread (argon2-cffi releases
    the GIL), so residents' pages keep being served while a sign-in is checked.
    """
    email = email.strip().lower()
    account = keyed_hash(settings.secret_key, "account:" + email)
    where_from = keyed_hash(settings.secret_key, "address:" + address)
    since = _now() - dt.timedelta(seconds=settings.signin_window_s)

    attempt_id = await _reserve_attempt(account, where_from, since, settings)
    user = await StaffUser.objects().where(StaffUser.email == email).first()
    ok = await anyio.to_thread.run_sync(
        verify_password, user.password_hash if user else None, password
    )
    ok = ok and user is not None and user.active
    if not ok or user is None:
        raise SignInRefused("credentials", "Enter a correct email address and password")
    await SignInAttempt.update({SignInAttempt.succeeded: True}).where(
        SignInAttempt.id == attempt_id
    )
    await StaffUser.update({StaffUser.last_sign_in_at: _now()}).where(StaffUser.id == user.id)
    await SignInAttempt.delete().where(SignInAttempt.at < since)
    return SignedIn(
        user_id=user.id, role=user.role, name=user.name, session_epoch=user.session_epoch
    )


async def get_active_user(user_id: int) -> StaffUser | None:
    return (
        await StaffUser.objects()
        .where((StaffUser.id == user_id) & (StaffUser.active == True))  # noqa: E712
        .first()
    )


async def list_users() -> list[dict[str, Any]]:
    """Every staff account with its role and last sign-in, by name (the administrators' list;
    no password hashes)."""
    return await StaffUser.select(
        StaffUser.name,
        StaffUser.email,
        StaffUser.role,
        StaffUser.active,
        StaffUser.last_sign_in_at,
    ).order_by(StaffUser.name)
