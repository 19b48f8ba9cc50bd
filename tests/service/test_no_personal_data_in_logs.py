"""No member's personal data or token reaches the logs, over a whole journey, at DEBUG.

One test walks what a council does with a resident: panel sign-up with the email
confirmation link, an invitation email (real SMTP to aiosmtpd on 127.0.0.1), the survey
answered through its personal link, the unsubscribe and self-service pages, subject access,
an export with contact details (by API token), and erasure; plus a second applicant whose
confirmation mail the server refuses (SMTP errors quote the address). Every logger records at
DEBUG into one handler, and anything written to stdout or stderr is read too; the test fails
if any member's name, email, phone, postcode, address, date of birth or any token appears.

Left out of the check, each for a reason: aiosmtpd's own logger (`mail.log`: the test's mail
server, not ours), and the records the test's own HTTP client (httpx) writes about requests to
its fake host `test-client.invalid`, which name the resident URLs the test itself asked for.
"""

from __future__ import annotations

import email
import email.policy
import logging
import re
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from litestar.testing import AsyncTestClient
from prometheus_client import REGISTRY

from panel.tables import Member
from service import api_tokens, jobs
from service.app import create_app
from service.settings import Settings, get_settings
from surveys.services import fieldwork
from tests.conftest import create_staff, post_form, sign_in
from tests.panel.signup_helpers import free_port, walk_signup, with_answers
from tests.surveys.conftest import store_bank

pytestmark = pytest.mark.db

SLUG = "resident-satisfaction"
CLIENT_HOST = "test-client.invalid"
SIGNUPS_METRIC = "resident_voice_signup_attempts_total"
#: Loggers left out: the test's own mail server.
EXCLUDED_LOGGERS = ("mail.log", "aiosmtpd")

FFION = {
    "first_name": "Ffionella",
    "last_name": "Quarrington-Vex",
    "email": "Ffionella.QV.4417@Example.org",
    "phone": "07700 900461",
    "address_line1": "17 Tannery Wharf",
    "postcode": "nb7 3qt",
    "dob": ("23", "11", "1987"),
}
GWILYM = {
    "first_name": "Gwilymaro",
    "last_name": "Tresillian-Oakes",
    "email": "gwilymaro.to.5521@example.org",
    "phone": "07700 900982",
    "address_line1": "3 Ropewalk Yard",
    "postcode": "nb2 8hj",
    "dob": ("2", "6", "1961"),
}


def answers_for(person: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    day, month, year = person["dob"]
    return with_answers(
        name={"first_name": person["first_name"], "last_name": person["last_name"]},
        email={"email": person["email"]},
        phone={"phone": person["phone"]},
        address={
            "address_line1": person["address_line1"],
            "town": "Northbridge",
            "postcode": person["postcode"],
        },
        date_of_birth={"dob-day": day, "dob-month": month, "dob-year": year},
    )


def personal_strings(person: dict[str, Any]) -> dict[str, str]:
    """Every form in which the person's data could be written, by what it is."""
    day, month, year = person["dob"]
    digits = re.sub(r"\D", "", person["phone"])
    postcode = person["postcode"].upper()
    return {
        "first name": person["first_name"],
        "last name": person["last_name"],
        "email": person["email"],
        "email local part": person["email"].split("@")[0],
        "phone": person["phone"],
        "phone digits": digits,
        "phone E.164": "+44" + digits[1:],
        "address": person["address_line1"],
        "postcode": postcode,
        "postcode without space": postcode.replace(" ", ""),
        "date of birth": f"{year}-{int(month):02d}-{int(day):02d}",
    }


class Mailbox:
    """aiosmtpd handler: keeps delivered messages, refuses the addresses in `refuse`."""

    def __init__(self, refuse: set[str]) -> None:
        self.refuse = {address.lower() for address in refuse}
        self.messages: list[email.message.EmailMessage] = []

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address.lower() in self.refuse:
            return "550 5.1.1 <" + address + ">: mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append(parsed)  # type: ignore[arg-type]
        return "250 Message accepted for delivery"

    def text(self) -> str:
        return "\n".join(
            m.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
            for m in self.messages
        )


@dataclass(eq=False)  # handlers live in sets: keep identity hashing
class Capture(logging.Handler):
    """Every record from every logger, formatted with its exception and stack, as text."""

    lines: list[tuple[str, str]] = field(default_factory=list)
    client_records: int = 0

    def __post_init__(self) -> None:
        logging.Handler.__init__(self, logging.DEBUG)
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith(EXCLUDED_LOGGERS):
            return
        text = self.format(record)
        if record.name.startswith(("httpx", "httpcore")) and CLIENT_HOST in text:
            self.client_records += 1
            return
        extra = {k: v for k, v in vars(record).items() if k not in logging.LogRecord.__dict__}
        self.lines.append((record.name, f"{text} {extra!r}"))


@contextmanager
def everything_at_debug() -> Iterator[Capture]:
    """Attach `Capture` to the root logger, with the root and every named logger at DEBUG."""
    capture = Capture()
    root = logging.getLogger()
    loggers = [root, *(logging.getLogger(name) for name in list(root.manager.loggerDict))]
    levels = {logger: logger.level for logger in loggers}
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
    disabled = logging.root.manager.disable
    logging.disable(logging.NOTSET)
    logging.captureWarnings(True)
    root.addHandler(capture)
    try:
        yield capture
    finally:
        root.removeHandler(capture)
        logging.captureWarnings(False)
        logging.disable(disabled)
        for logger, level in levels.items():
            logger.setLevel(level)


def leaks(lines: list[tuple[str, str]], secrets: dict[str, str]) -> list[str]:
    """`logger: what` for every secret found in a line (the secret itself is not repeated)."""
    found = []
    for name, line in lines:
        folded = line.casefold()
        for what, secret in secrets.items():
            if secret.casefold() in folded:
                found.append(f"{name}: {what}")
    return sorted(set(found))


def test_the_leak_check_finds_what_it_looks_for():
    secrets = personal_strings(FFION)
    assert leaks([("x", "sent to someone.else@example.org")], secrets) == []
    assert "x: email" in leaks([("x", "sent to ffionella.qv.4417@example.ORG")], secrets)
    assert leaks([("y", "ward lookup NB73QT")], secrets) == ["y: postcode without space"]
    assert leaks([("z", "request route=/s/{token}")], secrets) == []


@dataclass
class Journey:
    client: Any
    mailbox: Mailbox


@pytest.fixture
async def journey(
    db: Any, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Journey]:
    """An app whose mail (the web's and the jobs') goes to aiosmtpd on 127.0.0.1."""
    mailbox = Mailbox(refuse={GWILYM["email"]})
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    smtp = {"smtp_host": "127.0.0.1", "smtp_port": port}
    monkeypatch.setenv("SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SMTP_PORT", str(port))
    monkeypatch.setenv("PUBLIC_URL", settings.public_url)
    get_settings.cache_clear()  # the jobs read get_settings()
    app = create_app(settings.model_copy(update=smtp), run_worker=False)
    try:
        async with AsyncTestClient(app=app, base_url=f"http://{CLIENT_HOST}") as client:
            client.follow_redirects = False
            yield Journey(client, mailbox)
    finally:
        controller.stop()
        monkeypatch.undo()
        get_settings.cache_clear()


def tokens_in(text: str) -> dict[str, str]:
    found = re.findall(r"/(s|panel/confirm|panel/me|panel/unsubscribe)/([A-Za-z0-9_-]{16,})", text)
    return {f"token in a {kind} link": token for kind, token in found}


async def test_a_whole_journey_logs_no_personal_data(journey: Journey, capfd: Any) -> None:
    client, mailbox = journey.client, journey.mailbox
    accepted = {"outcome": "accepted"}
    signups_before = REGISTRY.get_sample_value(SIGNUPS_METRIC, accepted) or 0.0
    with everything_at_debug() as capture:
        # A sign-up whose confirmation mail the server refuses: the error quotes the address.
        refused = await walk_signup(client, answers_for(GWILYM))
        assert refused.status_code == 303
        assert not mailbox.messages

        # Sign-up, then the confirmation link from the email.
        joined = await walk_signup(client, answers_for(FFION))
        assert joined.headers["location"] == "/panel/join/sent?how=email"
        [confirmation] = mailbox.messages
        confirm = re.search(r"/panel/confirm/[A-Za-z0-9_-]+", mailbox.text())
        assert confirm
        assert (await client.get(confirm.group(0))).status_code == 200
        confirmed = await post_form(client, confirm.group(0), {})
        assert confirmed.status_code == 200 and "You have joined" in confirmed.text
        # Both were accepted (a failed mail does not undo a sign-up): /metrics counts them.
        assert REGISTRY.get_sample_value(SIGNUPS_METRIC, accepted) == signups_before + 2
        member = await Member.select().where(Member.first_name == FFION["first_name"]).first()
        assert member is not None and member["status"] == "active"

        # Invitation by email through the job queue, answered through its link.
        await store_bank(SLUG)
        invited = await fieldwork.invite(SLUG, member_ids=[member["id"]], created_by="pm")
        assert invited.invited == {"email": 1}
        assert await jobs.run_until_empty() >= 1
        assert len(mailbox.messages) == 2
        link = re.search(r"/s/([0-9A-Z]{26})", mailbox.text())
        assert link, mailbox.text()
        token = link.group(1)
        assert (await client.get(f"/s/{token}")).status_code == 200
        pages = {
            "local_area": {"area_satisfaction": "very_satisfied"},
            "council_runs_things": {"council_satisfaction": "fairly_dissatisfied"},
            "value_for_money": {"value_for_money": "tend_to_agree"},
            "acts_on_concerns": {"acts_on_concerns": "fair_amount"},
            "keeps_informed": {"keeps_informed": "dont_know"},
            "trust": {"trust": "not_very_much"},
        }
        for page_id, fields in pages.items():
            assert (await client.get(f"/s/{token}/page/{page_id}")).status_code == 200
            sent = await post_form(client, f"/s/{token}/page/{page_id}", fields)
            assert sent.status_code == 303, (page_id, sent.text[:300])
        assert (await client.get(f"/s/{token}/check")).status_code == 200
        submitted = await post_form(client, f"/s/{token}/check", {})
        assert submitted.headers["location"] == f"/s/{token}/done"
        assert (await client.get(f"/s/{token}/done")).status_code == 200
        assert (await client.get(f"/s/{token}")).status_code == 410  # used now
        await jobs.run_until_empty()  # thank-you and the rest

        # The member's own pages from the emails (unsubscribe, self-service) open.
        for path in re.findall(r"/panel/(?:unsubscribe|me)/[A-Za-z0-9_-]+", mailbox.text()):
            assert (await client.get(path)).status_code == 200, path

        # Staff: subject access, an export with contact details by API token, erasure.
        admin, password = await create_staff("admin")
        assert (await sign_in(client, admin.email, password)).status_code == 303
        base = f"/staff/panel/data-protection/members/{member['id']}"
        assert (await client.get(base)).status_code == 200
        assert FFION["email"].lower() in (await client.get(f"{base}/data.json")).text.lower()
        api = await api_tokens.create(admin, "export notebook")
        export = await client.get(
            f"/api/surveys/{SLUG}/export?include_personal=true",
            headers={"authorization": f"Bearer {api.token}"},
        )
        assert export.status_code == 200 and FFION["email"].lower() in export.text.lower()
        erased = await post_form(client, f"{base}/erase", {"confirm": "yes"})
        assert erased.status_code == 303
        assert (await Member.select(Member.status).where(Member.id == member["id"]).first()) == {
            "status": "erased"
        }
        session_values = {
            f"cookie {name}": value for name, value in client.cookies.items() if len(value) >= 16
        }

    written = capfd.readouterr()
    secrets = {
        **{f"applicant's {k}": v for k, v in personal_strings(FFION).items()},
        **{f"refused applicant's {k}": v for k, v in personal_strings(GWILYM).items()},
        **tokens_in(mailbox.text()),
        **session_values,
        "API token": api.token,
        "survey link token": token,
    }
    assert len(secrets) > 25
    # The capture was live: our request log, the jobs and the test client's httpx all wrote.
    names = {name for name, _ in capture.lines}
    assert {"request", "jobs"} <= names, names
    assert capture.client_records > 20
    lines = [*capture.lines, ("stdout", written.out), ("stderr", written.err)]
    found = leaks(lines, secrets)
    assert not found, "personal data or tokens in the logs:\n" + "\n".join(found)
    assert confirmation["To"]  # the mail really went out (to the real address)


def test_the_production_server_writes_no_access_log(monkeypatch: pytest.MonkeyPatch):
    """uvicorn's access log prints the concrete path (a resident's token): `run` turns it off
    and our own request log (by route template) takes its place."""
    import uvicorn
    from click.testing import CliRunner

    from service import cli

    seen: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: seen.update(kwargs))
    monkeypatch.setattr(cli.migrate, "callback", lambda: None)
    result = CliRunner().invoke(cli.main, ["run", "--port", "8123"])
    assert result.exit_code == 0, result.output
    assert seen["access_log"] is False and seen["port"] == 8123
