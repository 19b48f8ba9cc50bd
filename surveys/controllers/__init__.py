"""The surveys domain's routes: resident pages, staff pages and the JSON API."""

from surveys.controllers.api import SurveysAPI
from surveys.controllers.equality import StaffEqualityPages
from surveys.controllers.resident import ResidentPages
from surveys.controllers.staff import StaffSurveyPages

ROUTES = [ResidentPages, StaffSurveyPages, StaffEqualityPages, SurveysAPI]
