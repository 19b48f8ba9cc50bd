"""Piccolo app for the accessibility domain."""

import os

from piccolo.conf.apps import AppConfig, table_finder

APP_CONFIG = AppConfig(
    app_name="accessibility",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=table_finder(modules=["accessibility.tables"], exclude_imported=True),
    migration_dependencies=["panel.piccolo_app"],
    commands=[],
)
