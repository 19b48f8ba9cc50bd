"""robots.txt, read with the standard library's parser (``urllib.robotparser``).

A missing robots.txt (404) allows everything; one that cannot be read because the server
refuses (401/403) or fails (5xx) disallows everything, as the robots exclusion standard
(RFC 9309) asks of a polite crawler.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.robotparser import RobotFileParser

__all__ = ["USER_AGENT", "Robots"]

#: The name we crawl under; site owners can write robots.txt rules for it.
USER_AGENT = "ResidentVoiceAuditor"


@dataclass
class Robots:
    """The rules of one origin's robots.txt."""

    parser: RobotFileParser
    sitemaps: list[str] = field(default_factory=list)

    @classmethod
    def from_response(cls, status: int, text: str) -> Robots:
        parser = RobotFileParser()
        if status in (401, 403) or status >= 500:
            parser.parse(["User-agent: *", "Disallow: /"])
        elif status >= 400:
            parser.parse([])
        else:
            parser.parse(text.splitlines())
        return cls(parser, list(parser.site_maps() or []))

    @classmethod
    def allow_everything(cls) -> Robots:
        parser = RobotFileParser()
        parser.parse([])
        return cls(parser)

    def allowed(self, url: str) -> bool:
        return self.parser.can_fetch(USER_AGENT, url)

    @property
    def crawl_delay(self) -> float | None:
        delay = self.parser.crawl_delay(USER_AGENT)
        return float(delay) if delay is not None else None
