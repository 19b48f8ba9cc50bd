"""The client's address behind reverse proxies, for rate limits and lock-outs.

Behind a proxy every request's peer is the proxy, so without this one resident's open-link
starts, or one officer's failed sign-ins, would lock out everyone. `X-Forwarded-For` is only
believed when the peer is a proxy the operator listed in `FORWARDED_ALLOW_IPS` (IPs or CIDRs,
comma-separated; default none): anyone can send the header, so from an untrusted peer it is
ignored. Hops are read right to left and the first one that is not a trusted proxy is the
client (each proxy appends the address it saw; only the rightmost hops were written by our
own proxies, everything to their left could be forged by the client).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class ProxyListError(ValueError):
    """FORWARDED_ALLOW_IPS holds something that is neither an IP address nor a network."""


@lru_cache(maxsize=8)
def parse_networks(spec: str) -> tuple[IPNetwork, ...]:
    """`"10.0.0.1, 192.168.0.0/16"` → networks; ProxyListError naming the bad entry."""
    networks: list[IPNetwork] = []
    for entry in (part.strip() for part in spec.split(",")):
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            raise ProxyListError(
                f"FORWARDED_ALLOW_IPS: {entry!r} is not an IP address or network "
                "(use e.g. 10.0.0.5 or 10.0.0.0/24, comma-separated)"
            ) from None
    return tuple(networks)


def _is_trusted(host: str, networks: Iterable[IPNetwork]) -> bool:
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return any(address in network for network in networks)


def client_address(
    peer: str | None, forwarded_for: Iterable[str], networks: tuple[IPNetwork, ...]
) -> str:
    """The address a request came from, given its peer and its X-Forwarded-For values."""
    if not peer:
        return "unknown"
    if not networks or not _is_trusted(peer, networks):
        return peer
    hops = [hop.strip() for value in forwarded_for for hop in value.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _is_trusted(hop, networks):
            return hop
    # Every hop is one of our proxies (or there were none): the leftmost is as close as we get.
    return hops[0] if hops else peer


def request_address(request: Any, networks: tuple[IPNetwork, ...]) -> str:
    """`client_address` for a Litestar request."""
    peer = request.client.host if request.client else None
    return client_address(peer, request.headers.getall("x-forwarded-for", []), networks)
