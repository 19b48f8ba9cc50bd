"""The polite crawler: robots.txt, sitemaps (and sitemap indexes), in-scope links, PDFs.

It finds the HTML pages an audit should open in the browser, and on the way records what the
browser never sees: links to PDFs and other files (PDFs are fetched and checked), and broken
links (4xx/5xx) with the pages that link to them.
"""

from accessibility.crawl.crawler import CrawlConfig, Crawler, CrawlResult, Resource, crawl
from accessibility.crawl.urls import Scope, normalise_url

__all__ = ["CrawlConfig", "CrawlResult", "Crawler", "Resource", "Scope", "crawl", "normalise_url"]
