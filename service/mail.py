"""Outgoing email: SMTP when SMTP_HOST is set, otherwise files in ./var/outbox.

The outbox lets a newcomer see exactly what residents would receive without a mail server.
Sending uses the standard library's smtplib in a thread: one message at a time is plenty
for invitations, which go through the job queue anyway.
"""

from __future__ import annotations

import asyncio
import re
import smtplib
import time
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid

from service.settings import Settings, get_settings


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    text: str
    html: str | None = None


def build_message(mail: Mail, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = mail.to
    message["Subject"] = mail.subject
    message["Message-ID"] = make_msgid(domain="resident-voice.local")
    message.set_content(mail.text)
    if mail.html:
        message.add_alternative(mail.html, subtype="html")
    return message


def _send_smtp(message: EmailMessage, settings: Settings) -> None:
    assert settings.smtp_host is not None
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30) as smtp:
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
