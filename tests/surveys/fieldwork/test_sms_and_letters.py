"""Text messages through the Sender interface (outbox and GOV.UK Notify) and letter batches as
PDF: text extracted with pypdf, pages rendered to PNG and their QR codes decoded."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pypdf
import pypdfium2
import pytest
import zxingcpp

from panel.tables import ContactEvent
from service import jobs
from surveys.services import fieldwork, links, sending
from surveys.services.sms import NotifySender, OutboxSender, SenderConfigError, sender_from_settings
from surveys.tables import LetterBatch, SurveyInvitation
from tests.surveys.conftest import store_bank
from tests.surveys.fieldwork.conftest import add_member

SLUG = "resident-satisfaction"
SHOTS = Path(__file__).resolve().parents[3] / "var" / "screenshots"


@pytest.mark.db
async def test_sms_invitation_goes_through_the_outbox_sender(db: Any, smtp: Any) -> None:
    await store_bank(SLUG)
    member = await add_member(channel="sms")
    result = await fieldwork.invite(SLUG, member_ids=[member])
    assert result.invited == {"sms": 1}
    await jobs.run_until_empty()
    outbox = OutboxSender(smtp.settings.outbox_dir / "sms")
    (message,) = outbox.messages()
    invitation = await SurveyInvitation.select().first()
    assert invitation is not None and invitation["state"] == "sent"
    assert message["reference"] == invitation["message_id"].strip("<>")
    assert message["phone"].startswith("07700 9")
    text = message["text"]
    assert text.startswith("Northbridge Borough Council: Have your say")
    assert "call 0300 123 4567" in text and "/panel/unsubscribe/" in text
    token = re.search(r"/s/([0-9A-Z]{26})", text)
    assert token
    state = await links.resolve(token.group(1))
    assert state is not None and state.member_id == member
    contacts = await ContactEvent.select(ContactEvent.kind, ContactEvent.channel)
    assert contacts == [{"kind": "invitation", "channel": "sms"}]
    assert smtp.messages == []


class FakeNotifyClient:
    """Stands in for NotificationsAPIClient (we never call the real Notify from tests)."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def send_sms_notification(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(kwargs)
        return {"id": "740e5834-3a29-46b4-9a6f-16142fde533a", "reference": kwargs["reference"]}


async def test_notify_sender_passes_our_words_as_the_template_personalisation() -> None:
    client = FakeNotifyClient()
    sender = NotifySender("key", "template-123", client=client)
    provider_id = await sender.send("07700900123", "Hello", reference="rv.1.invitation.0@x")
    assert provider_id == "740e5834-3a29-46b4-9a6f-16142fde533a"
    assert client.calls == [
        {
            "phone_number": "07700900123",
            "template_id": "template-123",
            "personalisation": {"message": "Hello"},
            "reference": "rv.1.invitation.0@x",
        }
    ]


def test_notify_needs_a_key_and_template(smtp: Any) -> None:
    settings = smtp.settings.model_copy(update={"sms_sender": "notify"})
    with pytest.raises(SenderConfigError, match="NOTIFY_API_KEY"):
        sender_from_settings(settings)
    settings = settings.model_copy(
        update={
            "notify_api_key": "test-" + "a" * 36 + "-" + "b" * 36,
            "notify_sms_template_id": "t",
        }
    )
    assert isinstance(sender_from_settings(settings), NotifySender)


def qr_codes(pdf: bytes, page: int, save_as: str | None = None) -> list[str]:
    document = pypdfium2.PdfDocument(pdf)
    image = document[page].render(scale=2).to_pil()
    if save_as:
        SHOTS.mkdir(parents=True, exist_ok=True)
        image.save(SHOTS / save_as)
    return [code.text for code in zxingcpp.read_barcodes(image)]


@pytest.mark.db
async def test_letters_one_page_each_with_typed_link_and_qr(db: Any, smtp: Any) -> None:
    await store_bank(SLUG)
    standard = [await add_member(channel="post", first_name=f"Post{i}") for i in range(3)]
    large = await add_member(channel="post", large_print=True, first_name="Large")
    await fieldwork.invite(SLUG, member_ids=[*standard, large])
    await jobs.run_until_empty()

    batches = await LetterBatch.select().order_by(LetterBatch.id)
    assert [(b["large_print"], b["pages"]) for b in batches] == [(False, 3), (True, 1)]
    for batch in batches:
        found = await sending.letter_file(int(batch["id"]), smtp.settings)
        assert found is not None
        path, name = found
        assert name.endswith(("standard.pdf", "large-print.pdf"))
        pdf = path.read_bytes()
        reader = pypdf.PdfReader(io.BytesIO(pdf))
        assert len(reader.pages) == batch["pages"]
        for number, page in enumerate(reader.pages):
            text = page.extract_text()
            assert "Northbridge Borough Council" in text and "0300 123 4567" in text
            typed = re.search(
                r"voice\.northbridge\.example\.gov\.uk/s/\n?((?:[0-9A-Z]{5}-){5}[0-9A-Z])\n", text
            )
            assert typed, text
            token = typed.group(1).replace("-", "")
            shot = f"letter-{'large' if batch['large_print'] else 'standard'}-{number}.png"
            codes = qr_codes(pdf, number, save_as=shot if number == 0 else None)
            assert codes == [f"https://voice.northbridge.example.gov.uk/s/{token}"]
            # The typed link (dashes and all) opens the same personal link.
            state = await links.resolve(typed.group(1))
            assert state is not None and state.status == "open"
            expected = large if batch["large_print"] else None
            if expected:
                assert state.member_id == large
            else:
                assert state.member_id in standard
    invitations = await SurveyInvitation.select(SurveyInvitation.state)
    assert [r["state"] for r in invitations] == ["sent"] * 4
    assert await ContactEvent.count().where(ContactEvent.channel == "post") == 4
    assert (await LetterBatch.select(LetterBatch.downloaded_at).first())["downloaded_at"]


@pytest.mark.db
async def test_a_letter_batch_that_crashed_before_it_was_written_is_printed_on_retry(
    db: Any, smtp: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    await store_bank(SLUG)
    member = await add_member(channel="post")
    await fieldwork.invite(SLUG, member_ids=[member])
    real = sending.render_batch
    calls = []

    def crash_once(*args: Any, **kwargs: Any) -> bytes:
        calls.append(1)
        if len(calls) == 1:
            raise MemoryError("killed while rendering")
        return real(*args, **kwargs)

    monkeypatch.setattr(sending, "render_batch", crash_once)
    (invitation,) = await SurveyInvitation.select(SurveyInvitation.id)
    with pytest.raises(MemoryError):
        await sending.print_letters([invitation["id"]], "invitation", settings=smtp.settings)
    assert await LetterBatch.count() == 0
    (batch,) = await sending.print_letters([invitation["id"]], "invitation", settings=smtp.settings)
    found = await sending.letter_file(batch, smtp.settings)
    assert found is not None
    text = pypdf.PdfReader(found[0]).pages[0].extract_text()
    typed = re.search(r"/s/\n?((?:[0-9A-Z]{5}-){5}[0-9A-Z])\n", text)
    assert typed
    state = await links.resolve(typed.group(1))
    # The letter that is printed carries the one working link.
    assert state is not None and state.member_id == member and not state.expired
    assert await ContactEvent.count() == 1


@pytest.mark.db
async def test_a_postal_non_responder_gets_a_reminder_letter(db: Any, smtp: Any) -> None:
    import datetime as dt

    await store_bank(SLUG)
    member = await add_member(channel="post", wants_thank_you=False)
    await fieldwork.invite(SLUG, member_ids=[member])
    await jobs.run_until_empty()
    await SurveyInvitation.update(
        {SurveyInvitation.sent_at: dt.datetime.now(dt.UTC) - dt.timedelta(days=8)}
    ).where(SurveyInvitation.member == member)
    assert await fieldwork.queue_reminders() == 1
    await jobs.run_until_empty()
    batches = await LetterBatch.select().order_by(LetterBatch.id)
    assert [(b["kind"], b["pages"]) for b in batches] == [("invitation", 1), ("reminder", 1)]
    found = await sending.letter_file(int(batches[1]["id"]), smtp.settings)
    assert found is not None
    text = pypdf.PdfReader(found[0]).pages[0].extract_text()
    assert "A reminder: Your local area and council" in text and "We wrote to you on" in text
    kinds = [
        r["kind"] for r in await ContactEvent.select(ContactEvent.kind).order_by(ContactEvent.id)
    ]
    assert kinds == ["invitation", "reminder"]
