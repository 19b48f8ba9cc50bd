"""Redirect hops, sub-resources and DNS answers are all checked and pinned (issue 9).

The audited site is a local server on 127.0.0.1, allowed because the site may use private
addresses; the forbidden targets (169.254.169.254, 10.0.0.1) are other addresses, which the
guard must refuse without ever connecting to them.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from accessibility.audit import AuditOptions, run_audit
from accessibility.crawl import CrawlConfig
from accessibility.guard_proxy import GuardProxy
from accessibility.safety import AddressPolicy, PinnedTransport, UnsafeURL
from tests.accessibility.platform.conftest import html

METADATA = "http://169.254.169.254/latest/meta-data/"
INTRANET = "http://10.0.0.1/secret.png"


def _blocked_hosts(policy: AddressPolicy) -> set[str]:
    return {httpx.URL(url).host for url, _ in policy.blocked}


def test_private_addresses_are_allowed_only_for_the_sites_own_hosts() -> None:
    policy = AddressPolicy.for_site(["http://127.0.0.1:8000/"], allow_private=True)
    assert policy.check("http://127.0.0.1:9000/x") == "127.0.0.1"
    for url in (METADATA, INTRANET, "http://[fe80::1]/"):
        with pytest.raises(UnsafeURL):
            policy.check(url)
    assert _blocked_hosts(policy) == {"169.254.169.254", "10.0.0.1", "fe80::1"}
    with pytest.raises(UnsafeURL):
        AddressPolicy.for_site(["http://127.0.0.1/"], allow_private=False).check(
            "http://127.0.0.1/"
        )


def test_the_metadata_address_is_refused_even_as_the_sites_own_host() -> None:
    policy = AddressPolicy.for_site([METADATA], allow_private=True)
    with pytest.raises(UnsafeURL, match="link-local"):
        policy.check(METADATA)


class Rebinding:
    """A name server that answers ``first`` once, then ``later`` for ever (DNS rebinding)."""

    def __init__(self, first: str, later: str) -> None:
        self.first, self.later, self.calls = first, later, 0

    def __call__(self, host: str) -> list[str]:
        assert host == "rebind.test", f"unexpected lookup of {host}"
        self.calls += 1
        return [self.first if self.calls == 1 else self.later]


def test_a_host_is_resolved_once_and_its_address_pinned() -> None:
    resolver = Rebinding("127.0.0.1", "169.254.169.254")
    policy = AddressPolicy.for_site(["http://rebind.test/"], allow_private=True, resolver=resolver)
    assert [policy.check("http://rebind.test/") for _ in range(3)] == ["127.0.0.1"] * 3
    assert resolver.calls == 1


async def test_the_crawlers_httpx_connects_to_the_pinned_address(make_site: Any) -> None:
    site = make_site({"/": html("home")})
    port = httpx.URL(site.url).port
    resolver = Rebinding("127.0.0.1", "169.254.169.254")
    policy = AddressPolicy.for_site(["http://rebind.test/"], allow_private=True, resolver=resolver)
    async with httpx.AsyncClient(transport=PinnedTransport(policy)) as client:
        for _ in range(3):
            response = await client.get(f"http://rebind.test:{port}/")
            assert response.status_code == 200 and b"home" in response.content
    assert resolver.calls == 1
    assert site.paths() == ["/", "/", "/"]


@pytest.mark.browser
async def test_a_redirect_hop_to_the_metadata_address_is_refused(
    browser: Any, make_site: Any
) -> None:
    site = make_site({"/": (302, {"Location": METADATA}, b"")})
    config = CrawlConfig(start_urls=[f"{site.url}/"], follow_links=False, allow_private=True)
    policy = AddressPolicy.for_site(config.start_urls, allow_private=True)
    options = AuditOptions(axe=False, allow_private=True)
    result = await run_audit(config, options, browser=browser, policy=policy)
    assert "169.254.169.254" in _blocked_hosts(policy)
    [page] = result.pages
    assert page.audit.status != "ok"
    assert not page.screenshots


@pytest.mark.browser
async def test_a_sub_resource_redirected_to_the_intranet_is_refused(
    browser: Any, make_site: Any
) -> None:
    site = make_site(
        {
            "/": html('<img src="/pic" alt="A picture">'),
            "/pic": (302, {"Location": INTRANET}, b""),
        }
    )
    config = CrawlConfig(start_urls=[f"{site.url}/"], follow_links=False, allow_private=True)
    policy = AddressPolicy.for_site(config.start_urls, allow_private=True)
    result = await run_audit(config, AuditOptions(axe=False), browser=browser, policy=policy)
    assert result.pages[0].audit.status == "ok"
    assert "/pic" in site.paths(), "the first hop was on the site and was loaded"
    assert "10.0.0.1" in _blocked_hosts(policy)


@pytest.mark.browser
async def test_dns_rebinding_cannot_move_the_crawler_or_the_browser(
    browser: Any, make_site: Any
) -> None:
    site = make_site(
        {
            "/": html('<a href="/a">A</a> <a href="/b">B</a>'),
            **{"/a": html("a", "A"), "/b": html("b", "B")},
        }
    )
    port = httpx.URL(site.url).port
    resolver = Rebinding("127.0.0.1", "169.254.169.254")
    start = f"http://rebind.test:{port}/"
    config = CrawlConfig(start_urls=[start], allow_private=True, use_sitemaps=False)
    options = AuditOptions(axe=False, screenshots=False, allow_private=True)
    result = await run_audit(config, options, browser=browser, resolver=resolver)
    statuses = {p.url: p.audit.status for p in result.pages}
    assert statuses == {start: "ok", f"{start}a": "ok", f"{start}b": "ok"}
    assert resolver.calls == 1, "one answer, pinned for the crawler and the browser"


async def _proxy_exchange(proxy_url: str, request: bytes) -> tuple[bytes, Any, Any]:
    url = httpx.URL(proxy_url)
    reader, writer = await asyncio.open_connection(url.host, url.port)
    writer.write(request)
    await writer.drain()
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
    return head, reader, writer


async def test_https_tunnels_are_checked_and_pinned_too(make_site: Any) -> None:
    site = make_site({"/": html("tunnelled")})
    port = httpx.URL(site.url).port
    resolver = Rebinding("127.0.0.1", "169.254.169.254")
    policy = AddressPolicy.for_site(["https://rebind.test/"], allow_private=True, resolver=resolver)
    async with GuardProxy(policy) as proxy:
        head, _, writer = await _proxy_exchange(
            proxy.url, b"CONNECT 169.254.169.254:443 HTTP/1.1\r\nHost: x\r\n\r\n"
        )
        writer.close()
        assert head.startswith(b"HTTP/1.1 403")
        assert "169.254.169.254" in _blocked_hosts(policy)
        # A tunnel to the pinned address (a plain server stands in for TLS here).
        head, reader, writer = await _proxy_exchange(
            proxy.url, f"CONNECT rebind.test:{port} HTTP/1.1\r\nHost: x\r\n\r\n".encode()
        )
        assert head.startswith(b"HTTP/1.1 200")
        writer.write(b"GET / HTTP/1.1\r\nHost: rebind.test\r\nConnection: close\r\n\r\n")
        await writer.drain()
        body = await asyncio.wait_for(reader.read(), 5)
        writer.close()
    assert b"200 OK" in body and b"tunnelled" in body
    assert resolver.calls == 1
