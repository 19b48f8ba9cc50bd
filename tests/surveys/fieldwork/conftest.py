"""Fixtures for fieldwork: consenting panel members, a recorded draw, and a real SMTP server.

The SMTP server is aiosmtpd on 127.0.0.1: sends go through a real SMTP conversation and the
tests read the delivered messages.
"""

from __future__ import annotations

import email
import email.message
import email.policy
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from panel.services import CONSENT_WORDING_VERSION
from panel.tables import Consent, Draw, DrawMember, Member
from service.settings import Settings


class Collect:
    """An aiosmtpd handler keeping every delivered message, parsed."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append(parsed)  # type: ignore[arg-type]
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Smtp:
    handler: Collect
    settings: Settings

    @property
    def messages(self) -> list[email.message.EmailMessage]:
        return self.handler.messages


@pytest.fixture
def smtp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Smtp]:
    """A local SMTP server, and settings (used by the jobs too) that send to it."""
    handler = Collect()
    port = _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings = Settings(
        smtp_host="127.0.0.1",
        smtp_port=port,
        secret_key="x" * 40,
        mail_from="Northbridge Borough Council <panel@northbridge.example.gov.uk>",
        public_url="https://voice.northbridge.example.gov.uk",
        outbox_dir=tmp_path / "outbox",
        letters_dir=tmp_path / "letters",
        sms_sender="outbox",
    )
    import surveys.services.fieldwork as fieldwork
    import surveys.services.sending as sending

    monkeypatch.setattr(sending, "get_settings", lambda: settings)
    monkeypatch.setattr(fieldwork, "get_settings", lambda: settings)
    try:
        yield Smtp(handler, settings)
    finally:
        controller.stop()


_counter = iter(range(1, 1_000_000))


async def add_member(
    *,
    channel: str = "email",
    consent: tuple[str, ...] | None = None,
    status: str = "active",
    language: str = "en",
    large_print: bool = False,
    wants_thank_you: bool = True,
    first_name: str = "Ada",
) -> int:
    """An active member who prefers `channel`, with consent on record for it (unless told)."""
    n = next(_counter)
    member = Member(
        reference=f"P-FW{n:06d}",
        first_name=first_name,
        last_name="Lovelace",
        email=f"member{n}@example.org",
        phone=f"07700 9{n:05d}",
        address_line1=f"{n} High Street",
        town="Northbridge",
        postcode="NB1 1AA",
        preferred_contact=channel,
        status=status,
        language=language,
        large_print=large_print,
        wants_thank_you=wants_thank_you,
        age_band="35-44",
        sex="female",
        ward="abbey",
    )
    await member.save()
    purposes = (f"contact:{channel}",) if consent is None else consent
    for purpose in ("membership", *purposes):
        await Consent(
            member=member.id,
            purpose=purpose,
            wording_version=CONSENT_WORDING_VERSION,
            given_at=member.joined_at,
        ).save()
    return int(member.id)


async def add_draw(member_ids: list[int]) -> int:
    """A recorded draw of these members (what the sampling code records)."""
    draw = Draw(method="random", seed="1", size=len(member_ids), eligible=member_ids)
    await draw.save()
    for position, member in enumerate(member_ids):
        await DrawMember(draw=draw.id, member=member, position=position).save()
    return int(draw.id)
