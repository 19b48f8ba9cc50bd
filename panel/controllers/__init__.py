"""The panel's HTTP edge. Staff: `staff` (overview, API), `sampling`, `insight`
(representativeness, health), `applicants`, `data_protection`, `imports`. Residents:
`resident` (unsubscribe), `signup` (join, confirm), `self_service`, `member_links` (a fresh
link, a new email confirmed)."""

from panel.controllers.applicants import ApplicantPages
from panel.controllers.data_protection import DataProtectionPages
from panel.controllers.imports import ImportPages
from panel.controllers.insight import InsightAPI, InsightPages
from panel.controllers.member_links import EmailChangePages, LinkRequestPages
from panel.controllers.resident import UnsubscribePages
from panel.controllers.sampling import SampleAPI, SamplePages
from panel.controllers.self_service import SelfServicePages
from panel.controllers.signup import ConfirmPages, SignUpPages
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
    SignUpPages,
    ConfirmPages,
    LinkRequestPages,
    EmailChangePages,
    ApplicantPages,
    DataProtectionPages,
    ImportPages,
]

NAVIGATION = [NavItem("Panel members", "/staff/panel", frozenset({Role.PANEL_MANAGER.value}))]
