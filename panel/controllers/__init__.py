"""The panel's HTTP edge: staff pages and API (`staff`), resident pages (`resident`)."""

from panel.controllers.resident import SelfServicePages, UnsubscribePages
from panel.controllers.sampling import SampleAPI, SamplePages
from panel.controllers.staff import PanelAPI, PanelPages

ROUTES = [PanelPages, PanelAPI, UnsubscribePages, SelfServicePages, SamplePages, SampleAPI]
