"""Text messages through a `Sender`: GOV.UK Notify for councils, an outbox for the demo and tests.

Fieldwork only needs "send this text to this number, with this reference"; the reference is
the message's deterministic id, so a message can be traced in Notify's dashboard and the
outbox alike. Which sender is used comes from settings (`SMS_SENDER=outbox|notify`).
"""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any, Protocol

from service.settings import Settings, get_settings


class SenderConfigError(RuntimeError):
    """The SMS settings cannot work as given (Notify without a key or template)."""


class Sender(Protocol):
    async def send(self, phone: str, text: str, *, reference: str) -> str:
        """Send `text` to `phone`; returns the provider's id for the message."""
        ...


class OutboxSender:
    """Keeps each message as a JSON file in a directory, so a newcomer can read what went out."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    async def send(self, phone: str, text: str, *, reference: str) -> str:
        self.directory.mkdir(parents=True, exist_ok=True)
        record = {"phone": phone, "text": text, "reference": reference, "at": time.time()}
        path = self.directory / f"{time.time_ns()}.json"
        await asyncio.to_thread(path.write_text, json.dumps(record, ensure_ascii=False), "utf-8")
        return path.stem

    def messages(self) -> list[dict[str, Any]]:
        """Every stored message, oldest first."""
        if not self.directory.is_dir():
            return []
        return [json.loads(p.read_text("utf-8")) for p in sorted(self.directory.glob("*.json"))]


class NotifySender:
    """GOV.UK Notify (`notifications-python-client`), with one template whose body is
    `((message))`, so our wording stays in our templates and in both languages."""

    def __init__(self, api_key: str, template_id: str, client: Any = None) -> None:
        if client is None:
            from notifications_python_client.notifications import NotificationsAPIClient

            client = NotificationsAPIClient(api_key)
        self.client = client
        self.template_id = template_id

    async def send(self, phone: str, text: str, *, reference: str) -> str:
        response = await asyncio.to_thread(
            self.client.send_sms_notification,
            phone_number=phone,
            template_id=self.template_id,
            personalisation={"message": text},
            reference=reference,
        )
        return str(response["id"])


def sender_from_settings(settings: Settings | None = None) -> Sender:
    settings = settings or get_settings()
    if settings.sms_sender == "notify":
        if not settings.notify_api_key or not settings.notify_sms_template_id:
            raise SenderConfigError(
                "SMS_SENDER=notify needs NOTIFY_API_KEY and NOTIFY_SMS_TEMPLATE_ID"
            )
        return NotifySender(settings.notify_api_key, settings.notify_sms_template_id)
    if settings.sms_sender == "outbox":
        return OutboxSender(settings.outbox_dir / "sms")
    raise SenderConfigError(f"SMS_SENDER must be outbox or notify, not {settings.sms_sender!r}")
