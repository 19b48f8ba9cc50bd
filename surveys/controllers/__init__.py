"""The surveys domain's routes: resident pages, staff pages and the JSON API."""

from service.navigation import NavItem
from service.roles import Role
from surveys.controllers.api import SurveysAPI
from surveys.controllers.equality import StaffEqualityPages
from surveys.controllers.fieldwork import FieldworkPages
from surveys.controllers.fieldwork_api import FieldworkAPI
from surveys.controllers.measures import MeasuresAPI
from surveys.controllers.measures_pages import StaffMeasuresPages
from surveys.controllers.resident import ResidentPages
from surveys.controllers.staff import StaffSurveyPages

ROUTES = [
    ResidentPages,
    StaffSurveyPages,
    FieldworkPages,
    StaffEqualityPages,
    StaffMeasuresPages,
    SurveysAPI,
    MeasuresAPI,
    FieldworkAPI,
]

NAVIGATION = [
    NavItem(
        "Surveys",
        "/staff/surveys",
        frozenset({Role.PANEL_MANAGER.value, Role.RESEARCH_OFFICER.value}),
    ),
    NavItem(
        "Strategy measures",
        "/staff/measures",
        frozenset({Role.PANEL_MANAGER.value, Role.RESEARCH_OFFICER.value}),
    ),
]
