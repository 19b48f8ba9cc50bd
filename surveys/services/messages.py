"""The words of invitations, reminders and thank-yous, in English and Welsh, and their rendering.

Email, text message and letter say the same things (who we are, why this person was chosen,
how long it takes, the link, a phone number for help, how to stop), so the sentences live here
once per language and the Jinja templates under `surveys/templates/mail/` only lay them out.
A member gets Welsh when their language is Welsh and the survey offers Welsh; otherwise English.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

KINDS = ("invitation", "reminder", "thank_you")

_TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "mail"

#: Welsh drafted by the engineering team: have a Welsh translator review before live use.
TEXT: dict[str, dict[str, str]] = {
    "en": {
        "subject.invitation": "{council}: have your say in '{title}'",
        "subject.reminder": "Reminder from {council}: have your say in '{title}'",
        "subject.thank_you": "{council}: thank you for taking part",
        "heading.invitation": "Have your say: {title}",
        "heading.reminder": "A reminder: {title}",
        "heading.thank_you": "Thank you for taking part",
        "greeting": "Dear {first_name},",
        "why": (
            "You are a member of {council}'s residents' panel. Members are chosen at random "
            "for each survey, so that together the people who answer are like the borough as "
            "a whole, and you were chosen for this one."
        ),
        "reminder": (
            "We wrote to you on {sent_on} to ask for your views. If you have answered since, "
            "thank you, and please ignore this message."
        ),
        "reminder_started": (
            "You have started answering: please use the link in our first message to finish. "
            "Your answers so far are saved."
        ),
        "time": "It takes about {minutes} minutes.",
        "link_heading": "Your personal link",
        "link_intro": "Use this personal link. It works once and only for you:",
        "link_text": "Start the survey: {title}",
        "letter_link": "Type this address into a web browser, or scan the QR code:",
        "qr_label": "QR code for your personal survey link",
        "help": ("If you need help, or would rather answer by phone or on paper, call {phone}."),
        "thanks": (
            "Thank you for answering '{title}'. Your answers help {council} understand what "
            "residents think and decide what to do next."
        ),
        "unsubscribe_intro": "Do not want {channel_name} from the residents' panel?",
        "unsubscribe_text": "Stop {channel_name} from the residents' panel",
        "unsubscribe_letter": "To stop letters from the residents' panel, call {phone}.",
        "sign_off": "Research team, {council}",
        "channel.email": "emails",
        "channel.sms": "text messages",
        "channel.post": "letters",
    },
    "cy": {
        "subject.invitation": "{council}: dweud eich dweud yn '{title}'",
        "subject.reminder": "Nodyn atgoffa gan {council}: dweud eich dweud yn '{title}'",
        "subject.thank_you": "{council}: diolch am gymryd rhan",
        "heading.invitation": "Dweud eich dweud: {title}",
        "heading.reminder": "Nodyn atgoffa: {title}",
        "heading.thank_you": "Diolch am gymryd rhan",
        "greeting": "Annwyl {first_name},",
        "why": (
            "Rydych chi'n aelod o banel preswylwyr {council}. Dewisir aelodau ar hap ar gyfer "
            "pob arolwg, fel bod y bobl sy'n ateb gyda'i gilydd yn debyg i'r fwrdeistref gyfan, "
            "a chawsoch chi eich dewis ar gyfer yr un hwn."
        ),
        "reminder": (
            "Ysgrifennon ni atoch chi ar {sent_on} i ofyn am eich barn. Os ydych chi wedi ateb "
            "ers hynny, diolch, ac anwybyddwch y neges hon."
        ),
        "reminder_started": (
            "Rydych chi wedi dechrau ateb: defnyddiwch y ddolen yn ein neges gyntaf i orffen. "
            "Mae eich atebion hyd yma wedi'u cadw."
        ),
        "time": "Mae'n cymryd tua {minutes} munud.",
        "link_heading": "Eich dolen bersonol",
        "link_intro": "Defnyddiwch y ddolen bersonol hon. Mae'n gweithio unwaith ac i chi yn unig:",
        "link_text": "Dechrau'r arolwg: {title}",
        "letter_link": "Teipiwch y cyfeiriad hwn mewn porwr gwe, neu sganiwch y cod QR:",
        "qr_label": "Cod QR ar gyfer eich dolen arolwg bersonol",
        "help": (
            "Os oes angen help arnoch chi, neu os byddai'n well gennych ateb dros y ffôn neu ar "
            "bapur, ffoniwch {phone}."
        ),
        "thanks": (
            "Diolch am ateb '{title}'. Mae eich atebion yn helpu {council} i ddeall barn "
            "preswylwyr a phenderfynu beth i'w wneud nesaf."
        ),
        "unsubscribe_intro": "Ddim eisiau {channel_name} gan y panel preswylwyr?",
        "unsubscribe_text": "Stopio {channel_name} gan y panel preswylwyr",
        "unsubscribe_letter": "I stopio llythyrau gan y panel preswylwyr, ffoniwch {phone}.",
        "sign_off": "Tîm ymchwil, {council}",
        "channel.email": "negeseuon e-bost",
        "channel.sms": "negeseuon testun",
        "channel.post": "llythyrau",
    },
}


def message_language(member_language: str, survey_languages: tuple[str, ...]) -> str:
    """Welsh for a Welsh-speaking member when the survey has Welsh; English otherwise."""
    if member_language == "cy" and "cy" in survey_languages:
        return "cy"
    return "en"


@dataclass(frozen=True)
class Content:
    """Everything one message says, already in the member's language."""

    kind: str
    lang: str
    council: str
    title: str
    first_name: str
    minutes: int
    phone: str
    channel: str
    link_url: str | None  # None: a reminder to someone who has started (their link still works)
    unsubscribe_url: str | None = None
    sent_on: dt.date | None = None

    def say(self, key: str) -> str:
        words = TEXT[self.lang]
        return words[key].format(
            council=self.council,
            title=self.title,
            first_name=self.first_name,
            minutes=self.minutes,
            phone=self.phone,
            channel_name=words[f"channel.{self.channel}"],
            sent_on=_long_date(self.sent_on, self.lang) if self.sent_on else "",
        )

    @property
    def subject(self) -> str:
        return self.say(f"subject.{self.kind}")

    def context(self) -> dict[str, Any]:
        return {"c": self, "say": self.say}


_CY_MONTHS = (
    "Ionawr", "Chwefror", "Mawrth", "Ebrill", "Mai", "Mehefin",
    "Gorffennaf", "Awst", "Medi", "Hydref", "Tachwedd", "Rhagfyr",
)  # fmt: skip


def _long_date(day: dt.date, lang: str) -> str:
    if lang == "cy":
        return f"{day.day} {_CY_MONTHS[day.month - 1]} {day.year}"
    return f"{day.day} {day:%B %Y}"


_html = jinja2.Environment(
    loader=jinja2.FileSystemLoader(_TEMPLATES),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
# Plain-text parts and text messages are not HTML: escaping would put &amp; into them.
_text = jinja2.Environment(
    loader=jinja2.FileSystemLoader(_TEMPLATES),
    autoescape=False,  # noqa: S701
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


def email_html(content: Content) -> str:
    return _html.get_template("email.html").render(content.context())


def email_text(content: Content) -> str:
    return _text.get_template("email.txt").render(content.context())


def sms_text(content: Content) -> str:
    return _text.get_template("sms.txt").render(content.context()).strip()
