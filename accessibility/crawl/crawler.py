"""The async, polite crawler: one httpx client, a few workers, one shared rate limit.

Politeness: robots.txt is obeyed (including ``Crawl-delay`` when it asks for more patience
than our rate limit), requests are spaced by the site's rate limit, and only in-scope URLs are
fetched; links leaving the site are recorded but never requested. Redirects are followed one
hop at a time so each hop is checked against the scope, robots.txt and the SSRF guard.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx

from accessibility.crawl.links import extract_links
from accessibility.crawl.pdf import PdfCheck, check_pdf
from accessibility.crawl.robots import USER_AGENT, Robots
from accessibility.crawl.sitemaps import SitemapError, parse_sitemap
from accessibility.crawl.urls import Scope, normalise_url, origin
from accessibility.safety import AddressPolicy, PinnedTransport, UnsafeURL

__all__ = ["CrawlConfig", "CrawlResult", "Crawler", "Resource", "crawl"]

MAX_REDIRECTS = 10
MAX_HTML_BYTES = 10 * 1024 * 1024
MAX_SITEMAPS = 50
MAX_REFERRERS = 50
#: The longest Crawl-delay we honour; a site asking for more gets this (and a slower audit).
MAX_CRAWL_DELAY_S = 10.0

ResourceKind = Literal["page", "pdf", "file"]


@dataclass
class CrawlConfig:
    """What to crawl and how politely; :meth:`validate` raises ValueError naming the field."""

    start_urls: list[str]
    sitemaps: list[str] = field(default_factory=list)
    include: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    max_pages: int = 100
    max_depth: int = 5
    #: Requests per second to the site (all workers together).
    rate_limit: float = 5.0
    #: False: audit exactly the start URLs (the CLI's --no-crawl); nothing else is fetched.
    follow_links: bool = True
    use_sitemaps: bool = True
    obey_robots: bool = True
    allow_private: bool = False
    cookies: dict[str, str] = field(default_factory=dict)
    timeout_s: float = 15.0
    max_pdf_bytes: int = 20 * 1024 * 1024
    workers: int = 4

    def validate(self) -> None:
        if not self.start_urls:
            raise ValueError("start_urls: give at least one URL")
        for url in self.start_urls:
            if normalise_url(url) is None:
                raise ValueError(f"start_urls: {url!r} is not an http(s) URL")
        if self.max_pages < 1:
            raise ValueError("max_pages: must be at least 1")
        if self.max_depth < 0:
            raise ValueError("max_depth: must be 0 or more")
        if not 0 < self.rate_limit <= 100:
            raise ValueError("rate_limit: must be between 0 and 100 requests per second")
        Scope.for_urls(self.start_urls, self.include, self.exclude)


@dataclass
class Resource:
    """A URL the crawl reached that is not an audited page, or that is broken."""

    url: str
    kind: ResourceKind
    status: int | None = None
    content_type: str = ""
    referrers: list[str] = field(default_factory=list)
    pdf: PdfCheck | None = None
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "kind": self.kind,
            "status": self.status,
            "content_type": self.content_type,
            "referrers": self.referrers,
            "pdf": self.pdf.to_dict() if self.pdf else None,
            "error": self.error,
        }


@dataclass
class CrawlResult:
    """Pages to audit (in discovery order) and everything else the crawl learnt."""

    pages: list[str] = field(default_factory=list)
    depth: dict[str, int] = field(default_factory=dict)
    resources: list[Resource] = field(default_factory=list)
    broken: list[Resource] = field(default_factory=list)
    #: URL → why it was not fetched (robots.txt, out-of-scope redirect, refused address…).
    skipped: dict[str, str] = field(default_factory=dict)
    external: list[str] = field(default_factory=list)
    redirects: dict[str, str] = field(default_factory=dict)
    requests: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "pages": self.pages,
            "resources": [r.to_dict() for r in self.resources],
            "broken_links": [r.to_dict() for r in self.broken],
            "skipped": self.skipped,
            "external_links": len(self.external),
            "redirects": self.redirects,
            "requests": self.requests,
        }


class _RateLimiter:
    """Spaces request starts at least ``interval`` seconds apart, across all workers."""

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self._next = 0.0
        self._lock = asyncio.Lock()

    async def wait(self) -> None:
        async with self._lock:
            now = time.monotonic()
            delay = self._next - now
            self._next = max(now, self._next) + self.interval
        if delay > 0:
            await asyncio.sleep(delay)


class Crawler:
    """One crawl of one site. Use :func:`crawl` unless you need the pieces."""

    def __init__(
        self,
        config: CrawlConfig,
        *,
        client: httpx.AsyncClient | None = None,
        on_page: Callable[[str], None] | None = None,
        policy: AddressPolicy | None = None,
        rendered_links: bool = False,
    ) -> None:
        """With ``rendered_links``, the crawl waits for :meth:`rendered` on every page it
        hands to ``on_page`` (the browser's links, after scripts ran) before it ends."""
        config.validate()
        self.config = config
        #: Every request is checked by this policy, and httpx connects to the address it
        #: pinned (``PinnedTransport``), so a host cannot answer differently the second time.
        self.policy = policy or AddressPolicy.for_site(
            config.start_urls, allow_private=config.allow_private
        )
        self.scope = Scope.for_urls(config.start_urls, config.include, config.exclude)
        self.result = CrawlResult()
        self._client = client
        self._on_page = on_page
        self._robots: dict[str, Robots] = {}
        self._robots_lock = asyncio.Lock()
        self._limiter = _RateLimiter(1.0 / config.rate_limit)
        self._seen: set[str] = set()
        self._referrers: dict[str, list[str]] = {}
        self._queue: asyncio.Queue[tuple[str, int]] = asyncio.Queue()
        self._external: dict[str, None] = {}
        self._rendered_links = rendered_links and config.follow_links
        #: Pages handed out whose rendered links have not come back yet.
        self._awaiting: set[str] = set()
        self._rendered_event = asyncio.Event()

    # -- plumbing ---------------------------------------------------------------------------
    async def _get(self, client: httpx.AsyncClient, url: str) -> httpx.Response:
        """One request, no redirects followed, body not yet read (caller streams)."""
        await self._limiter.wait()
        self.result.requests += 1
        request = client.build_request("GET", url)
        return await client.send(request, stream=True, follow_redirects=False)

    async def _read(self, response: httpx.Response, limit: int) -> bytes:
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > limit:
                raise ValueError(f"larger than {limit // (1024 * 1024)} MB")
            chunks.append(chunk)
        return b"".join(chunks)

    async def robots_for(self, client: httpx.AsyncClient, url: str) -> Robots:
        """The robots.txt rules for the URL's origin (fetched once per origin)."""
        key = origin(url)
        async with self._robots_lock:
            if key in self._robots:
                return self._robots[key]
            if not self.config.obey_robots:
                robots = Robots.allow_everything()
            else:
                try:
                    await self.policy.check_async(f"{key}/robots.txt")
                    response = await self._get(client, f"{key}/robots.txt")
                    try:
                        text = (await self._read(response, 512 * 1024)).decode("utf-8", "replace")
                    finally:
                        await response.aclose()
                    status = response.status_code
                    if 300 <= status < 400:  # a redirected robots.txt: treat as absent
                        status = 404
                    robots = Robots.from_response(status, text)
                except (httpx.HTTPError, ValueError):  # UnsafeURL is a ValueError
                    # No rules to obey; a refused address is refused again page by page.
                    robots = Robots.allow_everything()
                if robots.crawl_delay:
                    wanted = min(robots.crawl_delay, MAX_CRAWL_DELAY_S)
                    self._limiter.interval = max(self._limiter.interval, wanted)
            self._robots[key] = robots
            return robots

    def _refer(self, url: str, referrer: str | None) -> None:
        if referrer is None:
            return
        refs = self._referrers.setdefault(url, [])
        if referrer not in refs and len(refs) < MAX_REFERRERS:
            refs.append(referrer)

    def _enqueue(self, url: str, depth: int, referrer: str | None) -> None:
        self._refer(url, referrer)
        if url in self._seen:
            return
        if not self.scope.contains(url):
            self._external.setdefault(url, None)
            return
        self._seen.add(url)
        self._queue.put_nowait((url, depth))

    # -- sitemaps ---------------------------------------------------------------------------
    async def _sitemap_urls(self, client: httpx.AsyncClient) -> list[str]:
        todo = [u for u in (normalise_url(s) for s in self.config.sitemaps) if u]
        for start in self.config.start_urls:
            normal = normalise_url(start)
            if normal:
                todo += (await self.robots_for(client, normal)).sitemaps
        pages: list[str] = []
        done: set[str] = set()
        while todo and len(done) < MAX_SITEMAPS:
            url = todo.pop(0)
            if url in done:
                continue
            done.add(url)
            try:
                await self.policy.check_async(url)
                response = await self._get(client, url)
                try:
                    body = await self._read(response, 50 * 1024 * 1024)
                finally:
                    await response.aclose()
                if response.status_code >= 400:
                    self.result.skipped[url] = f"sitemap answered HTTP {response.status_code}"
                    continue
                sitemap = parse_sitemap(body)
            except (httpx.HTTPError, SitemapError, UnsafeURL, ValueError) as error:
                self.result.skipped[url] = f"sitemap not read: {error}"
                continue
            pages += sitemap.pages
            todo += [c for c in (normalise_url(c, url) for c in sitemap.children) if c]
        return [u for u in (normalise_url(p) for p in pages) if u]

    # -- fetching ---------------------------------------------------------------------------
    async def _fetch(self, client: httpx.AsyncClient, url: str, depth: int) -> None:
        requested = url
        for _hop in range(MAX_REDIRECTS + 1):
            robots = await self.robots_for(client, url)
            if not robots.allowed(url):
                self.result.skipped[url] = "disallowed by robots.txt"
                return
            try:
                await self.policy.check_async(url)
            except UnsafeURL as error:
                self.result.skipped[url] = str(error)
                return
            try:
                response = await self._get(client, url)
            except httpx.HTTPError as error:
                self._broken(url, None, f"{type(error).__name__}: {error}"[:200])
                return
            try:
                location = response.headers.get("location")
                if response.is_redirect and location:
                    target = normalise_url(location, url)
                    if target is None or not self.scope.contains(target):
                        self.result.skipped[requested] = f"redirects out of scope to {location}"
                        return
                    self.result.redirects[requested] = target
                    self._refer(target, next(iter(self._referrers.get(requested, [])), None))
                    if target in self._seen and target != url:
                        return  # the page it lands on is crawled from elsewhere
                    self._seen.add(target)
                    url = target
                    continue
                await self._handle(client, requested, url, depth, response)
            finally:
                await response.aclose()
            return
        self._broken(requested, None, f"more than {MAX_REDIRECTS} redirects (a redirect loop?)")

    def _broken(self, url: str, status: int | None, error: str | None = None) -> None:
        self.result.broken.append(
            Resource(url=url, kind="page", status=status, referrers=[], error=error)
        )

    async def _handle(
        self,
        client: httpx.AsyncClient,
        requested: str,
        url: str,
        depth: int,
        response: httpx.Response,
    ) -> None:
        status = response.status_code
        content_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
        if status >= 400:
            self.result.broken.append(
                Resource(url=requested, kind="page", status=status, content_type=content_type)
            )
            return
        if content_type in ("text/html", "application/xhtml+xml") or not content_type:
            if len(self.result.pages) >= self.config.max_pages:
                self.result.skipped[url] = "page limit reached"
                return
            self.result.pages.append(url)
            self.result.depth[url] = depth
            if self._rendered_links:
                self._awaiting.add(url)
            if self._on_page:
                self._on_page(url)
            if self.config.follow_links and depth < self.config.max_depth:
                try:
                    body = await self._read(response, MAX_HTML_BYTES)
                except (httpx.HTTPError, ValueError) as error:
                    self.result.skipped[url] = f"links not read: {error}"
                    return
                for link in extract_links(body, url):
                    self._enqueue(link, depth + 1, url)
            return
        if content_type == "application/pdf" or url.lower().endswith(".pdf"):
            resource = Resource(url=url, kind="pdf", status=status, content_type=content_type)
            try:
                resource.pdf = check_pdf(await self._read(response, self.config.max_pdf_bytes))
            except (httpx.HTTPError, ValueError) as error:
                resource.error = f"not checked: {error}"
            self.result.resources.append(resource)
            return
        self.result.resources.append(
            Resource(url=url, kind="file", status=status, content_type=content_type)
        )

    async def _worker(self, client: httpx.AsyncClient) -> None:
        while True:
            url, depth = await self._queue.get()
            try:
                if len(self.result.pages) >= self.config.max_pages:
                    self.result.skipped.setdefault(url, "page limit reached")
                else:
                    await self._fetch(client, url, depth)
            finally:
                self._queue.task_done()

    def rendered(self, url: str, links: list[str]) -> None:
        """Links the browser found on ``url`` once its scripts ran (navigation built by
        JavaScript): they join the crawl like links in the HTML, under the same scope, depth,
        robots.txt and address rules (each is fetched by the crawler before it is audited).
        Call it for every page handed to ``on_page``, with no links if the audit failed."""
        depth = self.result.depth.get(url, 0)
        if self.config.follow_links and depth < self.config.max_depth:
            for link in links:
                normal = normalise_url(link, url)
                if normal is not None:
                    self._enqueue(normal, depth + 1, url)
        self._awaiting.discard(url)
        self._rendered_event.set()

    async def _settle(self) -> None:
        """Until no page is queued and (with rendered links) none is still being audited."""
        while True:
            self._rendered_event.clear()
            await self._queue.join()
            if not self._awaiting:
                return
            if not self._rendered_event.is_set():  # links came back while joining: go on
                await self._rendered_event.wait()

    async def run(self) -> CrawlResult:
        """Crawl and return the result (never raises for a page's failure; records it)."""
        starts = [u for u in (normalise_url(s) for s in self.config.start_urls) if u]
        if not self.config.follow_links:
            for url in starts:
                await self.policy.check_async(url)
                if url not in self.result.pages:
                    self.result.pages.append(url)
                    self.result.depth[url] = 0
                    if self._on_page:
                        self._on_page(url)
            return self.result
        client = self._client or httpx.AsyncClient(
            timeout=self.config.timeout_s,
            headers={"User-Agent": f"{USER_AGENT}/1.0 (+accessibility audit)"},
            cookies=self.config.cookies,
            transport=PinnedTransport(self.policy),
        )
        try:
            for url in starts:
                self._enqueue(url, 0, None)
            if self.config.use_sitemaps:
                for url in await self._sitemap_urls(client):
                    self._enqueue(url, 0, None)
            workers = [
                asyncio.create_task(self._worker(client)) for _ in range(self.config.workers)
            ]
            try:
                await self._settle()
            finally:
                for worker in workers:
                    worker.cancel()
                await asyncio.gather(*workers, return_exceptions=True)
        finally:
            if self._client is None:
                await client.aclose()
        for resource in [*self.result.broken, *self.result.resources]:
            resource.referrers = list(self._referrers.get(resource.url, []))
        self.result.external = list(self._external)
        # Discovery order across workers is racy; report pages in a stable order.
        self.result.pages.sort(key=lambda u: (self.result.depth.get(u, 0), u))
        return self.result


async def crawl(
    config: CrawlConfig, *, on_page: Callable[[str], None] | None = None
) -> CrawlResult:
    """Crawl a site as configured; see :class:`CrawlConfig`."""
    return await Crawler(config, on_page=on_page).run()
