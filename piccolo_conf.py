"""Piccolo's configuration: the database engine (from DATABASE_URL) and the app registry."""

from piccolo.conf.apps import AppRegistry

from service.db import engine_from_url
from service.settings import get_settings

DB = engine_from_url(get_settings().database_url)

APP_REGISTRY = AppRegistry(
    apps=[
        "service.piccolo_app",
        "panel.piccolo_app",
        "surveys.piccolo_app",
        "accessibility.piccolo_app",
    ]
)
