"""Piccolo app for the resident panel."""

import os

from piccolo.conf.apps import AppConfig, table_finder

APP_CONFIG = AppConfig(
    app_name="panel",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=table_finder(modules=["panel.tables"], exclude_imported=True),
    migration_dependencies=["service.piccolo_app"],
    commands=[],
)
