"""The server-side request forgery guard: which addresses an audit may reach.

An audit makes this server fetch URLs that someone typed in. Without a guard, anyone who can
start an audit could make it read the council's internal systems (an intranet, a cloud
metadata endpoint at 169.254.169.254, a database admin page on localhost) and show the result
in a report. So every address an audit reaches — the crawler's requests, each redirect hop,
and every request the browser makes — is resolved and refused when it is private, loopback,
link-local or otherwise not on the public internet, unless the caller explicitly allows it
(``--allow-private`` on the CLI, or a site's ``allow_private`` setting), and then only for the
site's own hosts. An audit run does this through one :class:`AddressPolicy`, which also pins
each host's address for the run (see below); ``check_url`` is the one-off check.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import threading
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from urllib.parse import urlsplit

import httpx

__all__ = [
    "AddressPolicy",
    "PinnedTransport",
    "UnsafeURL",
    "check_url",
    "check_url_sync",
    "is_public_address",
]

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


# -- one run's address policy: resolve once, pin, check every hop -----------------------------
#
# ``check_url`` resolves a name and throws the answer away; httpx and Chromium then resolve it
# again, so a name that answers "public" to us and "169.254.169.254" to them (DNS rebinding)
# got past the guard. An :class:`AddressPolicy` is made once per run: it resolves each host
# once, keeps (pins) the answer, and every connection of the run — the crawler's httpx
# requests through :class:`PinnedTransport`, the browser's through ``guard_proxy`` — goes to
# the pinned address, after the same check, on every redirect hop and every sub-resource.

Resolver = Callable[[str], Sequence[str]]


def system_resolver(host: str) -> tuple[str, ...]:
    """The operating system's answer for ``host`` (every address, sorted)."""
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as error:
        raise UnsafeURL(f"cannot resolve host {host!r}: {error}") from None
    return tuple(sorted({str(info[4][0]).split("%", 1)[0] for info in infos}))


def _never_reachable(address: str) -> bool:
    """Link-local (cloud metadata at 169.254.169.254, fe80::), multicast and unspecified
    addresses: no audited site lives there, so they are refused even when a site may use
    private addresses."""
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_link_local or ip.is_multicast or ip.is_unspecified


class AddressPolicy:
    """Which addresses one run may connect to, with each host's address pinned.

    ``allow_private`` lets the hosts in ``private_hosts`` (the audited site's own host names,
    from its start URLs) be private or loopback addresses; every other host, including any a
    redirect or a sub-resource names, must still be public. ``private_hosts=None`` lets any
    host be private (a pool made by hand for one trusted local site; ``run_audit`` always
    names the site's hosts). Link-local, multicast and
    unspecified addresses are never allowed. ``resolver`` is injectable so tests can play a
    name server that changes its answer; it is asked at most once per host per run.
    """

    def __init__(
        self,
        *,
        allow_private: bool = False,
        private_hosts: Iterable[str] | None = (),
        resolver: Resolver | None = None,
    ) -> None:
        self.allow_private = allow_private
        self.private_hosts = (
            None
            if private_hosts is None
            else frozenset(h.lower().strip("[]") for h in private_hosts)
        )
        self._resolver = resolver or system_resolver
        self._pins: dict[str, tuple[str, ...]] = {}
        self._lock = threading.Lock()
        #: Every refused URL of the run and why, newest last (for the run's log and tests).
        self.blocked: list[tuple[str, str]] = []

    @classmethod
    def for_site(
        cls, start_urls: Iterable[str], *, allow_private: bool, resolver: Resolver | None = None
    ) -> AddressPolicy:
        hosts = [urlsplit(u).hostname or "" for u in start_urls]
        return cls(allow_private=allow_private, private_hosts=hosts, resolver=resolver)

    def addresses(self, host: str) -> tuple[str, ...]:
        """The pinned addresses of ``host`` (resolved on first use, never again this run)."""
        host = host.lower().strip("[]")
        with self._lock:
            pinned = self._pins.get(host)
            if pinned is None:
                try:
                    pinned = (str(ipaddress.ip_address(host)),)
                except ValueError:
                    pinned = tuple(self._resolver(host))
                if not pinned:
                    raise UnsafeURL(f"cannot resolve host {host!r}: no addresses")
                self._pins[host] = pinned
            return pinned

    def check(self, url: str) -> str:
        """Raise :class:`UnsafeURL` unless ``url`` may be fetched; return the address to use.

        Every address of the host must be allowed (a name with one public and one private
        answer is refused: the connection could go to either).
        """
        try:
            parts = urlsplit(url)
            if parts.scheme not in _ALLOWED_SCHEMES:
                raise UnsafeURL(f"only http and https URLs can be audited, not {parts.scheme!r}")
            host = (parts.hostname or "").lower()
            if not host:
                raise UnsafeURL(f"the URL {url!r} has no host")
            if parts.username or parts.password:
                raise UnsafeURL("URLs with a user name or password in them are refused")
            addresses = self.addresses(host)
            for address in addresses:
                if _never_reachable(address):
                    raise UnsafeURL(f"{host} resolves to {address}, a link-local address")
                if is_public_address(address):
                    continue
                if not self._may_be_private(host):
                    raise UnsafeURL(
                        f"{host} resolves to {address}, a private, loopback or link-local "
                        "address; only the audited site's own hosts may be private, and only "
                        "when an administrator allowed private addresses for it"
                    )
            return addresses[0]
        except UnsafeURL as error:
            self.blocked.append((url, str(error)))
            raise

    def _may_be_private(self, host: str) -> bool:
        if not self.allow_private:
            return False
        return self.private_hosts is None or host in self.private_hosts

    async def check_async(self, url: str) -> str:
        """:meth:`check` with name resolution in a thread, off the event loop."""
        return await asyncio.to_thread(self.check, url)


class PinnedTransport(httpx.AsyncBaseTransport):
    """An httpx transport that checks each request with the run's policy and connects to the
    pinned address, so httpx never resolves a name itself. The ``Host`` header and TLS
    server name (SNI and certificate check) stay the real host name."""

    def __init__(self, policy: AddressPolicy, inner: httpx.AsyncBaseTransport | None = None):
        self.policy = policy
        self._inner = inner or httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        host = request.url.host
        try:
            address = await self.policy.check_async(str(request.url))
        except UnsafeURL as error:
            raise httpx.ConnectError(f"refused by the audit's address guard: {error}") from None
        request.url = request.url.copy_with(host=address)
        if request.url.scheme == "https":
            request.extensions = {**request.extensions, "sni_hostname": host}
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()
