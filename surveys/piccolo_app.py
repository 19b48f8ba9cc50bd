"""Piccolo app for the surveys domain."""

import os

from piccolo.conf.apps import AppConfig, table_finder

APP_CONFIG = AppConfig(
    app_name="surveys",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=table_finder(modules=["surveys.tables"], exclude_imported=True),
    migration_dependencies=["panel.piccolo_app"],
    commands=[],
)
