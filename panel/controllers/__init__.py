"""The panel's HTTP edge. Staff: `staff` (overview, API), `applicants`, `data_protection`,
`imports`. Residents: `resident` (unsubscribe), `signup` (join, confirm), `self_service`."""

from panel.controllers.applicants import ApplicantPages
from panel.controllers.data_protection import DataProtectionPages, PersonalDataLogPages
from panel.controllers.imports import ImportPages
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
    DataProtectionPages,
    PersonalDataLogPages,
    ImportPages,
]
