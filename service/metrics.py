"""`/metrics`: Prometheus text format, for administrators only (prometheus-client).

Two kinds of figure, kept apart because they behave differently with several processes:

- **Events this process saw** (requests, latency, sign-up attempts, token look-up failures)
  are prometheus-client counters and histograms, fed by `metrics_middleware`. Labels are the
  route *template* (`/s/{token}`), never the concrete path, so no token, email or id can
  become a label, and the number of series stays bounded. With several server processes,
  set `PROMETHEUS_MULTIPROC_DIR` to an empty folder before they start: prometheus-client then
  keeps each process's values in files there and `/metrics` (on any process) sums them.
  Without it the figures are per process, and a scrape sees whichever process answered.
- **State read from the database at scrape time** (jobs by status, audit runs by status,
  stored responses) go into a fresh registry per scrape, so every process answers the same
  and nothing needs sharing. Jobs are read through `service.jobs.queue_counts` (whatever
  engine runs them); domains add theirs through `<domain>/metrics.py`'s `collect()`
  (`service.domains.metric_collectors`), so this module stays free of domain tables.

A token guess is counted (`resident_voice_token_lookup_failures_total`, by route template)
and never logged: the request log names the template too.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import structlog
from litestar import Response, get
from litestar.config.app import AppConfig
from litestar.exceptions import HTTPException
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily

from service import domains
from service.auth import requires_role
from service.openapi import TEXT, file_download
from service.roles import Role

log = structlog.get_logger("metrics")

PREFIX = "resident_voice"
#: Seconds. Resident pages answer in milliseconds; audits' API calls may take seconds.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
#: Paths not worth a series each: static files (many).
SKIPPED = re.compile(r"^/(assets|static)/")

REQUESTS = Counter(
    f"{PREFIX}_requests",
    "HTTP requests answered, by method, route template and status code.",
    ["method", "route", "status"],
)
LATENCY = Histogram(
    f"{PREFIX}_request_duration_seconds",
    "Time from request to the end of the response, by method and route template.",
    ["method", "route"],
    buckets=LATENCY_BUCKETS,
)
TOKEN_FAILURES = Counter(
    f"{PREFIX}_token_lookup_failures",
    "Requests carrying a token that matched nothing (survey, panel and sign-up links answered "
    "404; API tokens answered 401), by route template. The tokens are never recorded.",
    ["route"],
)
SIGNUPS = Counter(
    f"{PREFIX}_signup_attempts",
    "Final 'Join the panel' submissions, by outcome: accepted, rate_limited or refused "
    "(an error shown, or an incomplete application sent back to the start).",
    ["outcome"],
)

#: The panel sign-up's final step: POST /panel/join/check (panel/controllers/signup.py).
SIGNUP_ROUTE = "/panel/join/{step_id}"
SIGNUP_FINAL_STEP = "check"
SIGNUP_ACCEPTED_LOCATION = "/panel/join/sent"


@dataclass
class Sample:
    """One gauge value a domain reports at scrape time."""

    name: str  # without the prefix: "audit_runs" becomes resident_voice_audit_runs
    documentation: str
    value: float
    labels: dict[str, str] = field(default_factory=dict)


def _header(message: Message, name: bytes) -> str:
    headers: list[tuple[bytes, bytes]] = list(message.get("headers", []))  # type: ignore[call-overload]
    for key, value in headers:
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return ""


def observe(scope: Scope, status: int, location: str, seconds: float) -> None:
    """Record one answered request (the middleware's work, apart for tests to call)."""
    route = scope.get("path_template") or "(unmatched)"
    if SKIPPED.search(route):
        return
    method = str(scope.get("method", ""))
    REQUESTS.labels(method, route, str(status)).inc()
    LATENCY.labels(method, route).observe(seconds)
    has_bearer = any(
        key.lower() == b"authorization" and bytes(value)[:7].lower() == b"bearer "
        for key, value in scope.get("headers", [])
    )
    if (status == 404 and "{token" in route) or (
        status == 401 and route.startswith("/api/") and has_bearer
    ):
        TOKEN_FAILURES.labels(route).inc()
    if (
        method == "POST"
        and route == SIGNUP_ROUTE
        and (scope.get("path_params") or {}).get("step_id") == SIGNUP_FINAL_STEP
    ):
        if status == 429:
            outcome = "rate_limited"
        elif status in (302, 303) and location.startswith(SIGNUP_ACCEPTED_LOCATION):
            outcome = "accepted"
        else:
            outcome = "refused"
        SIGNUPS.labels(outcome).inc()


def metrics_middleware(app: ASGIApp) -> ASGIApp:
    """Count and time every HTTP request by its route template."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500
        location = ""

        async def capture(message: Message) -> None:
            nonlocal status, location
            if message["type"] == "http.response.start":
                status = message["status"]
                location = _header(message, b"location")
            await send(message)

        try:
            await app(scope, receive, capture)
        except HTTPException as error:
            # Raised by a middleware (authentication: a wrong API token) and answered by the
            # app's exception handler, outside this one; its status is the answer's.
            status = error.status_code
            raise
        finally:
            try:
                observe(scope, status, location, time.perf_counter() - started)
            except Exception as error:  # a metrics fault must never fail a resident's request
                log.warning("metrics not recorded", error=type(error).__name__)

    return middleware


def outermost(app_config: AppConfig) -> AppConfig:
    """`on_app_init` hook putting `metrics_middleware` outside every other middleware, the
    authentication middleware included, so requests it refuses (401) are counted too. List it
    after the authentication's own `on_app_init`, which also inserts at the front."""
    app_config.middleware.insert(0, metrics_middleware)
    return app_config


# --- scrape-time state ----------------------------------------------------------------------


def _gauges(samples: Iterable[Sample]) -> list[GaugeMetricFamily]:
    families: dict[str, GaugeMetricFamily] = {}
    label_names: dict[str, list[str]] = {}
    for sample in samples:
        name = f"{PREFIX}_{sample.name}"
        if name not in families:
            label_names[name] = sorted(sample.labels)
            families[name] = GaugeMetricFamily(name, sample.documentation, labels=label_names[name])
        families[name].add_metric([sample.labels[k] for k in label_names[name]], sample.value)
    return list(families.values())


async def job_samples() -> list[Sample]:
    """Jobs by status (queued is the queue's depth; failed are the failures kept for staff)."""
    from service.jobs import JOB_STATUSES, queue_counts

    counts = await queue_counts()
    return [
        Sample(
            "jobs",
            "Background jobs by status, read from the job engine at scrape time: queued is the "
            "queue's depth, failed the jobs that used up their attempts.",
            counts.get(status, 0),
            {"status": status},
        )
        for status in sorted({*JOB_STATUSES, *counts})
    ]


async def state_samples() -> list[Sample]:
    samples = await job_samples()
    for collect in domains.metric_collectors():
        samples.extend(await collect())
    return samples


class _Fixed:
    """A collector that yields metric families built beforehand (after the async reads)."""

    def __init__(self, families: list[GaugeMetricFamily]) -> None:
        self.families = families

    def collect(self) -> Iterable[GaugeMetricFamily]:
        return iter(self.families)


def event_registry() -> Any:
    """This process's registry, or every process's through the multiprocess files."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return registry
    return REGISTRY


async def render() -> bytes:
    """The whole exposition: this process's (or all processes') events, then the state."""
    state = CollectorRegistry(auto_describe=False)
    state.register(_Fixed(_gauges(await state_samples())))  # type: ignore[arg-type]
    return generate_latest(event_registry()) + generate_latest(state)


async def _exposition() -> Response[bytes]:
    return Response(
        await render(),
        # Litestar adds "; charset=utf-8" to text types itself; prometheus-client's has it too.
        media_type=CONTENT_TYPE_LATEST.replace("; charset=utf-8", ""),
        headers={"cache-control": "no-store"},
    )


ADMIN_ONLY = [requires_role(Role.ADMIN)]


@get("/metrics", guards=ADMIN_ONLY, include_in_schema=False)
async def metrics_endpoint() -> Response[bytes]:
    """Prometheus text format, for a signed-in administrator (the session cookie)."""
    return await _exposition()


@get(
    "/api/metrics",
    guards=ADMIN_ONLY,
    tags=["service"],
    summary="Prometheus metrics (administrators)",
    operation_class=file_download(
        f"The Prometheus text exposition format (`{CONTENT_TYPE_LATEST}`): requests by route "
        "template and status, latency histograms, token look-up failures, sign-up outcomes, "
        "jobs by status, audit runs, stored responses",
        {"text/plain": TEXT},
    ),
)
async def api_metrics_endpoint() -> Response[bytes]:
    """The same as `/metrics`, for a scraper with an administrator's API token
    (`Authorization: Bearer rv_…`, accepted only under /api/) or session. Other roles get 403,
    no session or token 401."""
    return await _exposition()


ROUTES = [metrics_endpoint, api_metrics_endpoint]
