"""The SSRF guard, fingerprints and run-to-run tracking: pure functions, no browser."""

from __future__ import annotations

import pytest

from accessibility.fingerprints import (
    fingerprint,
    normalise_selector,
    template_from_skeleton,
    template_from_url,
)
from accessibility.safety import UnsafeURL, check_url_sync, is_public_address
from accessibility.tracking import classify, fixed


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("172.16.0.1", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),  # cloud metadata
        ("100.64.0.1", False),  # carrier-grade NAT
        ("0.0.0.0", False),
        ("::1", False),
        ("fe80::1", False),
        ("fc00::1", False),
        ("::ffff:127.0.0.1", False),  # IPv4-mapped loopback
        ("224.0.0.1", False),
        ("8.8.8.8", True),
        ("2a00:1450:4009:81f::200e", True),
    ],
)
def test_public_addresses(address: str, public: bool) -> None:
    assert is_public_address(address) is public


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://127.0.0.1:8000/", "private, loopback or link-local"),
        ("http://169.254.169.254/latest/meta-data/", "private, loopback or link-local"),
        ("http://localhost/", "private, loopback or link-local"),
        ("http://[::1]/", "private, loopback or link-local"),
        ("file:///etc/passwd", "only http and https"),
        ("gopher://127.0.0.1/", "only http and https"),
        ("http://user:pass@127.0.0.1/", "user name or password"),
        ("http:///nohost", "has no host"),
    ],
)
def test_unsafe_urls_are_refused(url: str, why: str) -> None:
    with pytest.raises(UnsafeURL, match=why):
        check_url_sync(url)


def test_allow_private_lets_loopback_through_but_not_other_schemes() -> None:
    check_url_sync("http://127.0.0.1:8000/", allow_private=True)
    with pytest.raises(UnsafeURL):
        check_url_sync("file:///etc/passwd", allow_private=True)


def test_selector_normalisation_ignores_positions_numbers_and_values() -> None:
    a = normalise_selector('#main > ul:nth-child(3) > li:nth-child(12) > a[href="/bins/42"]')
    b = normalise_selector("#main > ul:nth-child(2) > li:nth-child(1) > a[href='/parking/7']")
    assert a == b == "#main > ul > li > a[href]"
    assert normalise_selector("#question-3") == normalise_selector("#question-14")
    assert normalise_selector(".nav > a") != normalise_selector(".footer > a")


def test_fingerprint_same_problem_same_template_same_id() -> None:
    template = template_from_skeleton("header.site|main#content|footer")
    one = fingerprint("image-alt", "#content > p:nth-child(2) > img", template)
    two = fingerprint("image-alt", "#content > p:nth-child(5) > img", template)
    assert one == two
    assert one != fingerprint("label", "#content > p:nth-child(2) > img", template)
    other = template_from_skeleton("header.site|main#content.wide|footer")
    assert one != fingerprint("image-alt", "#content > p:nth-child(2) > img", other)


def test_url_template_masks_ids() -> None:
    assert template_from_url("https://c.example/news/2024/bins") == template_from_url(
        "https://c.example/news/2025/parking"
    )
    assert template_from_url("https://c.example/news/1") != template_from_url("https://c.example/")


def test_classify_new_still_regressed() -> None:
    changes = classify(["a", "b", "c"], previous={"a", "x"}, earlier={"b", "y"})
    assert changes == {"a": "still", "b": "regressed", "c": "new"}
    assert classify(["a"], previous=None, earlier=set()) == {"a": "new"}


def test_fixed_needs_a_page_checked_properly() -> None:
    previous = {"gone": ["/p1"], "gone-unchecked": ["/slow"], "kept": ["/p1"]}
    assert fixed({"kept"}, previous, checked_ok={"/p1"}) == ["gone"]


def test_only_violations_count_against_a_page_score() -> None:
    from accessibility.audit import page_score
    from tests.accessibility.platform.fakes import finding

    url = "https://c.example/"
    assert page_score([]) == 100
    assert page_score([finding("image-alt", "img", url, kind="review")]) == 100
    assert page_score([finding("image-alt", "img", url), finding("link-text", "a", url)]) == 88
    assert page_score([finding("image-alt", f"#i{n}", url) for n in range(20)]) == 0
