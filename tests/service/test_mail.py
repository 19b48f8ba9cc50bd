"""Mail goes over a real SMTP conversation (aiosmtpd on 127.0.0.1), or to the outbox."""

from __future__ import annotations

import email
import socket
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message

from service.mail import Mail, send_mail
from service.settings import Settings


class Collect(Message):
    def __init__(self) -> None:
        super().__init__()
        self.messages: list[email.message.Message] = []

    def handle_message(self, message: email.message.Message) -> None:
        self.messages.append(message)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_send_mail_speaks_smtp(tmp_path: Path):
    handler = Collect()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        settings = Settings(
            smtp_host="127.0.0.1",
            smtp_port=port,
            secret_key="x" * 40,
            mail_from="Council <noreply@council.example.gov.uk>",
        )
        await send_mail(
            Mail(
                to="resident@example.org", subject="Your survey", text="Hello", html="<p>Hello</p>"
            ),
            settings,
        )
    finally:
        controller.stop()
    assert len(handler.messages) == 1
    received = handler.messages[0]
    assert received["To"] == "resident@example.org"
    assert received["Subject"] == "Your survey"
    assert received.is_multipart()


async def test_without_smtp_mail_lands_in_the_outbox(tmp_path: Path):
    settings = Settings(smtp_host=None, outbox_dir=tmp_path, secret_key="x" * 40)
    await send_mail(
        Mail(to="r@example.org", subject="Reminder: have your say", text="Hi"), settings
    )
    files = list(tmp_path.glob("*.eml"))
    assert len(files) == 1 and "have-your-say" in files[0].name
    assert "Subject: Reminder: have your say" in files[0].read_text()
