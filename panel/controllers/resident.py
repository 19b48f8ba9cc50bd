"""Resident-facing panel pages: reached by a personal link, no sign-in (unsubscribe here;
self-service in `self_service`, sign-up in `signup`)."""

from __future__ import annotations

from litestar import Controller, get, post
from litestar.response import Template
from litestar.status_codes import HTTP_200_OK, HTTP_404_NOT_FOUND

from panel.services import unsubscribe, unsubscribe_target
from service.auth import RESIDENT_OPT, public

CHANNEL_NAMES = {"email": "email", "sms": "text message", "post": "post", "phone": "phone"}
NO_STORE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


class UnsubscribePages(Controller):
    """`/panel/unsubscribe/{token}`: no sign-in; GET asks, POST withdraws consent for a channel.

    The POST is exempt from CSRF because mail clients send RFC 8058 one-click unsubscribes
    (`List-Unsubscribe=One-Click`) as a bare POST; the unguessable token is the authority, and
    the only thing it can do is stop contact on one channel.
    """

    path = "/panel/unsubscribe"
    guards = [public]  # noqa: RUF012
    opt = RESIDENT_OPT
    include_in_schema = False

    @get("/{token:str}")
    async def confirm(self, token: str) -> Template:
        target = await unsubscribe_target(token)
        if target is None:
            return _unsubscribe_page("unknown", None)
        return _unsubscribe_page("confirm", target[1])

    @post("/{token:str}", status_code=HTTP_200_OK, opt={"exclude_from_csrf": True})
    async def withdraw(self, token: str) -> Template:
        channel = await unsubscribe(token)
        return _unsubscribe_page("unknown" if channel is None else "done", channel)


def _unsubscribe_page(state: str, channel: str | None) -> Template:
    name = CHANNEL_NAMES.get(channel or "", "")
    titles = {
        "confirm": f"Stop contact by {name}",
        "done": f"You will not be contacted by {name}",
        "unknown": "We do not recognise this link",
    }
    return Template(
        "panel/unsubscribe.html",
        context={"state": state, "channel_name": name, "title": titles[state]},
        status_code=HTTP_404_NOT_FOUND if state == "unknown" else HTTP_200_OK,
        headers=NO_STORE,
    )
