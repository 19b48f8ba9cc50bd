"""The panel's HTTP edge: staff pages and API (`staff`), resident pages (`resident`)."""

from panel.controllers.resident import SelfServicePages, UnsubscribePages
from panel.controllers.staff import PanelAPI, PanelPages
from service.navigation import NavItem
from service.roles import Role

ROUTES = [PanelPages, PanelAPI, UnsubscribePages, SelfServicePages]

NAVIGATION = [NavItem("Panel members", "/staff/panel", frozenset({Role.PANEL_MANAGER.value}))]
