"""Mail goes over a real SMTP conversation (aiosmtpd on 127.0.0.1), or to the outbox."""

from __future__ import annotations

import email
import smtplib
import socket
import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message
from aiosmtpd.smtp import AuthResult, LoginPassword

from service.mail import Mail, MailConfigError, send_mail
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


# --- STARTTLS and SMTP AUTH (issue 9) -------------------------------------------------------

USER, PASSWORD = "rv-mailer", "correct horse battery staple"


def check_login(
    server: object, session: object, envelope: object, mechanism: str, auth_data: object
) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (
        auth_data.login == USER.encode() and auth_data.password == PASSWORD.encode()
    )
    # handled=False: let aiosmtpd send the 535 itself (True means "I already replied").
    return AuthResult(success=ok, handled=False)


@pytest.fixture
def strict_server(tmp_path: Path) -> Iterator[tuple[Collect, int, Path]]:
    """A local server that refuses mail until STARTTLS and a successful AUTH."""
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1")
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(server_context)
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    handler = Collect()
    port = free_port()
    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=port,
        tls_context=server_context,
        require_starttls=True,
        auth_required=True,
        auth_require_tls=True,
        authenticator=check_login,
    )
    controller.start()
    try:
        yield handler, port, ca_file
    finally:
        controller.stop()


def strict_settings(port: int, ca_file: Path | None, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "smtp_host": "127.0.0.1",
        "smtp_port": port,
        "smtp_starttls": True,
        "smtp_username": USER,
        "smtp_password": PASSWORD,
        "smtp_ca_file": ca_file,
        "secret_key": "x" * 40,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


HELLO = Mail(to="resident@example.org", subject="Your survey", text="Hello")


async def test_starttls_and_login_deliver(strict_server):
    handler, port, ca_file = strict_server
    await send_mail(HELLO, strict_settings(port, ca_file))
    assert [m["Subject"] for m in handler.messages] == ["Your survey"]


async def test_wrong_password_is_refused_and_nothing_delivered(strict_server):
    handler, port, ca_file = strict_server
    with pytest.raises(smtplib.SMTPAuthenticationError):
        await send_mail(HELLO, strict_settings(port, ca_file, smtp_password="wrong"))
    assert handler.messages == []


async def test_without_starttls_a_server_that_requires_it_refuses(strict_server):
    handler, port, ca_file = strict_server
    with pytest.raises(smtplib.SMTPException):
        await send_mail(HELLO, strict_settings(port, ca_file, smtp_starttls=False))
    assert handler.messages == []


async def test_without_credentials_a_server_that_requires_auth_refuses(strict_server):
    handler, port, ca_file = strict_server
    settings = strict_settings(port, ca_file, smtp_username=None, smtp_password=None)
    with pytest.raises(smtplib.SMTPException):
        await send_mail(HELLO, settings)
    assert handler.messages == []


async def test_an_untrusted_certificate_stops_the_send(strict_server):
    handler, port, _ca_file = strict_server
    with pytest.raises(ssl.SSLCertVerificationError):
        await send_mail(HELLO, strict_settings(port, None))
    assert handler.messages == []


async def test_username_without_password_is_a_config_error(strict_server):
    _handler, port, ca_file = strict_server
    with pytest.raises(MailConfigError):
        await send_mail(HELLO, strict_settings(port, ca_file, smtp_password=None))
