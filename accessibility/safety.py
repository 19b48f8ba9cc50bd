"""The server-side request forgery guard: which addresses an audit may reach.

An audit makes this server fetch URLs that someone typed in. Without a guard, anyone who can
start an audit could make it read the council's internal systems (an intranet, a cloud
metadata endpoint at 169.254.169.254, a database admin page on localhost) and show the result
in a report. So every address an audit reaches — the crawler's requests, each redirect hop,
and every request the browser makes — is resolved and refused when it is private, loopback,
link-local or otherwise not on the public internet, unless the caller explicitly allows it
(``--allow-private`` on the CLI, or a site's ``allow_private`` setting).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from functools import lru_cache
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from playwright.async_api import Route

__all__ = ["RequestGuard", "UnsafeURL", "check_url", "check_url_sync", "is_public_address"]

_ALLOWED_SCHEMES = frozenset({"http", "https"})


class UnsafeURL(ValueError):
    """The URL may not be fetched by an audit; the message says why."""


def is_public_address(address: str) -> bool:
    """True when ``address`` (an IP literal) is an ordinary public internet address."""
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or not ip.is_global
    )


@lru_cache(maxsize=1024)
def _resolve(host: str) -> tuple[str, ...]:
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as error:
        raise UnsafeURL(f"cannot resolve host {host!r}: {error}") from None
    return tuple(sorted({str(info[4][0]) for info in infos}))


def check_url_sync(url: str, *, allow_private: bool = False) -> None:
    """Raise :class:`UnsafeURL` unless ``url`` is http(s) to a host we may reach.

    Every address the host resolves to must be public: a name resolving to both a public and
    a private address is refused, because the connection could go to either.
    """
    parts = urlsplit(url)
    if parts.scheme not in _ALLOWED_SCHEMES:
        raise UnsafeURL(f"only http and https URLs can be audited, not {parts.scheme or 'none'!r}")
    host = parts.hostname
    if not host:
        raise UnsafeURL(f"the URL {url!r} has no host")
    if parts.username or parts.password:
        raise UnsafeURL("URLs with a user name or password in them are refused")
    if allow_private:
        return
    for address in _resolve(host):
        if not is_public_address(address.split("%", 1)[0]):
            raise UnsafeURL(
                f"{host} resolves to {address}, a private, loopback or link-local address; "
                "audits only reach public addresses unless private ones are explicitly allowed "
                "(--allow-private, or the site's 'allow private addresses' setting)"
            )


async def check_url(url: str, *, allow_private: bool = False) -> None:
    """Async :func:`check_url_sync`: name resolution runs in a thread, off the event loop."""
    if allow_private:
        check_url_sync(url, allow_private=True)
        return
    await asyncio.to_thread(check_url_sync, url, allow_private=False)


class RequestGuard:
    """A Playwright route handler refusing the browser's requests to private addresses
    (SSRF through a page's resources); each host is checked once per pool."""

    def __init__(self) -> None:
        self._host_ok: dict[str, bool] = {}

    async def __call__(self, route: Route) -> None:
        """Refuse the browser's requests to private addresses (SSRF via page resources)."""
        url = route.request.url
        host = urlsplit(url).hostname or ""
        if url.startswith(("http://", "https://")):
            allowed = self._host_ok.get(host)
            if allowed is None:
                try:
                    await asyncio.to_thread(check_url_sync, url)
                    allowed = True
                except UnsafeURL:
                    allowed = False
                self._host_ok[host] = allowed
            if not allowed:
                await route.abort("blockedbyclient")
                return
        await route.continue_()
