"""Shared helpers for sign-up tests: walk the pages as a browser would, run an SMTP server."""

from __future__ import annotations

import email
import re
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message

from tests.conftest import post_form

ANSWERS: list[tuple[str, dict[str, Any]]] = [
    ("name", {"first_name": "Siân", "last_name": "O'Neill"}),
    ("contact", {"preferred_contact": "email"}),
    ("email", {"email": "Sian.ONeill@Example.org"}),
    ("phone", {"phone": ""}),
    ("address", {"address_line1": "4 Mill Lane", "town": "Northbridge", "postcode": "nb1 4ab"}),
    ("date-of-birth", {"dob-day": "3", "dob-month": "4", "dob-year": "1990"}),
    ("needs", {"needs": ["large_print"]}),
    ("consent", {"consents": ["membership", "contact:email", "link_answers"]}),
    ("sex", {"sex": "female"}),
    ("ethnic-group", {"ethnic_group": "mixed_white_asian"}),
    ("long-term-condition", {"long_term_condition": "yes"}),
    ("reduced-ability", {"reduced_ability": "a_little"}),
]


def with_answers(**changes: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [(step, changes.get(step.replace("-", "_"), data)) for step, data in ANSWERS]


async def walk_signup(client: Any, answers: list[tuple[str, dict[str, Any]]] | None = None) -> Any:
    """POST every page in order, following the redirects; returns the final response."""
    client.cookies.pop("rv_signup", None)
    expected = "/panel/join/name"
    for step, data in answers or ANSWERS:
        assert expected.endswith(f"/{step}"), f"expected {expected}, answering {step}"
        page = await client.get(expected)
        assert page.status_code == 200, (step, page.text[:500])
        response = await post_form(client, expected, data)
        assert response.status_code == 303, (step, response.text[:2000])
        expected = response.headers["location"]
    assert expected == "/panel/join/check"
    check = await client.get(expected)
    assert check.status_code == 200
    return await post_form(client, "/panel/join/check", {})


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


@contextmanager
def smtp_server() -> Iterator[tuple[Collect, int]]:
    handler = Collect()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


def text_part(message: email.message.Message) -> str:
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            return str(part.get_payload(decode=True).decode())  # type: ignore[union-attr]
    raise AssertionError("no text/plain part")


def link_in(message: email.message.Message, path: str) -> str:
    found = re.search(rf"https?://\S+({re.escape(path)}[A-Za-z0-9_-]+)", text_part(message))
    assert found, text_part(message)
    return found.group(1)
