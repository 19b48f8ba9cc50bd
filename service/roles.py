"""Staff roles. `admin` may do everything; the others see their own part of the service."""

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    PANEL_MANAGER = "panel_manager"
    RESEARCH_OFFICER = "research_officer"
    WEB_TEAM = "web_team"

    @property
    def label(self) -> str:
        return {
            "admin": "Administrator",
            "panel_manager": "Panel manager",
            "research_officer": "Research officer",
            "web_team": "Web team",
        }[self.value]
