"""The client address behind reverse proxies (FORWARDED_ALLOW_IPS), both sides.

Before: the sign-in lock-out and the open-link limit used the peer address only, so behind a
proxy every visitor shared the proxy's address and one person's failures locked out everyone.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from pydantic import ValidationError

from service.proxies import client_address, parse_networks
from service.settings import Settings
from tests.conftest import post_form

PROXY = "10.0.0.5"


def test_untrusted_peer_is_the_client_whatever_the_header_says() -> None:
    assert client_address("198.51.100.9", ["203.0.113.1"], ()) == "198.51.100.9"
    nets = parse_networks("10.0.0.0/8")
    assert client_address("198.51.100.9", ["203.0.113.1"], nets) == "198.51.100.9"


def test_trusted_peer_gives_the_rightmost_untrusted_hop() -> None:
    nets = parse_networks("10.0.0.0/8, 192.168.1.1")
    assert client_address(PROXY, ["203.0.113.1"], nets) == "203.0.113.1"
    # The client wrote the leftmost hop itself: it is not believed.
    assert client_address(PROXY, ["6.6.6.6, 203.0.113.1"], nets) == "203.0.113.1"
    assert client_address(PROXY, ["6.6.6.6, 203.0.113.1, 192.168.1.1"], nets) == "203.0.113.1"
    assert client_address(PROXY, ["6.6.6.6", "203.0.113.1"], nets) == "203.0.113.1"
    assert client_address(PROXY, [], nets) == PROXY
    assert client_address(PROXY, ["10.1.1.1, 10.2.2.2"], nets) == "10.1.1.1"
    assert client_address(None, [], nets) == "unknown"


def test_a_bad_proxy_list_fails_at_start_up_naming_the_setting() -> None:
    with pytest.raises(ValidationError, match=r"FORWARDED_ALLOW_IPS: 'proxy\.example'"):
        Settings(secret_key="x" * 40, forwarded_allow_ips="10.0.0.1, proxy.example")
    assert Settings(secret_key="x" * 40).trusted_proxies == ()


ClientFactory = Callable[[str], Any]


@pytest.fixture
async def via_proxy(db: Any, settings: Any) -> AsyncIterator[ClientFactory]:
    """`await via_proxy(allow)` → an HTTP client whose every request arrives from PROXY, on an
    app with FORWARDED_ALLOW_IPS=allow and a small per-address sign-in limit."""
    from service.app import create_app

    clients: list[httpx.AsyncClient] = []

    async def make(allow: str) -> httpx.AsyncClient:
        app = create_app(
            settings.model_copy(
                update={"forwarded_allow_ips": allow, "signin_max_failures_address": 3}
            ),
            run_worker=False,
        )
        transport = httpx.ASGITransport(app=app, client=(PROXY, 40000))
        client = httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000")
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.aclose()


async def _fail(client: httpx.AsyncClient, n: int, forwarded: str) -> int:
    response = await post_form(
        client,
        "/staff/sign-in",
        {"email": f"nobody{n}@council.example.gov.uk", "password": "wrong", "next": "/staff"},
        headers={"x-forwarded-for": forwarded},
    )
    return response.status_code


async def test_behind_a_trusted_proxy_each_visitor_has_their_own_limit(via_proxy: Any) -> None:
    client = await via_proxy("10.0.0.0/24")
    assert [await _fail(client, i, "203.0.113.1") for i in range(3)] == [400, 400, 400]
    assert await _fail(client, 3, "203.0.113.1") == 429
    # Another resident behind the same proxy is not locked out…
    assert await _fail(client, 4, "203.0.113.2") == 400
    # …and the locked-out one cannot escape by prepending a made-up hop.
    assert await _fail(client, 5, "198.51.100.77, 203.0.113.1") == 429


async def test_an_untrusted_peer_cannot_choose_its_address(via_proxy: Any) -> None:
    client = await via_proxy("")
    assert [await _fail(client, i, f"203.0.113.{i}") for i in range(3)] == [400, 400, 400]
    assert await _fail(client, 3, "203.0.113.99") == 429


async def test_open_link_starts_are_limited_per_visitor_behind_the_proxy(via_proxy: Any) -> None:
    from surveys.services import definitions_store, links
    from surveys.tables import SurveyLink
    from tests.surveys.conftest import store_bank

    await store_bank("resident-satisfaction")
    await definitions_store.set_open_link("resident-satisfaction", True)
    client = await via_proxy("10.0.0.0/24")

    async def start(forwarded: str) -> int:
        client.cookies.clear()
        response = await post_form(
            client, "/o/resident-satisfaction", {}, headers={"x-forwarded-for": forwarded}
        )
        return response.status_code

    for _ in range(links.OPEN_STARTS_PER_HOUR):
        assert await start("203.0.113.1") == 303
    assert await start("203.0.113.1") == 429
    assert await start("203.0.113.2") == 303  # a neighbour behind the same proxy still can
    assert await SurveyLink.count() == links.OPEN_STARTS_PER_HOUR + 1
