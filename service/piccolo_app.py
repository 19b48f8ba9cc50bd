"""Piccolo app for the tables the service itself owns."""

import os

from piccolo.conf.apps import AppConfig

from service.tables import (
    ApiToken,
    AuditEvent,
    Job,
    PeriodicLease,
    SignInAttempt,
    StaffSession,
    StaffUser,
)

APP_CONFIG = AppConfig(
    app_name="service",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[
        StaffUser,
        StaffSession,
        SignInAttempt,
        Job,
        AuditEvent,
        ApiToken,
        PeriodicLease,
    ],
    migration_dependencies=[],
    commands=[],
)
