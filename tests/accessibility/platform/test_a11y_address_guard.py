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


async def test_https_through_the_proxy_checks_every_hop_of_a_real_tls_server() -> None:
    """A real TLS server on 127.0.0.1 (certificate from a test CA, trustme) for the audited
    host: the page loads through the proxy's CONNECT tunnel with the certificate checked, and
    its redirect to the metadata address over HTTPS is refused at the proxy, never connected."""
    import ssl
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    import trustme

    ca = trustme.CA()
    server_cert = ca.issue_cert("site.test")
    served: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            served.append(self.path)
            if self.path == "/go":
                self.send_response(302)
                self.send_header("Location", "https://169.254.169.254/latest/meta-data/")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            body = b"secure page"
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_cert.configure_cert(context)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    try:
        policy = AddressPolicy.for_site(
            ["https://site.test/"], allow_private=True, resolver=lambda host: ["127.0.0.1"]
        )
        async with GuardProxy(policy) as proxy:
            client_ctx = ssl.create_default_context()
            ca.configure_trust(client_ctx)
            async with httpx.AsyncClient(proxy=proxy.url, verify=client_ctx) as client:
                page = await client.get(f"https://site.test:{port}/")
                assert page.status_code == 200 and page.text == "secure page"
                hop = await client.get(f"https://site.test:{port}/go")
                assert hop.status_code == 302
                with pytest.raises(httpx.ProxyError, match="403"):
                    await client.get(hop.headers["location"])
    finally:
        server.shutdown()
        server.server_close()
    assert served == ["/", "/go"]
    assert _blocked_hosts(policy) == {"169.254.169.254"}


_GATHER = """async () => {
  const pc = new RTCPeerConnection({iceServers: [{urls: "stun:10.0.0.1:3478"}]});
  const found = [];
  pc.onicecandidate = (e) => { if (e.candidate) found.push(e.candidate.candidate); };
  pc.createDataChannel("x");
  await pc.setLocalDescription(await pc.createOffer());
  await new Promise((done) => {
    if (pc.iceGatheringState === "complete") return done();
    pc.onicegatheringstatechange = () => pc.iceGatheringState === "complete" && done();
    setTimeout(done, 3000);
  });
  pc.close();
  return found;
}"""


@pytest.mark.browser
async def test_webrtc_gathers_no_candidates_around_the_proxy(browser: Any, make_site: Any) -> None:
    """With PROXY_ONLY_CHROMIUM_ARGS, a page's RTCPeerConnection finds no host or
    server-reflexive candidates (no UDP from this machine, no STUN to a private address)."""
    from accessibility.browser import CHROMIUM_ARGS, BrowserPool
    from accessibility.guard_proxy import PROXY_ONLY_CHROMIUM_ARGS

    assert set(PROXY_ONLY_CHROMIUM_ARGS) <= set(CHROMIUM_ARGS)
    site = make_site({"/": html("webrtc")})
    policy = AddressPolicy.for_site([f"{site.url}/"], allow_private=True)
    pool = BrowserPool(browser, policy=policy)
    try:
        async with pool.context() as context:
            page = await context.new_page()
            await page.goto(f"{site.url}/")
            candidates = await page.evaluate(_GATHER)
    finally:
        await pool.close()
    assert not [c for c in candidates if " typ host" in c or " typ srflx" in c], candidates
