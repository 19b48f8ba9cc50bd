"""Staff pages and JSON API for the resident panel (panel managers only)."""

from __future__ import annotations

import msgspec
from litestar import Controller, get
from litestar.response import Template

from panel.health import panel_health
from panel.schemas import Composition
from panel.services import composition
from service.auth import requires_role
from service.roles import Role

panel_staff = requires_role(Role.PANEL_MANAGER)


class PanelPages(Controller):
    path = "/staff/panel"
    guards = [panel_staff]  # noqa: RUF012
    include_in_schema = False

    @get("/")
    async def overview(self) -> Template:
        return Template(
            "panel/overview.html",
            context={"panel": await composition(), "health": await panel_health()},
        )


class PanelAPI(Controller):
    path = "/api/panel"
    guards = [panel_staff]  # noqa: RUF012
    tags = ["panel"]  # noqa: RUF012

    @get("/composition")
    async def composition_api(self) -> Composition:
        """Active members by age, sex and ward, with the borough population's shares."""
        return msgspec.convert(await composition(), Composition)
