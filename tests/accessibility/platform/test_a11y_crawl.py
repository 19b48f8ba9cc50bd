"""The crawler against small sites served on 127.0.0.1: robots, sitemaps, scope, links, PDFs."""

from __future__ import annotations

import gzip
import io
import time

import pytest
from pypdf import PdfWriter
from pypdf.generic import BooleanObject, DictionaryObject, NameObject, TextStringObject

from accessibility.crawl import CrawlConfig, crawl, normalise_url
from accessibility.crawl.links import extract_links
from accessibility.crawl.pdf import check_pdf
from accessibility.crawl.sitemaps import SitemapError, parse_sitemap
from accessibility.crawl.urls import Scope
from accessibility.safety import UnsafeURL
from tests.accessibility.platform.conftest import html

HTML = {"Content-Type": "text/html; charset=utf-8"}
XML = {"Content-Type": "application/xml"}


def config(url: str, **kwargs: object) -> CrawlConfig:
    defaults: dict[str, object] = {"rate_limit": 100, "allow_private": True}
    return CrawlConfig(start_urls=[url], **{**defaults, **kwargs})  # type: ignore[arg-type]


def pdf_bytes(*, tagged: bool, title: str | None, lang: str | None) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    if title:
        writer.add_metadata({"/Title": title})
        writer._root_object[NameObject("/ViewerPreferences")] = DictionaryObject(
            {NameObject("/DisplayDocTitle"): BooleanObject(True)}
        )
    if lang:
        writer._root_object[NameObject("/Lang")] = TextStringObject(lang)
    if tagged:
        writer._root_object[NameObject("/MarkInfo")] = DictionaryObject(
            {NameObject("/Marked"): BooleanObject(True)}
        )
        writer._root_object[NameObject("/StructTreeRoot")] = writer._add_object(
            DictionaryObject({NameObject("/Type"): NameObject("/StructTreeRoot")})
        )
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (
            "HTTP://Example.ORG:80/a/./b/../c?utm_source=x&b=2&a=1#top",
            "http://example.org/a/c?a=1&b=2",
        ),
        ("https://example.org:443", "https://example.org/"),
        ("https://example.org:8443/x/", "https://example.org:8443/x/"),
        ("mailto:someone@example.org", None),
        ("javascript:alert(1)", None),
        ("http://[::1]:8080/a", "http://[::1]:8080/a"),
    ],
)
def test_normalise_url(raw: str, expected: str | None) -> None:
    assert normalise_url(raw) == expected


def test_relative_links_resolve_against_base_href() -> None:
    body = (
        '<html><head><base href="http://example.org/docs/"></head><body>'
        '<a href="a.html">A</a><a href="/b#frag">B</a><a href="#top">top</a>'
        '<a href="mailto:x@y.z">mail</a><a href="a.html">A again</a>'
        '<map><area href="c.pdf"></map></body></html>'
    )
    links = extract_links(body, "http://example.org/other/page")
    assert links == [
        "http://example.org/docs/a.html",
        "http://example.org/b",
        "http://example.org/docs/c.pdf",
    ]


def test_scope_patterns() -> None:
    scope = Scope.for_urls(
        ["https://council.example/"], include=[r"^/services/"], exclude=[r"/print$"]
    )
    assert scope.contains("https://council.example/services/bins")
    assert not scope.contains("https://council.example/news/1")
    assert not scope.contains("https://council.example/services/bins/print")
    assert not scope.contains("https://elsewhere.example/services/bins")
    with pytest.raises(ValueError, match="include pattern"):
        Scope.for_urls(["https://council.example/"], include=["(unclosed"])


def test_sitemap_parsing_refuses_entities_and_reads_indexes() -> None:
    index = parse_sitemap(
        b'<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        b"<sitemap><loc> https://a.example/s1.xml </loc></sitemap></sitemapindex>"
    )
    assert index.children == ["https://a.example/s1.xml"] and index.pages == []
    xxe = (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>&e;</loc></url></urlset>'
    )
    assert all("root:" not in p for p in parse_sitemap(xxe).pages)
    with pytest.raises(SitemapError):
        parse_sitemap(b"<html></html>")


async def test_crawl_follows_links_sitemap_index_and_obeys_robots(make_site) -> None:  # type: ignore[no-untyped-def]
    site = make_site(
        {
            "/robots.txt": (
                200,
                {"Content-Type": "text/plain"},
                b"User-agent: *\nDisallow: /private/\nSitemap: {BASE}/index.xml\n",
            ),
            "/index.xml": (
                200,
                XML,
                b'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                b"<sitemap><loc>{BASE}/pages.xml.gz</loc></sitemap></sitemapindex>",
            ),
            "/": html(
                '<a href="/a">A</a> <a href="/a?utm_source=mail">A again</a> '
                '<a href="/private/secret">secret</a> <a href="https://elsewhere.example/">out</a>'
                ' <a href="/gone">gone</a> <a href="/doc.pdf">doc</a> <a href="/old">old</a>'
            ),
            "/a": html('<a href="/">home</a> <a href="/gone">gone again</a>'),
            "/old": (301, {"Location": "/a"}, b""),
            "/only-in-sitemap": html("from the sitemap"),
            "/private/secret": html("never fetched"),
            "/doc.pdf": (
                200,
                {"Content-Type": "application/pdf"},
                pdf_bytes(tagged=False, title=None, lang=None),
            ),
        }
    )
    # gzip hides {BASE} from the server's substitution: write the real address in now
    sitemap = f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>{site.url}/only-in-sitemap</loc></url></urlset>'
    site.routes["/pages.xml.gz"] = (
        200,
        {"Content-Type": "application/gzip"},
        gzip.compress(sitemap.encode()),
    )
    result = await crawl(config(site.url + "/"))
    base = site.url
    assert set(result.pages) == {f"{base}/", f"{base}/a", f"{base}/only-in-sitemap"}
    assert "/private/secret" not in site.paths()
    assert result.skipped[f"{base}/private/secret"] == "disallowed by robots.txt"
    assert site.paths().count("/a") == 1, "the utm_ link is the same page"
    assert result.redirects[f"{base}/old"] == f"{base}/a"
    assert "https://elsewhere.example/" in result.external
    [broken] = result.broken
    assert broken.url == f"{base}/gone" and broken.status == 404
    assert set(broken.referrers) == {f"{base}/", f"{base}/a"}
    [doc] = result.resources
    assert doc.kind == "pdf" and doc.referrers == [f"{base}/"]
    assert doc.pdf is not None
    assert {p["rule"] for p in doc.pdf.problems} >= {"pdf-untagged", "pdf-title", "pdf-language"}


async def test_redirects_out_of_scope_and_loops_are_recorded(make_site) -> None:  # type: ignore[no-untyped-def]
    site = make_site(
        {
            "/": html('<a href="/away">away</a> <a href="/loop">loop</a>'),
            "/away": (302, {"Location": "https://elsewhere.example/landing"}, b""),
            "/loop": (302, {"Location": "/loop2"}, b""),
            "/loop2": (302, {"Location": "/loop"}, b""),
        }
    )
    result = await crawl(config(site.url + "/"))
    assert result.pages == [site.url + "/"]
    assert result.skipped[site.url + "/away"].startswith("redirects out of scope")
    assert "https://elsewhere.example/landing" not in str(site.paths())


async def test_limits_pages_depth_and_rate(make_site) -> None:  # type: ignore[no-untyped-def]
    routes = {"/": html(" ".join(f'<a href="/p{i}">p{i}</a>' for i in range(10)))}
    for i in range(10):
        routes[f"/p{i}"] = html(f'<a href="/deep{i}">deeper</a>')
        routes[f"/deep{i}"] = html("deep")
    site = make_site(routes)
    shallow = await crawl(config(site.url + "/", max_depth=1, use_sitemaps=False))
    assert len(shallow.pages) == 11 and not any("deep" in p for p in shallow.pages)
    limited = await crawl(config(site.url + "/", max_pages=4, use_sitemaps=False))
    assert len(limited.pages) == 4
    site.requests.clear()
    started = time.monotonic()
    await crawl(config(site.url + "/", max_depth=1, rate_limit=20, use_sitemaps=False))
    times = sorted(t for _, t in site.requests)
    # The limiter spaces the client's sends; arrival times at the server can bunch under load,
    # so assert on the span of arrivals (load can only stretch it), not the smallest gap.
    assert times[-1] - times[0] >= 0.04 * (len(times) - 1), "20/s → 50 ms apart, 20% slack"
    assert time.monotonic() - started >= 0.04 * (len(times) - 1)


async def test_robots_crawl_delay_slows_the_crawl(make_site) -> None:  # type: ignore[no-untyped-def]
    site = make_site(
        {
            "/robots.txt": (
                200,
                {"Content-Type": "text/plain"},
                b"User-agent: *\nCrawl-delay: 1\n",
            ),
            "/": html('<a href="/a">a</a> <a href="/b">b</a>'),
            "/a": html("a"),
            "/b": html("b"),
        }
    )
    started = time.monotonic()
    result = await crawl(config(site.url + "/"))
    assert len(result.pages) == 3
    assert time.monotonic() - started >= 1.9  # /, /a, /b: two gaps of at least 1 s


async def test_private_addresses_are_refused_unless_allowed(make_site) -> None:  # type: ignore[no-untyped-def]
    site = make_site({"/": html("hello")})
    result = await crawl(config(site.url + "/", allow_private=False))
    assert result.pages == []
    assert "private, loopback or link-local" in result.skipped[site.url + "/"]
    assert site.requests == [], "nothing was fetched from the refused address"
    with pytest.raises(UnsafeURL, match="private, loopback or link-local"):
        await crawl(config(site.url + "/", allow_private=False, follow_links=False))


def test_pdf_checks() -> None:
    good = check_pdf(pdf_bytes(tagged=True, title="Council tax guide", lang="en-GB"))
    assert good.tagged and good.title == "Council tax guide" and good.language == "en-GB"
    assert good.displays_title
    assert {p["rule"] for p in good.problems} == {"pdf-no-text"}, "a blank page has no text"
    bad = check_pdf(pdf_bytes(tagged=False, title=None, lang=None))
    rules = {p["rule"]: p for p in bad.problems}
    assert set(rules) == {"pdf-untagged", "pdf-title", "pdf-language", "pdf-no-text"}
    assert rules["pdf-untagged"]["wcag"] == ["1.3.1"]
    broken = check_pdf(b"%PDF-1.7 this is not really a pdf")
    assert broken.error and broken.problems[0]["rule"] == "pdf-unreadable"


def test_config_errors_name_the_field() -> None:
    with pytest.raises(ValueError, match="max_pages"):
        CrawlConfig(start_urls=["https://a.example/"], max_pages=0).validate()
    with pytest.raises(ValueError, match="start_urls"):
        CrawlConfig(start_urls=["ftp://a.example/"]).validate()
    with pytest.raises(ValueError, match="rate_limit"):
        CrawlConfig(start_urls=["https://a.example/"], rate_limit=0).validate()
