"""The messages sign-up sends: the confirmation link, or "you are already a member".

Plain text and an accessible HTML part, in the applicant's language, through `service.mail`.
The "already a member" message answers a repeat sign-up without telling whoever filled in the
form that the address is on the panel (no account enumeration on the page).
"""

from __future__ import annotations

from html import escape

from panel.signup_words import words
from service.mail import Mail, send_mail
from service.settings import Settings, get_settings


def _html(paragraphs: list[str], link: str, link_text: str, lang: str) -> str:
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    return (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
        f"<title>{escape(link_text)}</title></head><body>{body}"
        f'<p><a href="{escape(link)}">{escape(link_text)}</a></p></body></html>'
    )


def confirmation_mail(to: str, link: str, lang: str, settings: Settings) -> Mail:
    w = words(lang)
    paragraphs = [
        w["mail_confirm_intro"].format(council=settings.council_name),
        w["mail_confirm_expiry"],
        w["mail_not_you"].format(phone=settings.support_phone),
    ]
    text = "\n\n".join([paragraphs[0], f"{w['mail_confirm_link']}: {link}", *paragraphs[1:]])
    return Mail(
        to=to,
        subject=w["mail_confirm_subject"],
        text=text,
        html=_html(paragraphs, link, w["mail_confirm_link"], lang),
    )


def already_member_mail(to: str, link: str, lang: str, settings: Settings) -> Mail:
    w = words(lang)
    paragraphs = [
        w["mail_member_intro"].format(council=settings.council_name),
        w["mail_not_you"].format(phone=settings.support_phone),
    ]
    text = "\n\n".join([paragraphs[0], f"{w['mail_member_link']}: {link}", paragraphs[1]])
    return Mail(
        to=to,
        subject=w["mail_member_subject"],
        text=text,
        html=_html(paragraphs, link, w["mail_member_link"], lang),
    )


async def send(mail: Mail, settings: Settings | None = None) -> None:
    await send_mail(mail, settings or get_settings())
