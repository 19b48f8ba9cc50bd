"""Settings read from the environment (and an optional `.env`), validated once at start-up.

pydantic-settings gives typed, documented settings with clear errors for bad values, so a
mistyped port or URL fails at start-up with the variable's name rather than deep in a request.
"""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from service.proxies import IPNetwork, parse_networks

PROJECT_ROOT = Path(__file__).resolve().parent.parent
VAR_DIR = PROJECT_ROOT / "var"


def _default_secret() -> str:
    """A per-installation secret kept in ./var so sessions survive restarts without set-up."""
    path = VAR_DIR / "secret_key"
    if path.exists():
        return path.read_text().strip()
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key


class Settings(BaseSettings):
    """Everything that differs between a laptop, CI and a council's server."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    database_url: str = Field(
        default=f"sqlite:///{VAR_DIR / 'resident_voice.sqlite'}",
        description="sqlite:///path/to/file.sqlite or postgresql://user@host:port/db",
    )
    secret_key: str = Field(default_factory=_default_secret, min_length=32)
    public_url: str = Field(default="http://127.0.0.1:8000", description="Base URL in links")
    council_name: str = "Northbridge Borough Council"
    service_name: str = "Resident Voice"
    support_phone: str = "0300 123 4567"
    support_email: str = "research@northbridge.example.gov.uk"
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_username: str | None = Field(default=None, description="SMTP AUTH user (with password)")
    smtp_password: str | None = Field(default=None, description="SMTP AUTH password")
    smtp_starttls: bool = Field(default=False, description="Upgrade to TLS before sending")
    smtp_ca_file: Path | None = Field(
        default=None, description="CA bundle for the SMTP server's certificate (default: system)"
    )
    mail_from: str = "Resident Voice <no-reply@northbridge.example.gov.uk>"
    outbox_dir: Path = VAR_DIR / "outbox"
    letters_dir: Path = Field(
        default=VAR_DIR / "letters", description="Where printable letter batches (PDF) are kept"
    )
    sms_sender: str = Field(
        default="outbox", description="outbox (files in OUTBOX_DIR/sms) or notify (GOV.UK Notify)"
    )
    notify_api_key: str | None = Field(default=None, description="GOV.UK Notify API key")
    notify_sms_template_id: str | None = Field(
        default=None, description="Notify text message template with a ((message)) placeholder"
    )
    reminder_days: tuple[int, ...] = Field(
        default=(7, 14), description="Days after the invitation to remind non-responders"
    )
    chromium_path: str | None = None
    audit_secret_prefix: str = Field(
        default="RV_AUDIT_SECRET_",
        description="Only environment variables with this prefix may fill audit sign-in fields"
        " ('' allows none)",
    )
    session_max_age_s: int = 8 * 3600
    signin_max_failures_account: int = 5
    signin_max_failures_address: int = 20
    signin_window_s: int = 15 * 60
    run_worker: bool = Field(default=True, description="Run background jobs in-process")
    # Background jobs (service.jobs): on PostgreSQL they run on SAQ workers
    # (`resident-voice worker`), on SQLite in the web process.
    job_engine: str = Field(
        default="auto",
        pattern="^(auto|table|saq)$",
        description="auto (SAQ on PostgreSQL, the in-process worker on SQLite), table or saq",
    )
    job_heartbeat_s: int = Field(
        default=30, ge=3, description="A SAQ job not renewed for this long is retried"
    )
    job_sweep_s: int = Field(default=15, ge=1, description="How often SAQ looks for lost jobs")
    job_retry_delay_s: float = Field(
        default=30.0, ge=0, description="First retry's wait; it doubles on each failure"
    )
    log_level: str = "INFO"
    panel_not_invited_within_days: int = Field(
        default=90, ge=0, description="Contact rule: not invited in the last N days (0: off)"
    )
    panel_max_invitations_12_months: int = Field(
        default=4, ge=0, description="Contact rule: at most K invitations in 12 months (0: off)"
    )
    panel_margins_file: Path | None = Field(
        default=None, description="Population margins CSV (default: the demo's synthetic one)"
    )
    measures_file: Path | None = Field(
        default=None,
        description="Strategy measures YAML for the staff page, API and progress report "
        "(default: the shipped analysis/measures/measures.yaml)",
    )
    panel_postcode_lookup_file: Path | None = Field(
        default=None, description="Postcode to ward and IMD quintile CSV (default: the demo's)"
    )
    panel_one_per_household: bool = Field(
        default=False, description="Contact rule: at most one member per address in a sample"
    )
    panel_withdrawn_retention_days: int = Field(
        default=90, ge=0, description="Erase withdrawn panel members' personal data after N days"
    )
    panel_applicant_retention_days: int = Field(
        default=30, ge=0, description="Erase applicants who never confirmed after M days"
    )
    panel_signups_per_hour: int = Field(
        default=10,
        ge=0,
        description="Completed sign-ups accepted an hour from one client address; 0 is no limit",
    )
    panel_self_service_link_days: int = Field(
        default=90, ge=1, description="A member's self-service link works for N days"
    )
    panel_link_requests_per_hour: int = Field(
        default=5,
        ge=0,
        description="Requests for a fresh self-service link an hour, per client address and "
        "per email address; 0 is no limit",
    )
    forwarded_allow_ips: str = Field(
        default="",
        description="Reverse proxies whose X-Forwarded-For is believed: IPs or CIDRs, "
        "comma-separated. Empty (the default) trusts nobody: the peer address is the client.",
    )

    @field_validator("forwarded_allow_ips")
    @classmethod
    def _proxies_parse(cls, value: str) -> str:
        parse_networks(value)  # ProxyListError (a ValueError) names the bad entry
        return value

    @property
    def trusted_proxies(self) -> tuple[IPNetwork, ...]:
        return parse_networks(self.forwarded_allow_ips)

    @property
    def secure_cookies(self) -> bool:
        """Cookies carry `Secure` whenever the service is reached over HTTPS."""
        return self.public_url.startswith("https://")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
