"""The panel's HTTP edge: staff pages and API (`staff`, `sampling`, `insight`), resident pages."""

from panel.controllers.insight import InsightAPI, InsightPages
from panel.controllers.resident import SelfServicePages, UnsubscribePages
from panel.controllers.sampling import SampleAPI, SamplePages
from panel.controllers.staff import PanelAPI, PanelPages
from service.navigation import NavItem
from service.roles import Role

ROUTES = [
    PanelPages,
    PanelAPI,
    UnsubscribePages,
    SelfServicePages,
    SamplePages,
    SampleAPI,
    InsightPages,
    InsightAPI,
]

NAVIGATION = [NavItem("Panel members", "/staff/panel", frozenset({Role.PANEL_MANAGER.value}))]
