"""Outgoing email: SMTP when SMTP_HOST is set, otherwise files in ./var/outbox.

The outbox lets a newcomer see exactly what residents would receive without a mail server.
Sending uses the standard library's smtplib in a thread. With SMTP_STARTTLS the connection is
upgraded before anything else is said, and the server's certificate is checked (system CAs, or
SMTP_CA_FILE); a server that does not offer STARTTLS is an error, never a silent plain-text
fallback. SMTP_USERNAME/SMTP_PASSWORD log in after the upgrade, so the password is never sent
in the clear when STARTTLS is on.
"""

from __future__ import annotations

import asyncio
import re
import smtplib
import ssl
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import make_msgid

from service.settings import Settings, get_settings


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    text: str
    html: str | None = None
    #: A caller that must recognise its own message later (idempotent sends) chooses the id.
    message_id: str | None = None
    #: Extra headers, e.g. List-Unsubscribe and List-Unsubscribe-Post (RFC 8058).
    headers: Mapping[str, str] = field(default_factory=dict)


def build_message(mail: Mail, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = mail.to
    message["Subject"] = mail.subject
    message["Message-ID"] = mail.message_id or make_msgid(domain="resident-voice.local")
    for name, value in mail.headers.items():
        message[name] = value
    message.set_content(mail.text)
    if mail.html:
        message.add_alternative(mail.html, subtype="html")
    return message


class MailConfigError(RuntimeError):
    """The SMTP settings cannot work as given (e.g. a username without a password)."""


def _tls_context(settings: Settings) -> ssl.SSLContext:
    cafile = str(settings.smtp_ca_file) if settings.smtp_ca_file else None
    return ssl.create_default_context(cafile=cafile)


def _open_smtp(settings: Settings) -> smtplib.SMTP:
    """A connected, upgraded and logged-in SMTP session as the settings ask."""
    assert settings.smtp_host is not None
    if bool(settings.smtp_username) != bool(settings.smtp_password):
        raise MailConfigError("SMTP_USERNAME and SMTP_PASSWORD must be set together")
    smtp = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30)
    try:
        if settings.smtp_starttls:
            smtp.starttls(context=_tls_context(settings))
            smtp.ehlo()
        if settings.smtp_username and settings.smtp_password:
            smtp.login(settings.smtp_username, settings.smtp_password)
    except BaseException:
        smtp.close()
        raise
    return smtp


def _send_smtp(message: EmailMessage, settings: Settings) -> None:
    with _open_smtp(settings) as smtp:
        smtp.send_message(message)


def _write_outbox(message: EmailMessage, settings: Settings) -> None:
    settings.outbox_dir.mkdir(parents=True, exist_ok=True)
    slug = re.sub(r"[^a-z0-9]+", "-", str(message["Subject"]).lower()).strip("-")[:40]
    path = settings.outbox_dir / f"{time.time_ns()}-{slug}.eml"
    path.write_bytes(bytes(message))


async def send_mail(mail: Mail, settings: Settings | None = None) -> None:
    settings = settings or get_settings()
    message = build_message(mail, settings.mail_from)
    if settings.smtp_host:
        await asyncio.to_thread(_send_smtp, message, settings)
    else:
        await asyncio.to_thread(_write_outbox, message, settings)


class MailSession:
    """One SMTP connection for a batch of messages, so a job sending hundreds of invitations
    does not pay a connect, STARTTLS and login for each. Without SMTP_HOST it writes the
    outbox, like `send_mail`.

        async with MailSession(settings) as session:
            await session.send(mail)
    """

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or get_settings()
        self._smtp: smtplib.SMTP | None = None

    async def __aenter__(self) -> MailSession:
        if self.settings.smtp_host:
            self._smtp = await asyncio.to_thread(_open_smtp, self.settings)
        return self

    async def __aexit__(self, *exc: object) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            try:
                await asyncio.to_thread(smtp.quit)
            except smtplib.SMTPException:
                smtp.close()

    async def send(self, mail: Mail) -> None:
        message = build_message(mail, self.settings.mail_from)
        if self._smtp is not None:
            await asyncio.to_thread(self._smtp.send_message, message)
        elif self.settings.smtp_host:
            raise RuntimeError("MailSession.send outside 'async with'")
        else:
            await asyncio.to_thread(_write_outbox, message, self.settings)
