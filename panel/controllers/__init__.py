"""The panel's HTTP edge: staff pages and API (`staff`, `applicants`), resident pages
(`resident`, `signup`)."""

from panel.controllers.applicants import ApplicantPages
from panel.controllers.resident import UnsubscribePages
from panel.controllers.self_service import SelfServicePages
from panel.controllers.signup import ConfirmPages, SignUpPages
from panel.controllers.staff import PanelAPI, PanelPages

ROUTES = [
    PanelPages,
    PanelAPI,
    UnsubscribePages,
    SelfServicePages,
    SignUpPages,
    ConfirmPages,
    ApplicantPages,
]
