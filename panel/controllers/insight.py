"""Staff pages and JSON API for representativeness and panel health (panel managers only)."""

from __future__ import annotations

import msgspec
from litestar import Controller, get
from litestar.exceptions import NotFoundException
from litestar.response import Response, Template

from panel.charts import shares_chart_png
from panel.health import panel_health
from panel.margins import panel_margins
from panel.representativeness import TITLES, label, representativeness
from panel.schemas import PanelHealth, Representativeness
from service.auth import requires_role
from service.roles import Role

panel_staff = requires_role(Role.PANEL_MANAGER)
CHANNEL_NAMES = {"email": "Email", "sms": "Text message", "post": "Post", "phone": "Phone"}


class InsightPages(Controller):
    path = "/staff/panel"
    guards = [panel_staff]  # noqa: RUF012
    include_in_schema = False

    @get("/representativeness")
    async def representativeness_page(self) -> Template:
        return Template(
            "panel/representativeness.html",
            context={"report": await representativeness(panel_margins())},
        )

    @get("/representativeness/charts/{dimension:str}")
    async def chart(self, dimension: str) -> Response[bytes]:
        report = await representativeness(panel_margins())
        for dim in report["dimensions"]:
            if dim["dimension"] == dimension:
                return Response(
                    shares_chart_png(dim),
                    media_type="image/png",
                    headers={"Cache-Control": "no-store"},
                )
        raise NotFoundException(f"the margins have no {dimension}")

    @get("/health")
    async def health_page(self) -> Template:
        return Template(
            "panel/health.html",
            context={
                "health": await panel_health(),
                "titles": TITLES,
                "channels": CHANNEL_NAMES,
                "group_label": label,
            },
        )


class InsightAPI(Controller):
    path = "/api/panel"
    guards = [panel_staff]  # noqa: RUF012
    tags = ["panel"]  # noqa: RUF012

    @get("/representativeness")
    async def representativeness_api(self) -> Representativeness:
        """Active members against the population margins, and the groups to recruit next."""
        return msgspec.convert(await representativeness(panel_margins()), Representativeness)

    @get("/health")
    async def health_api(self) -> PanelHealth:
        """Response rates by sample, stratum and channel; contact frequency; joiners, leavers."""
        return msgspec.convert(await panel_health(), PanelHealth)
